"""The command line: clear messages, exit status 2 for user errors, no tracebacks, nothing written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from studylib import RunError
from studylib.cli import build_parser, main


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


def test_run_study_and_list_stay_commands_and_a_runner_that_cannot_import_fails_loudly(monkeypatch):
    # as if execute.py and batch.py failed to import: the commands must not vanish from the command line
    monkeypatch.setitem(sys.modules, "studylib.runner.execute", None)
    monkeypatch.setitem(sys.modules, "studylib.runner.batch", None)
    parser = build_parser()
    assert parser.parse_args(["run", "pair_profile"]).command == "run"
    assert parser.parse_args(["study"]).command == "study"
    assert parser.parse_args(["list"]).command == "list"
    with pytest.raises(ImportError):
        main(["run", "pair_profile"])
    with pytest.raises(ImportError):
        main(["study"])


def test_a_scheduler_that_cannot_be_used_is_a_run_error(monkeypatch, capsys):
    from studylib.cli import _dask_executor

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if Dask were not installed
    with pytest.raises(RunError, match="--scheduler needs Dask"):
        _dask_executor("tcp://127.0.0.1:8786")
    code = main(["run", "pair_profile", "--tie", "surabaya-busan", "--scheduler", "tcp://127.0.0.1:8786"])
    assert code == 2
    assert "error: --scheduler needs Dask" in capsys.readouterr().err


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# --------------------------------------------------------------- 6: unwritable --out / --into: exit 2, one line
@pytest.mark.parametrize("where", ["file", "proc", "readonly"])
def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys, where):
    if where == "readonly" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    target = {"file": tmp_path / "a-file", "proc": Path("/proc/foo"), "readonly": tmp_path / "ro"}[where]
    if where == "file":
        target.write_text("x")
    if where == "readonly":
        target.mkdir()
        target.chmod(0o500)
    code = main(["run", "pair_profile", "--out", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and "cannot write" in err


def test_new_pair_into_an_unwritable_place_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    code = main(["new-pair", "bandung", "suwon", "--into", str(tmp_path / "a-file" / "pair")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1 and "cannot create" in err
    code = main(["new-pair", "bandung", "suwon", "--into", "/proc/foo/pair"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1


# ------------------------------------------------------------------------------------ 11: conflicting options
@pytest.mark.parametrize("argv, words", [
    (["--all-ties", "-p", "tie", "seoul-tokyo"], "-p tie"),
    (["--tie", "seoul-tokyo", "-p", "tie", "surabaya-busan"], "-p tie"),
    (["--all-ties", "--tie", "seoul-tokyo"], "--all-ties and --tie"),
    (["--jobs", "0"], "--jobs"),
    (["--jobs", "-3", "--tie", "seoul-tokyo"], "--jobs"),
])
def test_conflicting_options_are_refused_before_any_kernel(capsys, argv, words):
    assert main(["run", "pair_profile", *argv]) == 2
    assert words in capsys.readouterr().err


def test_study_refuses_jobs_below_one(capsys):
    assert main(["study", "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


# ------------------------------------------------------------------------------ 3: compare_pairs, degenerate ties
@pytest.mark.parametrize("ties, words", [
    ("surabaya-busan,surabaya-busan", "more than once"),
    ("surabaya-busan", "at least 2"),
])
def test_compare_pairs_refuses_duplicate_or_single_ties_before_any_kernel(capsys, ties, words):
    assert main(["run", "compare_pairs", "-p", "ties", ties]) == 2
    assert words in capsys.readouterr().err


def test_a_read_only_filesystem_for_out_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import errno

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)  # as on a read-only mount, which root cannot write either
    code = main(["run", "pair_profile", "--out", str(tmp_path / "ro" / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1 and "Read-only file system" in err
