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


# ------------------------------------------------------------------ a file read again with the same bytes
def test_a_bundle_loaded_again_parses_only_the_files_whose_bytes_changed(tmp_path, monkeypatch):
    """The workbench after each save, each coder's folder over the same study data, each variant coding: unchanged
    bytes are parsed once per process; a changed file is parsed (and checked) anew, and what a caller does to a
    loaded table never reaches the next load."""
    from studylib.bundle import read
    from studylib.bundle.load import load_bundle, validate_bundle

    from bundles import base_rows

    from collections import OrderedDict

    monkeypatch.setattr(read, "_PARSED", OrderedDict())  # what earlier tests read in this process is not counted
    parsed = []
    real = read._parse_table
    monkeypatch.setattr(read, "_parse_table", lambda path, *a, **k: parsed.append(path.name) or real(path, *a, **k))
    folder = write_bundle(tmp_path / "b")
    first = load_bundle(folder)
    assert sorted(parsed) == sorted(p.name for p in folder.glob("*.csv"))
    parsed.clear()
    first.activities.loc[0, "title"] = "changed by a caller"
    table = read.read_table(folder / "cities.csv", "cities.csv", [])
    table.loc[0, "name"] = "changed by a caller"
    again = load_bundle(folder)
    assert parsed == [] and again.activities.loc[0, "title"] == "Sister-city agreement"
    assert again.cities.loc[0, "name"] == base_rows()["cities"][0]["name"]
    rows = base_rows()
    rows["activities"][2]["sector"] = "cultur"
    write_bundle(folder, rows)
    problems = validate_bundle(folder).problems
    assert parsed == ["activities.csv"]  # the only file whose bytes changed
    assert [(p.file, p.line, p.column) for p in problems] == [("activities.csv", 4, "sector")]


# ------------------------------------------------------------------ a table layered from the same files again
def test_tables_layered_from_files_checked_before_are_checked_and_typed_once(tmp_path, monkeypatch):
    """Each variant coding, each coder's folder, the workbench after a save: the tables of the study data under the
    new layer are the same tables, so only the tables whose files differ are checked value by value and typed again.
    The rules across tables are checked every time (a layer's new row may refer to any table), a table with a problem
    is never kept, and what a caller does to a loaded table never reaches the next load."""
    from collections import OrderedDict

    import pandas as pd

    from studylib.bundle import load
    from studylib.bundle.load import load_bundle, validate_bundle

    from bundles import base_rows

    monkeypatch.setattr(load, "_CHECKED", OrderedDict())  # what earlier tests loaded in this process is not counted
    checked, typed, across = [], [], []
    real_values, real_typed, real_rows = load.check_values, load._typed, load.check_rows
    monkeypatch.setattr(load, "check_values", lambda table, *a: checked.append(table) or real_values(table, *a))
    monkeypatch.setattr(load, "_typed", lambda table, *a: typed.append(table) or real_typed(table, *a))
    monkeypatch.setattr(load, "check_rows", lambda *a: across.append(1) or real_rows(*a))
    base = write_bundle(tmp_path / "base")
    first = load_bundle(base)
    assert sorted(checked) == sorted(typed) == sorted(first.tables)
    first.activities.loc[0, "title"] = "changed by a caller"
    checked.clear(), typed.clear(), across.clear()
    again = load_bundle(base)
    assert checked == typed == [] and across == [1]
    assert again.activities.loc[0, "title"] == "Sister-city agreement"
    load._CHECKED.clear()
    afresh = load_bundle(base)  # checked and typed again: the same tables, types and categories
    for name in first.tables:
        pd.testing.assert_frame_equal(again.tables[name], afresh.tables[name])

    # a variant layered over the same data: only its own table is new; the rules across tables still see it
    rows = base_rows()
    variant = write_bundle(tmp_path / "variant", {"activities": [{**rows["activities"][0], "sector": "culture",
                                                                  "override": "yes"}]})
    for path in variant.glob("*.csv"):
        if path.name != "activities.csv":
            path.unlink()
    checked.clear(), typed.clear()
    layered = load_bundle(base, variant)
    assert checked == typed == ["activities"]
    replaced = layered.activities.set_index("activity_id").loc[rows["activities"][0]["activity_id"]]
    assert replaced["sector"] == "culture" and replaced["_file"] == "variant/activities.csv"
    dangling = write_bundle(tmp_path / "dangling", {"activities": [{**rows["activities"][0], "activity_id": "a9",
                                                                    "tie_id": "alpha-nowhere"}]})
    for path in dangling.glob("*.csv"):
        if path.name != "activities.csv":
            path.unlink()
    problems = validate_bundle(base, dangling).problems
    assert [(p.file, p.column) for p in problems] == [("dangling/activities.csv", "tie_id")]

    # a changed file: its table is checked anew and, with a problem, not kept
    rows["activities"][2]["sector"] = "cultur"
    write_bundle(base, rows)
    checked.clear()
    for _ in range(2):
        problems = validate_bundle(base).problems
        assert [(p.file, p.line, p.column) for p in problems] == [("activities.csv", 4, "sector")]
    assert checked == ["activities", "activities"]
