"""Batches of runs (studylib.runner.batch), without kernels: paths, summaries."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

from bundles import write_bundle


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# ----------------------------------------------------------------------------- 4: --scheduler resolves paths locally
class _RecordingExecutor(cf.Executor):
    """An executor whose 'worker' sits in another directory: it records the jobs and fails each one."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args, **kwargs):
        from studylib.runner.render import RunResult

        job = args[0]
        self.jobs.append(job)
        fut = cf.Future()
        fut.set_result(RunResult("pair_profile", job[1]["tie"], "failed", Path(), 0.0, "recorded", job[1]))
        return fut


def test_batch_paths_are_resolved_in_the_client_before_submitting(tmp_path, monkeypatch):
    write_bundle(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    from studylib.runner.batch import run_batch

    ex = _RecordingExecutor()
    run_batch("pair_profile", ["surabaya-busan"], data_dirs=["mine"], out="reports", executor=ex, progress=False)
    notebook, _, data_dirs, out = ex.jobs[0]
    assert Path(notebook).is_absolute() and all(Path(d).is_absolute() for d in data_dirs) and Path(out).is_absolute()
    assert Path(out) == tmp_path / "reports"
    assert (tmp_path / "reports" / "pair_profile" / "_summary" / "failures.csv").exists()


def test_batches_with_other_parameters_keep_their_own_summary(tmp_path):
    from studylib.runner.batch import run_batch, summary_dir

    ex = _RecordingExecutor()
    for parameters in ({}, {"end_year": 2020}):
        run_batch("pair_profile", ["surabaya-busan"], parameters, out=tmp_path, executor=ex, progress=False)
    assert summary_dir("pair_profile", {"tie": "x"}, out=tmp_path) == tmp_path / "pair_profile" / "_summary"
    other = summary_dir("pair_profile", {"tie": "x", "end_year": 2020}, out=tmp_path)
    assert other == tmp_path / "pair_profile" / "_summary--end_year-2020"
    assert (other / "failures.csv").exists() and (tmp_path / "pair_profile" / "_summary" / "failures.csv").exists()
