"""Library-written report sections (studylib.report.sections)."""

from __future__ import annotations

from bundles import write_bundle


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# ----------------------------------------------------------------------- 12: end_year before the signing year
def test_end_year_before_the_signing_year_is_explained_and_counts_agree(tmp_path):
    import studylib as sl
    from studylib.report.sections import dated_note

    b = sl.load_bundle(write_bundle(tmp_path / "d"))
    acts = b.activities
    events = sl.expand_activities(acts, end_year=1990)
    assert len(events) == 0
    note = dated_note(events, acts, end_year=1990)
    assert "dated after 1990" in note and "planned" not in note
    assert "None of the 0" not in dated_note(events, acts.iloc[:0], end_year=1990)
    m = sl.tie_metrics(events, acts, unit="tie_id", unit_id="alpha-beta", end_year=1990, first_year=1990)
    assert m["activities"] == 0 and m["agreements"] == 0


# ------------------------------------------------------------------------------------------ 14: report polish
def test_one_source_row_is_one_row():
    import pandas as pd

    from studylib.report.sections import sources_section

    sources = pd.DataFrame({"source_id": ["s1"], "citation": ["C"], "source_type": ["news"], "reliability": ["news"],
                            "note": [""]})
    text = sources_section(sources, pd.DataFrame({"source_id": ["s1"]}))
    assert "(1 row)" in text and "(1 rows)" not in text


def test_provenance_prints_data_folders_relative_to_the_project_or_home(tmp_path, monkeypatch):
    from studylib.paths import DATA_DIR
    from studylib.report.sections import provenance_section

    monkeypatch.setenv("HOME", str(tmp_path))
    mine = tmp_path / "pairs" / "bandung-suwon"
    files = {str(DATA_DIR / "ties.csv"): "0" * 64, str(mine / "ties.csv"): "1" * 64}
    text = provenance_section(files, {"tie": "x", "data_dirs": [str(mine)]})
    assert "`data/ties.csv`" in text and "`~/pairs/bandung-suwon/ties.csv`" in text
    assert str(tmp_path) not in text
