"""The command line: clear messages, exit status 2 for user errors, no tracebacks, nothing written."""

from __future__ import annotations

import subprocess
import sys

from bundles import base_rows, write_bundle

from studylib.cli import main


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_validate_default_data_prints_summary(tmp_path):
    done = _cli("validate", cwd=tmp_path)  # paths never depend on the working directory
    assert done.returncode == 0, done.stderr
    assert "activities" in done.stdout and "with a locator" in done.stdout and "OK" in done.stdout


def test_validate_bad_bundle_exits_2_with_locations(tmp_path):
    rows = base_rows()
    rows["activities"][1]["sector"] = "educaton"
    done = _cli("validate", "--standalone", "--data", str(write_bundle(tmp_path / "b", rows)))
    assert done.returncode == 2
    assert "activities.csv:3: column 'sector':" in done.stderr and "did you mean 'education'" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_unknown_tie_fails_before_any_kernel_and_lists_valid_ids(tmp_path, capsys):
    code = main(["run", "pair_profile", "-p", "tie", "nowhere-city", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown tie id 'nowhere-city'" in err and "surabaya-busan" in err
    assert not any(tmp_path.iterdir()), "nothing may be written"


def test_run_unknown_parameter_is_an_error(tmp_path, capsys):
    code = main(["run", "pair_profile", "-p", "colour", "red", "--out", str(tmp_path)])
    assert code == 2
    assert "unknown parameter 'colour'" in capsys.readouterr().err


def test_run_bad_value_type(tmp_path, capsys):
    code = main(["run", "pair_profile", "-p", "end_year", "soon", "--out", str(tmp_path)])
    assert code == 2
    assert "'soon' is not a valid int" in capsys.readouterr().err


def test_list_shows_notebooks_and_ties(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "pair_profile" in out and "medan-gwangju" in out and "tie" in out
