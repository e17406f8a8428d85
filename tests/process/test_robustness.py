"""Robustness of runs that are killed: previous outputs survive, and what a killed run left is cleaned up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bundles import tree_hashes
from studylib.runner.execute import run_notebook

STUDYLIB = [sys.executable, "-m", "studylib"]


def _wait_for_staging(parent: Path, slug: str, proc, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if list(parent.glob(f".{slug}.partial-*")):
            return
        assert proc.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("the run never started")


@pytest.fixture()
def previous_run(default_study, tmp_path):
    """An earlier run of pair_profile (the session's, copied byte for byte) that a new run must not damage."""
    _, results = default_study
    earlier = next(r for r in results if r.notebook == "pair_profile")
    assert earlier.ok, earlier.error
    dest = tmp_path / "pair_profile" / earlier.slug
    shutil.copytree(earlier.output_dir, dest)
    return tmp_path, dest, tree_hashes(dest)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_run_leaves_previous_outputs_intact(previous_run, sig):
    out, dest, before = previous_run
    proc = subprocess.Popen([*STUDYLIB, "run", "pair_profile", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _wait_for_staging(dest.parent, dest.name, proc)
    time.sleep(1.0)  # the kernel is running cells now
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert tree_hashes(dest) == before, "the previous outputs must survive"
    leftovers = list(dest.parent.glob(".*"))
    if sig == signal.SIGINT:
        assert not leftovers, "an interrupted run cleans its staging folder"
    else:
        assert all(".partial-" in p.name for p in leftovers), "a killed run's leftovers are clearly named"
        again = run_notebook("pair_profile", {}, out=out)
        assert again.ok and not list(dest.parent.glob(".*")), "the next run cleans them"


def test_the_next_run_removes_kernel_sockets_a_killed_run_left(monkeypatch):
    from studylib.runner.kernels import kernel_transport

    with tempfile.TemporaryDirectory(prefix="rt-", dir="/tmp") as short:  # a socket path must stay under ~104 bytes
        runtime = Path(short)
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        dead = int(gone.stdout)  # a process that has ended
        left = [runtime / f"studylib-{dead}-0a1b2c3d-ipc-{port}" for port in (1, 2)]
        ours = runtime / f"studylib-{os.getpid()}-4e5f6a7b-ipc-1"
        other = [runtime / "kernel-1234.json", runtime / "studylib-0a1b2c3d4e5f-ipc-1"]  # not ours, or no pid to check
        for path in [*left, ours, *other]:
            path.touch()
        config = kernel_transport()["config"]
        assert str(runtime) in config.KernelManager.ip
        assert not any(p.exists() for p in left)
        assert ours.exists() and all(p.exists() for p in other)
