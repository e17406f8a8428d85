"""The report sections the library writes, in the report's language: English exactly as before, Indonesian from the
catalog with codebook labels, Indonesian dates and numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from bundles import _act, base_rows, write_bundle
from studylib import i18n, load_bundle
from studylib.report import sections


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    rows = base_rows()
    rows["activities"] += [_act("a5", "Undated visit", "tourism", "delegation", ""),
                           _act("a6", "Loosely dated forum", "technology", "forum", "2011~")]
    rows["sources"][0]["reliability"] = "grey"
    return load_bundle(write_bundle(tmp_path_factory.mktemp("b"), rows))


def test_english_sections_are_the_english_they_always_were(bundle):
    acts = bundle.activities
    assert sections.sources_section(bundle.sources, acts).startswith(
        "- `src1` (6 rows): Test source *journal_article, grey* **(low reliability: read its numbers as reported "
        "claims)**")
    caveats = sections.caveats_section(acts)
    assert ("- 1 coded activity has only an **uncertain date** (EDTF: interval, open end or approximate) and is left "
            "out of yearly counts like undated ones (it counts in composition tables): a6 (`2011~`).") in caveats
    assert ("- 1 of 6 coded activities has **no date** in the sources and is left out of yearly counts (it still "
            "counts in composition tables): a5.") in caveats
    two = acts.assign(start=acts["start"].where(acts["activity_id"] != "a4", ""))
    assert ("- 2 of 6 coded activities have **no date** in the sources and are left out of yearly counts (they still "
            "count in composition tables): a4, a5.") in sections.caveats_section(two)
    assert sections.tie_section(bundle, "alpha-beta").startswith(
        "**Alpha–Beta** (`alpha-beta`): sister tie, formed 2010 \\(precision: year\\); status **active**; source `src1`")
    assert sections.warnings_line(["w1"]) == ("**Caution:** 1 warning arose while this report was computed (w1); the "
                                              "run's `warnings.txt` and `manifest.json` list them.")
    digest = sections.activity_digest(acts)
    assert list(digest.columns) == ["id", "when", "activity", "sector", "type", "direction", "people", "status",
                                    "source (locator)"]
    assert digest.set_index("id").at["a3", "when"] == "2013-05-02 to 2013-05-04"
    assert sections.method_section(expand_annual=False, end_year=2023).startswith(
        "**Annual-expansion assumption** (switched off (annual programmes count once, in their start year); "
        "parameters `expand_annual = False`, `end_year = 2023`): Annual programmes are expanded")


def test_indonesian_sections_use_the_catalog_labels_and_dates(bundle):
    i18n.set_language("id")
    acts = bundle.activities
    src = sections.sources_section(bundle.sources, acts)
    assert src.startswith("- `src1` (6 baris): Test source *artikel jurnal, literatur kelabu* **(keandalan rendah")
    caveats = sections.caveats_section(acts)
    assert "- 1 kegiatan terkode hanya memiliki **tanggal tidak pasti**" in caveats and "a6 (`2011~`)" in caveats
    assert "- 1 dari 6 kegiatan terkode **tidak bertanggal** dalam sumber" in caveats
    tie = sections.tie_section(bundle, "alpha-beta")
    assert tie.startswith("**Alpha–Beta** (`alpha-beta`): hubungan kota kembar, dibentuk 2010; status **aktif**; "
                          "sumber `src1`")
    assert sections.warnings_line(["w1", "w2", "w3"]).startswith("**Perhatian:** 3 peringatan muncul")
    digest = sections.activity_digest(acts).set_index("id")
    assert list(digest.columns) == ["waktu", "kegiatan", "sektor", "jenis", "arah", "peserta", "status",
                                    "sumber (penunjuk lokasi)"]
    assert digest.at["a3", "waktu"] == "2 Mei 2013 sampai 4 Mei 2013"
    assert digest.at["a2", "waktu"] == "tahunan, sejak Juli 2012 sampai 2014"
    assert digest.at["a5", "waktu"] == "tanpa tanggal"
    assert digest.at["a2", "sektor"] == "pendidikan" and digest.at["a2", "jenis"] == "program pertukaran"
    assert digest.at["a1", "arah"] == "timbal balik (bersama)" and digest.at["a1", "status"] == "dilaporkan"
    method = sections.method_section(expand_annual=True, end_year=2023)
    assert method.startswith("**Asumsi perluasan tahunan** (diterapkan; parameter `expand_annual = True`")
    assert "**Jendela pengamatan**" in method and "Annual" not in method


def test_counts_past_a_thousand_are_grouped_in_the_reports_language():
    ids = [f"x{i}" for i in range(1_230)]
    assert sections._some(ids).endswith(" and 1,200 more")
    i18n.set_language("id")
    assert sections._some(ids).endswith(" dan 1.200 lainnya")


def test_no_dated_events_note_is_indonesian():
    i18n.set_language("id")
    empty = pd.DataFrame(columns=["activity_id", "start", "stage"])
    assert sections.dated_note(empty, empty).startswith("**Tidak ada peristiwa bertanggal.**")
