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
