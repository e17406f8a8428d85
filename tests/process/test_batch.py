"""A batch's process pool (studylib.runner.batch) in a process of its own: Ctrl-C."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
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


def test_a_pool_worker_keeps_its_imports_out_of_the_collectors_reach_and_collects_young_objects_less_often(tmp_path):
    """Rendering builds many short-lived objects (nbconvert's HTML trees, run after run): in a pool worker, what the
    initializer imported is frozen (``gc.freeze``) and young objects are collected 10x less often than CPython's
    default; the garbage collector had been ~15% of a worker's rendering time. The process that started the pool is
    the user's, and is left as it was."""
    code = ("import gc, concurrent.futures as cf\n"
            "from studylib.runner import batch\n"
            "def state():\n"
            "    return gc.get_threshold()[0], gc.get_freeze_count()\n"
            "if __name__ == '__main__':\n"
            "    with cf.ProcessPoolExecutor(max_workers=1, initializer=batch._warm_worker) as ex:\n"
            "        print(*ex.submit(state).result(), *state())\n")
    script = tmp_path / "pool_gc.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    worker_threshold, worker_frozen, own_threshold, own_frozen = map(int, done.stdout.split())
    assert worker_threshold >= 10 * 700 and worker_frozen > 10_000
    assert (own_threshold, own_frozen) == (700, 0)
