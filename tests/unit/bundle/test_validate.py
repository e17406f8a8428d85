"""Validation messages (studylib.bundle.validate): what a user reads about their files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundles import base_rows, write_bundle
from studylib.cli import main

ROOT = Path(__file__).resolve().parents[3]


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# ------------------------------------------------------------------------- 7: a folder with nothing recognised
def test_a_folder_without_recognised_tables_is_not_ok(tmp_path):
    from studylib import validate_bundle

    (tmp_path / "empty").mkdir()
    found = validate_bundle(ROOT / "data", tmp_path / "empty")
    assert any("no table found" in p.message for p in found.problems)
    (tmp_path / "caps").mkdir()
    (tmp_path / "caps" / "Activities.csv").write_text("activity_id\n")
    found = validate_bundle(ROOT / "data", tmp_path / "caps")
    messages = [p.message for p in found.problems]
    assert any("'activities.csv' (lower case)" in m for m in messages), messages
    assert main(["validate", "--data", str(tmp_path / "empty")]) == 2


# --------------------------------------------------------------------------------------------- 13: message nits
def _problems(folder):
    from studylib import validate_bundle

    return [str(p) for p in validate_bundle(folder).problems]


def test_a_utf16_file_is_called_utf16(tmp_path):
    folder = write_bundle(tmp_path / "d")
    text = (folder / "sources.csv").read_text(encoding="utf-8")
    (folder / "sources.csv").write_bytes(text.encode("utf-16"))
    messages = _problems(folder)
    assert any("UTF-16" in m for m in messages) and not any("Latin-1" in m for m in messages), messages


def test_a_reference_into_an_xlsx_table_names_the_xlsx_file(tmp_path):
    import pandas as pd

    folder = write_bundle(tmp_path / "d")
    pd.read_csv(folder / "sources.csv", dtype=str).to_excel(folder / "sources.xlsx", index=False)
    (folder / "sources.csv").unlink()
    rows = (folder / "activities.csv").read_text().replace(",src1,p. 1,", ",srcX,p. 1,", 1)
    (folder / "activities.csv").write_text(rows)
    messages = [m for m in _problems(folder) if "srcX" in m]
    assert messages and "sources.xlsx" in messages[0] and "sources.csv" not in messages[0], messages


def test_no_did_you_mean_for_an_unrelated_id_but_for_a_typo():
    from studylib.bundle.validate import _close_id

    assert _close_id("pratama-2019", ["antara-2019", "rakhmadi-2023"]) is None
    assert _close_id("antra-2019", ["antara-2019", "rakhmadi-2023"]) == "antara-2019"
    assert _close_id("src2", ["src1"]) == "src1"
    assert _close_id("busan-surabaya", ["surabaya-busan", "medan-gwangju"]) == "surabaya-busan"


@pytest.mark.parametrize("table, column, value, fragment", [
    ("activities", "sector", "pendidikan", "did you mean 'education'"),
    ("activities", "sector", "Kebudayaan", "did you mean 'culture'"),
    ("activities", "participants", "~30", "write 30 here and 'about' in participants_qualifier"),
    ("activities", "participants", "lebih dari 50", "write 50 here and 'at_least' in participants_qualifier"),
    ("activities", "tie_id", "beta-alpha", "did you mean 'alpha-beta'"),
])
def test_hints_for_natural_slips(tmp_path, table, column, value, fragment):
    rows = base_rows()
    rows[table][1][column] = value
    messages = _problems(write_bundle(tmp_path / "d", rows))
    assert any(fragment in m for m in messages), messages


# ------------------------------------------------------------------------------- 5: 'name' is in Latin script
@pytest.mark.parametrize("name, ok", [("서울", False), ("Seoul 서울", False), ("東京", False), ("Łódź", True),
                                      ("Sürabaya", True), ("Gangnam-gu", True)])
def test_city_names_must_be_latin_script(tmp_path, name, ok):
    rows = base_rows()
    rows["cities"][1]["name"] = name
    messages = [m for m in _problems(write_bundle(tmp_path / "d", rows)) if "column 'name'" in m]
    assert (not messages) == ok, messages
    if not ok:
        assert "not in Latin script" in messages[0] and "name_local" in messages[0]
