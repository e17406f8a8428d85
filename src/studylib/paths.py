"""Where things live. Every path comes from here, never from the current working directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DATA_DIR", "NOTEBOOKS_DIR", "OUTPUTS_DIR", "CODEBOOK_PATH", "SEEDS_DIR", "display_path",
           "no_home", "MANIFEST_FILE", "WARNINGS_FILE", "NUMBERING_FILE", "HANDOVER_DIR"]

PACKAGE_DIR = Path(__file__).resolve().parent
# src/studylib -> project root; STUDYLIB_ROOT lets an installed (non-editable) copy find a checkout.
PROJECT_ROOT = Path(os.environ.get("STUDYLIB_ROOT", PACKAGE_DIR.parent.parent)).resolve()
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"
CODEBOOK_PATH = PACKAGE_DIR / "bundle" / "codebook.yaml"

# A run folder (outputs/<notebook>/<slug>/): the files the kernel and the runner pass to each other.
MANIFEST_FILE = "manifest.json"  # written by the runner: parameters, data hashes, versions, times, status
WARNINGS_FILE = "warnings.txt"  # written by the kernel (StudyRun), read into the manifest by the runner
NUMBERING_FILE = "numbering.json"  # the kernel's figure and table numbers, read into the manifest by the runner
HANDOVER_DIR = ".studylib-validated"  # the runner's validated bundle, taken over by the kernel while it runs


def display_path(path) -> str:
    """A path as reports and manifests show it: relative to the project inside it, from '~' inside the home folder,
    else absolute (never an absolute path that names a user's folders when it need not)."""
    path = str(path)
    rel = os.path.relpath(path, PROJECT_ROOT)
    if not rel.startswith(".."):
        return rel
    home = os.path.expanduser("~")
    if home not in ("", "/") and path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path


def no_home(text: str) -> str:
    """``text`` with the project's folder written as a relative path and the user's home folder as '~' (the same rule
    as :func:`display_path`, for paths inside a message)."""
    root, home = str(PROJECT_ROOT), os.path.expanduser("~")
    text = text.replace(root + os.sep, "").replace(root, ".")
    return text.replace(home, "~") if home not in ("", "/") else text
