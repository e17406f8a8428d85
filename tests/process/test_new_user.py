"""What a new user tripped over (issue 30, review new-user-2026-12-05 D10-D26): each test does what the user did.

The command they ran (through ``studylib.cli.main`` in process where possible) and the message or file they saw.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_lab_command() -> str:
    # under `make test` this is a sub-make: without --no-print-directory it prints "make[1]: Entering directory"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "lab"], cwd=ROOT,
                          capture_output=True, text=True, check=True, env=env)
    return " ".join(done.stdout.replace("\\\n", " ").split())


def test_make_lab_serves_the_project_root(tmp_path):
    """The user's `make lab` log said 'Serving notebooks from local directory: .../notebooks'; start the same
    command (on a free port, no browser) and read where it serves from."""
    import shlex
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = shlex.split(_make_lab_command()) + ["--no-browser", f"--port={port}", "--ServerApp.token=''"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    log = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            log.append(line)
            if "Serving notebooks from local directory" in line or "http://127.0.0.1" in line:
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    served = [line for line in log if "Serving notebooks from local directory" in line]
    assert served, "".join(log)
    assert served[0].rstrip().endswith(str(ROOT)), served[0]
