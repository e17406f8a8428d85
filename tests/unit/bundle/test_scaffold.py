"""Re-running the study for a new city pair (the README's steps, literally) and batches of ties."""

from __future__ import annotations

import pandas as pd
import pytest

from studylib import StudyError, load_bundle
from studylib.bundle.scaffold import new_pair
from studylib.paths import DATA_DIR


def test_scaffold_refuses_to_overwrite_and_bad_ids(tmp_path):
    folder = new_pair("bandung", "suwon", into=tmp_path / "x")
    with pytest.raises(StudyError, match="already exists"):
        new_pair("bandung", "suwon", into=folder)
    with pytest.raises(StudyError, match="not a city id"):
        new_pair("Bandung City", "suwon", into=tmp_path / "y")


def test_scaffold_copies_known_cities_and_leaves_unknown_to_fill(tmp_path):
    folder = new_pair("bandung", "semarang", into=tmp_path / "x")
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False).set_index("city_id")
    assert cities.at["bandung", "name"] == "Bandung" and cities.at["semarang", "name"] == ""


def test_xlsx_bundle_reports_sheet_rows(tmp_path):
    folder = new_pair("bandung", "suwon", into=tmp_path / "x", xlsx=True)
    assert (folder / "activities.xlsx").exists()
    with pytest.raises(StudyError) as info:
        load_bundle(DATA_DIR, folder)
    text = str(info.value)
    assert "x/ties.xlsx (sheet 'ties'):2: column 'tie_type': a value is required" in text


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_an_xlsx_pair_folders_readme_names_its_xlsx_tables(tmp_path):
    from studylib.bundle.scaffold import new_pair

    folder = new_pair("bandung", "seoul", into=tmp_path / "pair", xlsx=True)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "`sources.xlsx`" in readme and "`cities.xlsx`" in readme and "sources.csv" not in readme
