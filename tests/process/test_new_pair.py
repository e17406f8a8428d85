"""Re-running the study for a new city pair (the README's steps, literally) and batches of ties."""

from __future__ import annotations

import subprocess
import sys

STUDYLIB = [sys.executable, "-m", "studylib"]


def test_batch_cli_exit_status_is_non_zero_when_a_tie_fails(tmp_path):
    done = subprocess.run([*STUDYLIB, "run", "pair_profile", "--tie", "no-such-tie", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "FAILED" in done.stdout and "Traceback" not in done.stderr
