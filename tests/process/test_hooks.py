"""make lab runs JupyterLab with the project's save hook (studylib.lab.hooks)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
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
