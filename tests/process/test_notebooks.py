"""The real notebooks, executed with papermill on their defaults and on other parameters."""

from __future__ import annotations

import subprocess
import sys

from studylib.paths import NOTEBOOKS_DIR


def test_help_notebook_describes_parameters():
    done = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(NOTEBOOKS_DIR / "pair_profile.ipynb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "tie: str" in done.stdout and "tie id" in done.stdout
