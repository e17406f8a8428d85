"""The command line: clear messages, exit status 2 for user errors, no tracebacks, nothing written."""

from __future__ import annotations

import sys

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
