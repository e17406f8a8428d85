"""Reading tables (studylib.bundle.read): CSV and Excel files as a user saves them."""

from __future__ import annotations

from bundles import write_bundle


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# --------------------------------------------------------------------- 9: Excel month dates keep their precision
def test_an_excel_month_date_keeps_month_precision(tmp_path):
    import datetime

    import openpyxl

    from studylib import load_bundle

    folder = write_bundle(tmp_path / "d")
    import pandas as pd

    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    (folder / "activities.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(acts.columns))
    for rec in acts.itertuples(index=False):
        ws.append(list(rec))
    col = list(acts.columns).index("start") + 1
    month, day, year = ws.cell(3, col), ws.cell(4, col), ws.cell(5, col)  # a2 (2012-07), a3 (2013-05-02), a4 (2014)
    month.value, month.number_format = datetime.datetime(2012, 7, 1), "mmm-yy"   # what Excel makes of '2012-07'
    day.value, day.number_format = datetime.datetime(2013, 5, 2), "yyyy-mm-dd"
    year.value, year.number_format = datetime.datetime(2014, 1, 1), "yyyy"
    wb.save(folder / "activities.xlsx")
    b = load_bundle(folder)
    got = b.activities.set_index("activity_id")
    assert got.at["a2", "start"] == "2012-07" and got.at["a2", "start_precision"] == "month"
    assert got.at["a3", "start"] == "2013-05-02" and got.at["a4", "start"] == "2014"
