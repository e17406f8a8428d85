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


# --- robustness (inference/multiverse.py) -------------------------------------------------------------------------

import numpy as np  # noqa: E402

from studylib.inference.multiverse import robustness  # noqa: E402


def _table(quantity, estimates, p_values):
    n = len(estimates)
    return pd.DataFrame({"spec_id": range(n), "expansion": ["off", "on"] * (n // 2), "window": "to 2023",
                         "undated": "left out", "coding": "study data", "draw": -1, "quantity": quantity,
                         "estimate": estimates, "conf_low": np.nan, "conf_high": np.nan, "p_value": p_values})


def test_robustness_reasons_in_english_are_what_they_always_were():
    r = robustness(_table("trend", [0.8, 1.3, 0.8, 1.3], [0.3, 0.3, 0.3, 0.3])).iloc[0]
    assert r["reason"] == ("direction changes between specifications (down, up); it depends on the annual expansion "
                           "(off: down, not significant; on: up, not significant)")
    assert r["depends_on"] == "annual expansion"
    level = robustness(_table("continuity", [0.6, 0.65, 0.55, 0.6], np.nan)).iloc[0]
    assert level["reason"] == "every specification within ±0.1 in 4 of 4 specifications"


def test_robustness_reasons_in_indonesian_and_the_csv_in_english(tmp_path):
    table = _table("trend", [0.8, 1.3, 0.8, 1.3], [0.3, 0.3, 0.3, 0.3])
    english = robustness(table)
    with using_language("id"):
        indonesian = robustness(table)
        level = robustness(_table("continuity", [0.6, 0.65, 0.55, 0.6], np.nan)).iloc[0]
        null = robustness(_table("trend", [1.2, 1.3, 1.25, 1.4], [0.3, 0.4, 0.2, 0.5])).iloc[0]
    r = indonesian.iloc[0]
    assert r["reason"] == ("arah berubah antarspesifikasi (turun, naik); hasilnya bergantung pada perluasan tahunan "
                           "(nonaktif: turun, tidak signifikan; aktif: naik, tidak signifikan)")
    assert r["depends_on"] == "perluasan tahunan"
    assert level["reason"] == "setiap spesifikasi berada dalam rentang ±0,1 dalam 4 dari 4 spesifikasi"
    assert null["reason"].startswith("tidak ada perbedaan yang terlihat dalam 4 dari 4 spesifikasi")
    write_table(english, tmp_path / "en.csv")
    write_table(indonesian, tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()


# --- exact tests and the sensitivity grid's conclusions ---------------------------------------------------------

from studylib.inference.exact_tests import composition_test  # noqa: E402
from studylib.inference.sensitivity import _conclusion, mark_robust  # noqa: E402


def _one_tie_activities():
    return pd.DataFrame({"tie_id": ["t", "t", "t"], "sector": ["culture", "education", "culture"],
                         "stage": "implemented", "activity_id": ["a1", "a2", "a3"]})


def test_an_exact_test_not_run_says_why_in_the_report_language(tmp_path):
    english = composition_test(_one_tie_activities())
    assert english.reason == "only 1 group(s) with activities: nothing to compare"
    assert english._repr_markdown_() == ("Fisher–Freeman–Halton exact test: not run (only 1 group(s) with activities: "
                                         "nothing to compare); n = 3 activities.")
    with using_language("id"):
        indonesian = composition_test(_one_tie_activities())
        text = indonesian._repr_markdown_()
    assert indonesian.reason == "hanya 1 kelompok yang memiliki kegiatan: tidak ada yang dapat dibandingkan"
    assert text.startswith("Uji eksak Fisher–Freeman–Halton: tidak dijalankan (hanya 1 kelompok")
    write_table(english.to_frame(), tmp_path / "en.csv")
    write_table(indonesian.to_frame(), tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()


def test_sensitivity_conclusions_in_the_report_language_and_the_same_verdict():
    assert [_conclusion(1.2, 0.01, null=1.0), _conclusion(0.8, 0.01, null=1.0), _conclusion(1.2, 0.3, null=1.0),
            _conclusion(np.nan, np.nan, null=1.0)] == ["above 1", "below 1", "not significant at 5%", "not estimated"]
    with using_language("id"):
        words = [_conclusion(1.2, 0.01, null=1.5), _conclusion(1.2, 0.3, null=1.0), _conclusion(np.nan, 0.1, null=1.0)]
        table = pd.DataFrame({"quantity": ["q", "q"], "variant": ["a", "b"],
                              "conclusion": pd.Series([words[2], words[2]], dtype=object)})
        marked = mark_robust(table)
    assert words == ["di bawah 1,5", "tidak signifikan pada taraf 5%", "tidak diestimasi"]
    assert not marked["robust"].any()  # 'not estimated' everywhere is never robust, in any language


def test_write_table_returns_the_report_language_for_display(tmp_path):
    with using_language("id"):
        shown = write_table(ties_left_out(pd.DataFrame({"tie_id": pd.Series([], dtype=str)}), THREE, ["t"],
                                          end_year=1990), tmp_path / "t.csv")
    assert shown.at[0, "reason"].startswith("tidak ada peristiwa")
    assert "no event to count up to 1990" in (tmp_path / "t.csv").read_text(encoding="utf-8")


def test_a_null_result_is_marked_in_its_own_column_whatever_the_language():
    """The study notebooks tell a null result by ``null_result``, not by the words of its reason."""
    with using_language("id"):
        robust = robustness(_table("trend", [1.2, 1.3, 1.25, 1.4], [0.3, 0.4, 0.2, 0.5]))
    assert robust.iloc[0]["reason"].startswith("tidak ada perbedaan")
    assert bool(robust.iloc[0]["null_result"]) and not bool(robust.iloc[0]["robust"])
    significant = robustness(_table("trend", [1.2, 1.3, 1.25, 1.4], [0.01, 0.02, 0.001, 0.03]))
    assert not bool(significant.iloc[0]["null_result"])