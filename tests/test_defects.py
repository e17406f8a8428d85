"""Issue 19: what a new user met on a fresh clone. One test (or more) per item; each failed before its fix."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bundles import base_rows, write_bundle

from studylib.cli import main

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- 4: --scheduler resolves paths locally
class _RecordingExecutor(cf.Executor):
    """An executor whose 'worker' sits in another directory: it records the jobs and fails each one."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args, **kwargs):
        from studylib.render import RunResult

        job = args[0]
        self.jobs.append(job)
        fut = cf.Future()
        fut.set_result(RunResult("pair_profile", job[1]["tie"], "failed", Path(), 0.0, "recorded", job[1]))
        return fut


def test_batch_paths_are_resolved_in_the_client_before_submitting(tmp_path, monkeypatch):
    write_bundle(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    from studylib.batch import run_batch

    ex = _RecordingExecutor()
    run_batch("pair_profile", ["surabaya-busan"], data_dirs=["mine"], out="reports", executor=ex, progress=False)
    notebook, _, data_dirs, out = ex.jobs[0]
    assert Path(notebook).is_absolute() and all(Path(d).is_absolute() for d in data_dirs) and Path(out).is_absolute()
    assert Path(out) == tmp_path / "reports"
    assert (tmp_path / "reports" / "pair_profile" / "_summary" / "failures.csv").exists()


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


def test_an_unwritable_out_in_the_library_is_a_run_error(tmp_path):
    from studylib import RunError
    from studylib.execute import run_notebook

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(RunError, match="cannot write"):
        run_notebook("pair_profile", out=tmp_path / "a-file")


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
