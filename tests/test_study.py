"""StudyRun's reading tables: what a reader sees for each kind of date."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
from bundles import _act, base_rows, write_bundle

import studylib as sl


def test_activity_digest_says_when_in_words(tmp_path):
    rows = base_rows()
    rows["activities"].append(_act("a5", "Yearly youth camp", "education", "exchange_programme", "", recurrence="annual"))
    run = sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "b", rows)],
                        output_dir=str(tmp_path / "out"))
    digest = run.activity_digest(run.activities(tie_ids=["alpha-beta"])).set_index("id")
    assert digest.at["a1", "when"] == "2010"
    assert digest.at["a2", "when"] == "annual, from 2012-07 to 2014"
    assert digest.at["a3", "when"] == "2013-05-02 to 2013-05-04"
    assert digest.at["a5", "when"] == "annual, start undated"


def _table_html(data, **kw) -> str:
    return sl.StudyRun.show(data, **kw).to_html()


def test_show_escapes_text_and_leaves_out_the_index():
    data = pd.DataFrame({"title": ["<script>alert(1)</script>", "Culture & arts"]}, index=["idx-x", "idx-y"])
    page = _table_html(data)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Culture &amp; arts" in page
    assert "idx-x" not in page


def test_show_formats_numbers_for_reading():
    data = pd.DataFrame({"term": ["a", "b", "c", "d"],
                         "estimate": [3.0, 0.123456, 1.04553e-16, -2e-17],
                         "std_error": [float("nan"), 0.0004, 1.0, 2.5],
                         "p_value": [0.00001234, 0.5, 1.0, 1e-20]})
    found = [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", _table_html(data), flags=re.S)]
    cells = pd.DataFrame(np.array(found).reshape(len(data), -1), columns=data.columns)
    assert cells["estimate"].tolist() == ["3", "0.123", "0.000", "0.000"]  # round-off noise reads as zero, unsigned
    assert cells["std_error"].tolist() == ["", "0.0004", "1", "2.500"]  # a small real value keeps its digits
    assert cells["p_value"].tolist() == ["1.2e-05", "0.500", "1", "1e-20"]  # p-values are never rounded to zero


def test_show_says_where_the_rest_of_a_long_table_is():
    data = pd.DataFrame({"n": range(70)})
    page = _table_html(data, max_rows=60, name="activities")
    assert "First 60 of 70 rows; every row is in tables/activities.csv." in page
    assert page.count("<tr") == 61  # header + 60 rows
    assert "First" not in _table_html(data.head(60), max_rows=60)


def test_show_is_html_in_a_notebook_and_light():
    data = pd.DataFrame({"a": range(40), "b": ["x"] * 40})
    table = sl.StudyRun.show(data)
    assert table._repr_html_() == table.to_html()
    assert " id=" not in table.to_html()  # no per-cell ids and classes: a report stays small
    assert "40 rows" in repr(table)


def test_show_leaves_every_kind_of_missing_value_blank():
    data = pd.DataFrame({"year": pd.array([2020, None], dtype="Int64"), "note": ["x", None],
                         "text": pd.array(["a", None], dtype="string"), "when": [pd.Timestamp("2020-01-01"), pd.NaT],
                         "x": [1.5, 2.5], "x ": [3.5, 4.5]})
    data.columns = ["year", "note", "text", "when", "x", "x"]  # a repeated name keeps both columns
    found = re.findall(r"<td[^>]*>(.*?)</td>", _table_html(data), flags=re.S)
    assert found == ["2020", "x", "a", "2020-01-01 00:00:00", "1.500", "3.500", "", "", "", "", "2.500", "4.500"]
