"""Synthetic bundles for benchmarks and slow tests (never used by the study itself)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from studylib.paths import DATA_DIR

SOURCE_ID = "synthetic-benchmark"
SOURCE_ROW = {"source_id": SOURCE_ID, "citation": "Synthetic rows generated for benchmarks and slow tests (not a real source).",
              "source_type": "dataset", "reliability": "grey", "url_or_doi": "", "language": "en",
              "note": "Synthetic: never part of the study's data."}
SOURCE_TEXT = "Every row of this bundle is synthetic: generated for benchmarks and slow tests, not coded from a source.\n"

SECTORS = ["education", "culture", "economy", "tourism", "sports", "technology", "governance", "civic"]
TYPES = ["exchange_programme", "festival", "delegation", "forum", "training"]
DIRECTIONS = ["a_to_b", "b_to_a", "mutual"]


def synthetic_bundle(folder: Path, n_activities: int, *, standalone: bool = True, seed: int = 20261123) -> Path:
    """``n_activities`` synthetic activities on the tie ``surabaya-busan``.

    ``standalone`` also copies the study's other tables, so the folder is a complete bundle; otherwise the folder
    holds ``activities.csv`` and its own source row and is meant to be layered over the study data. The rows cite
    a synthetic source whose text is archived in ``sources/``, so validation checks their locators as it checks a
    researcher's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if standalone:
        for name in ("cities", "ties", "indicators"):
            shutil.copy(DATA_DIR / f"{name}.csv", folder / f"{name}.csv")
        sources = pd.concat([pd.read_csv(DATA_DIR / "sources.csv", dtype=str, keep_default_na=False),
                             pd.DataFrame([SOURCE_ROW])], ignore_index=True).fillna("")
    else:
        sources = pd.DataFrame([SOURCE_ROW])
    sources.to_csv(folder / "sources.csv", index=False, lineterminator="\n")
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / f"{SOURCE_ID}.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    rng = np.random.default_rng(seed)
    years = rng.integers(1994, 2024, n_activities)
    months = rng.integers(1, 13, n_activities)
    annual = rng.random(n_activities) < 0.05
    frame = pd.DataFrame({
        "activity_id": np.char.add("syn-", np.arange(n_activities).astype(str)),
        "tie_id": "surabaya-busan",
        "actor": "surabaya",
        "title": "Synthetic activity",
        "sector": np.array(SECTORS)[rng.integers(0, len(SECTORS), n_activities)],
        "activity_type": np.array(TYPES)[rng.integers(0, len(TYPES), n_activities)],
        "start": [f"{y}-{m:02d}" for y, m in zip(years, months)],
        "end": "",
        "recurrence": np.where(annual, "annual", "once"),
        "until": np.where(annual, np.minimum(years + 3, 2023).astype(str), ""),
        "direction": np.array(DIRECTIONS)[rng.integers(0, 3, n_activities)],
        "participants": np.where(rng.random(n_activities) < 0.3, rng.integers(1, 50, n_activities).astype(str), ""),
        "participant_group": "",
        "institution": "",
        "source_id": SOURCE_ID,
        "locator": "generated for benchmarks",
        "certainty": "reported",
    })
    frame.to_csv(folder / "activities.csv", index=False, lineterminator="\n")
    return folder
