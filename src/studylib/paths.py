"""Where things live. Every path comes from here, never from the current working directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DATA_DIR", "NOTEBOOKS_DIR", "OUTPUTS_DIR", "CODEBOOK_PATH", "SEEDS_DIR"]

PACKAGE_DIR = Path(__file__).resolve().parent
# src/studylib -> project root; STUDYLIB_ROOT lets an installed (non-editable) copy find a checkout.
PROJECT_ROOT = Path(os.environ.get("STUDYLIB_ROOT", PACKAGE_DIR.parent.parent)).resolve()
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
CODEBOOK_PATH = PACKAGE_DIR / "bundle" / "codebook.yaml"
