"""Issue 19: what a new user met on a fresh clone. One test (or more) per item; each failed before its fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bundles import write_bundle

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------- 2 and 15: make lab keeps tracked notebooks clean, runs as root
def _make_lab_command() -> str:
    done = subprocess.run(["make", "-n", "-o", ".venv/.installed", "lab"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout


def test_make_lab_strips_outputs_on_save_with_the_projects_hook():
    from studylib.lab.hooks import PRE_SAVE_HOOK

    assert f"--ContentsManager.pre_save_hook={PRE_SAVE_HOOK}" in _make_lab_command()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root case")
def test_make_lab_as_root_allows_root():
    assert "--allow-root" in _make_lab_command()


# ------------------------------------------------------------------ 16: Ctrl-C in a batch: no worker tracebacks
_POOL_SCRIPT = """
import sys, time
import concurrent.futures as cf
from studylib.runner import batch

def job(busy):
    batch._BUSY[0] = busy  # as inside a notebook job, or idle
    time.sleep(60)

if __name__ == "__main__":
    ex = cf.ProcessPoolExecutor(max_workers=2, initializer=batch._warm_worker)
    try:
        futures = [ex.submit(job, True), ex.submit(job, False), ex.submit(job, True)]
        print("ready", flush=True)
        cf.wait(futures)
    except KeyboardInterrupt:
        ex.shutdown(wait=True, cancel_futures=True)
        print("interrupted", file=sys.stderr)
        sys.exit(130)
"""


def test_ctrl_c_in_a_pool_prints_no_worker_tracebacks(tmp_path):
    import signal
    import time

    script = tmp_path / "pool.py"
    script.write_text(_POOL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(3)  # the workers are importing papermill (the initializer) or running a job
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the runner and its workers
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130 and "Traceback" not in err and err.strip() == "interrupted", err


# --------------------------------------------------------------- 1: warnings are a caution line, never stderr text
def test_a_runs_warnings_are_recorded_not_printed_and_named_in_one_line(tmp_path, capsys):
    import warnings

    from studylib import load_bundle
    from studylib.report.study import StudyRun

    run = StudyRun("pair_profile", {"tie": "alpha-beta"}, load_bundle(write_bundle(tmp_path / "d")), tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        run.capture_warnings()
        warnings.warn("divide by zero encountered in log", RuntimeWarning)
        warnings.warn("divide by zero encountered in log", RuntimeWarning)
        warnings.warn("Glyph 49436 missing from font(s) DejaVu Sans.", UserWarning)
    assert capsys.readouterr().err == ""
    assert run.warnings == ["RuntimeWarning: divide by zero encountered in log",
                            "UserWarning: Glyph 49436 missing from font(s) DejaVu Sans."]
    assert (tmp_path / "out" / "warnings.txt").read_text().splitlines() == run.warnings
    caution = run.warnings_markdown()
    assert caution.startswith("**Caution:** 2 warnings") and "\n" not in caution
    assert run.provenance_section().startswith(caution)
