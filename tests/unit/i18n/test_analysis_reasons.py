"""Sentences the analysis, inference and network code writes (#31): Indonesian in an Indonesian run, English
unchanged, and CSV files in English whatever the language (a CSV file is data)."""

from __future__ import annotations

import pandas as pd

from studylib.analysis.metrics import no_events_reason, ties_left_out
from studylib.i18n import ReaderText, using_language
from studylib.report.outputs import write_table


def _acts(rows):
    return pd.DataFrame([{"tie_id": "t", "start": start, "stage": stage} for start, stage in rows])


THREE = _acts([("", "implemented"), ("1995", "implemented"), ("1996", "implemented")])


def test_no_events_reason_in_english_is_what_it_always_was():
    assert no_events_reason(THREE.iloc[:0]) == "no coded activities"
    assert no_events_reason(THREE, end_year=1990) == ("of its 3 coded activities, 1 is undated or only uncertainly "
                                                      "dated and 2 are dated after 1990 (end_year)")
    assert no_events_reason(THREE.iloc[:1]) == "its only coded activity is undated or only uncertainly dated"
    planned = _acts([("2000", "agreed"), ("", "implemented"), ("2001", "proposed")])
    assert no_events_reason(planned, end_year=2020) == (
        "of its 3 coded activities, 1 is undated or only uncertainly dated and 2 are not reported as implemented "
        "(agreed, planned or proposed)")


def test_no_events_reason_in_indonesian():
    with using_language("id"):
        words = no_events_reason(THREE, end_year=1990)
        single = no_events_reason(THREE.iloc[:1])
        none = no_events_reason(THREE.iloc[:0])
    assert words == ("dari 3 kegiatan terkodenya, 1 tanpa tanggal atau hanya bertanggal tidak pasti dan 2 bertanggal "
                     "setelah 1990 (end_year)")
    assert words.english.startswith("of its 3 coded activities")
    assert single.startswith("satu-satunya kegiatan terkodenya") and none == "tidak ada kegiatan terkode"


def test_ties_left_out_reads_indonesian_but_its_csv_is_english(tmp_path):
    events = pd.DataFrame({"tie_id": pd.Series([], dtype=str)})
    english = ties_left_out(events, THREE, ["t"], end_year=1990)
    with using_language("id"):
        indonesian = ties_left_out(events, THREE, ["t"], end_year=1990)
    assert english.at[0, "reason"] == ("no event to count up to 1990: of its 3 coded activities, 1 is undated or only "
                                       "uncertainly dated and 2 are dated after 1990 (end_year)")
    assert indonesian.at[0, "reason"].startswith("tidak ada peristiwa yang dapat dihitung hingga 1990: dari 3 kegiatan")
    assert isinstance(indonesian.at[0, "reason"], ReaderText)
    write_table(english, tmp_path / "en.csv")
    write_table(indonesian, tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()
