"""Displayed tables (studylib.report.tables)."""

from __future__ import annotations


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_id_columns_do_not_wrap_at_their_hyphens():
    import pandas as pd

    from studylib.report.tables import report_table

    html = report_table(pd.DataFrame({"id": ["yk-001"], "activity": ["A long title"]})).to_html()
    assert "ids-1" in html and "table.studylib-table.ids-1 td:nth-child(1){white-space: nowrap !important;}" in html
