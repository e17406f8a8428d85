"""Hand a bundle the runner has validated over to the notebook kernel it starts next, instead of validating again.

The runner leaves the typed tables (Arrow files) and a record of what was validated in the run's output folder; the
kernel takes them over only while every table file has the same bytes, and the runner removes them after the run.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning
from ..paths import CODEBOOK_PATH, HANDOVER_DIR
from ..provenance import file_sha256
from .codebook import TABLES, load_codebook
from .load import DATE_PRECISIONS, Bundle, _folders, _table_paths
from .validate import MAX_YEAR

__all__ = ["HANDOVER_DIR", "table_files", "is_current", "hand_over", "handed_over", "remove_handover"]



def table_files(*dirs) -> dict[str, str] | None:
    """SHA-256 of every table file the bundle folders hold now, by path: what :attr:`Bundle.files` records when the
    same folders load. Missing folders add nothing (loading reports them); ``None`` if a file cannot be read."""
    found = {}
    for folder in _folders(dirs):
        for table in TABLES:
            for path in _table_paths(folder, table):
                try:
                    found[str(path)] = file_sha256(path)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError:
                    return None
    return found


def _key(dirs: list, files: dict) -> dict:
    """What a validation depends on: the folders, every table file's SHA-256, the codebook's and the latest valid year."""
    return {"dirs": [str(d) for d in dirs], "files": files, "max_year": MAX_YEAR,
            "codebook": file_sha256(CODEBOOK_PATH)}


def _current_key(dirs) -> dict | None:
    files = table_files(*dirs)
    return None if files is None else _key(_folders(dirs), files)


def is_current(bundle: Bundle, *dirs) -> bool:
    """Whether ``bundle`` was validated in this process from exactly the table files ``dirs`` hold now (same folders,
    same bytes): if so, validating them again would give the same bundle.

    The codebook (loaded once per process) and the latest valid year (fixed when this module loads) are the ones
    the bundle was validated with; across processes :func:`handed_over` compares them too.
    """
    files = table_files(*dirs)
    return files is not None and files == bundle.files and _folders(dirs) == list(bundle.dirs)


def hand_over(bundle: Bundle, folder: str | Path) -> Path:
    """Leave a validated bundle in a run's output folder for the notebook kernel the runner starts next.

    The runner has just validated these bytes; the kernel takes the bundle over (see :func:`handed_over`) instead of
    validating them again, and the runner deletes the folder written here when the notebook has run. The tables
    are Arrow files (types kept exactly; reading them runs no code), beside a JSON record of what was validated.
    """
    path = Path(folder) / HANDOVER_DIR
    path.mkdir()
    for name, table in bundle.tables.items():
        table.to_feather(path / f"{name}.arrow")
    record = {**_key(bundle.dirs, bundle.files), "warnings": bundle.warnings}
    (path / "validated.json").write_text(json.dumps(record), encoding="utf-8")
    return path


def handed_over(folder: str | Path, *dirs) -> Bundle | None:
    """The bundle the runner left in ``folder``, if it was validated from exactly the files ``dirs`` hold now.

    Every table file is hashed again and compared with the hashes of the bytes that were validated, together with
    the folders, the codebook and the year; any difference (an edit, a new file in a layer, other folders) returns
    ``None``, and the caller validates afresh. The bundle's warnings are issued again, as loading would.
    """
    path = Path(folder) / HANDOVER_DIR
    try:
        record = json.loads((path / "validated.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    warns = record.pop("warnings", None)
    if not isinstance(warns, list) or record != _current_key(dirs):
        return None
    try:
        tables = {name: pd.read_feather(path / f"{name}.arrow") for name in TABLES}
    except (OSError, ValueError):
        return None
    for w in warns:
        warnings.warn(w, DataWarning, stacklevel=3)
    cb = load_codebook()
    for name, table in tables.items():
        if table.empty:  # Arrow keeps no categories for an empty table (e.g. no findings): give them back
            for col, spec in cb.all_columns(name).items():
                if col in table.columns and spec["type"] in ("vocab", "date"):
                    cats = cb.vocabulary(spec["vocab"]) if spec["type"] == "vocab" else DATE_PRECISIONS
                    target = col if spec["type"] == "vocab" else f"{col}_precision"
                    if target in table.columns:
                        table[target] = pd.Categorical.from_codes(np.zeros(0, dtype=np.int64), categories=cats)
    return Bundle(tables=tables, dirs=_folders(dirs), files=record["files"], warnings=warns, codebook=cb)


def remove_handover(folder: str | Path) -> None:
    """Delete what :func:`hand_over` left in ``folder`` (if anything)."""
    shutil.rmtree(Path(folder) / HANDOVER_DIR, ignore_errors=True)
