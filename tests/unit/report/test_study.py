"""StudyRun's reading tables: what a reader sees for each kind of date."""

from __future__ import annotations

import html
import os
import json
import re

import numpy as np
import pandas as pd
import pytest

import studylib as sl
from bundles import _act, base_rows, write_bundle


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


def _cells(data, **kw) -> pd.DataFrame:
    found = [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", _table_html(data, **kw), flags=re.S)]
    return pd.DataFrame(np.array(found).reshape(len(data), -1), columns=data.columns)


def test_show_formats_numbers_for_reading():
    data = pd.DataFrame({"term": ["a", "b", "c", "d"],
                         "estimate": [3.0, 0.123456, 1.04553e-16, -2e-17],
                         "std_error": [float("nan"), 0.0004, 1.0, 2.5],
                         "p_value": [0.00001234, 0.5, 1.0, 1e-20]})
    cells = _cells(data)
    assert cells["estimate"].tolist() == ["3.000", "0.123", "0.000", "0.000"]  # round-off noise reads as zero, unsigned
    assert cells["std_error"].tolist() == ["", "0.0004", "1.0", "2.5"]  # a small real value keeps its digits
    assert cells["p_value"].tolist() == ["1.2e-05", "0.500", "1.000", "1e-20"]  # p-values: 3 decimals, never zero


def test_show_gives_each_column_one_number_of_decimals():
    data = pd.DataFrame({"irr": [1.0, 1.000000000000002, 0.85123],  # an IRR of exactly 1 beside round-off above it
                         "irr_high": [float("inf"), 2.5, 1.25],  # an interval that overflowed
                         "percent": [99.9, 12.5, 40.0],  # coded from a source to one decimal
                         "count": [3.0, 12.0, float("nan")],  # whole numbers stored as floats
                         "mixed": ["n/a", 2.25, 7]})  # text beside numbers: only the floats are formatted
    cells = _cells(data)
    assert cells["irr"].tolist() == ["1.000", "1.000", "0.851"]
    assert cells["irr_high"].tolist() == ["inf", "2.50", "1.25"]
    assert cells["percent"].tolist() == ["99.9", "12.5", "40.0"]
    assert cells["count"].tolist() == ["3", "12", ""]
    assert cells["mixed"].tolist() == ["n/a", "2.25", "7"]


def test_show_keeps_each_coded_value_at_its_own_precision_in_mixed_units():
    data = pd.DataFrame({"indicator": ["participants", "coverage"], "value": [4404.0, 99.9], "unit": ["people", "%"],
                         "target": [5000.0, 99.95]})
    assert _cells(data)["value"].tolist() == ["4404.0", "99.9"]  # one column, one number of decimals
    cells = _cells(data, own_decimals=["value", "target"])
    assert cells["value"].tolist() == ["4404", "99.9"]
    assert cells["target"].tolist() == ["5000", "99.95"]


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
                         "x": [1.5, 2.25], "x ": [3.5, 4.5]})
    data.columns = ["year", "note", "text", "when", "x", "x"]  # a repeated name keeps both columns
    found = re.findall(r"<td[^>]*>(.*?)</td>", _table_html(data), flags=re.S)
    assert found == ["2020", "x", "a", "2020-01-01 00:00:00", "1.50", "3.5", "", "", "", "", "2.25", "4.5"]


def test_the_table_formatter_lives_in_tables_and_stays_reachable():
    from studylib.report import tables

    assert sl.Table is tables.Table and sl.md_escape is tables.md_escape
    data = pd.DataFrame({"x": [1.5, 2.25]})
    assert tables.report_table(data).to_html() == sl.StudyRun.show(data).to_html()


def test_save_figure_returns_the_saved_paths_for_a_figure_or_an_axes(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = sl.open_study("pair_profile", tie="surabaya-busan", output_dir=str(tmp_path / "out"))
    events = run.events()
    for stem, chart in (("figure", sl.charts.summary_chart(pd.DataFrame({"tie_id": ["t"], "rate_per_year": [1.0],
                                                                          "continuity": [0.5], "sources": ["s"]}))),
                        ("axes", sl.charts.timeline(events, sources=run.bundle.sources))):
        paths = run.save_figure(chart, stem)
        assert paths == [tmp_path / "out" / "figures" / f"{stem}.png", tmp_path / "out" / "figures" / f"{stem}.svg"]
        assert all(p.stat().st_size > 1000 for p in paths)
        plt.close(chart.figure)
    assert run.figures == [p for stem in ("figure", "axes") for p in (tmp_path / "out" / "figures" / f"{stem}.png",
                                                                       tmp_path / "out" / "figures" / f"{stem}.svg")]


@pytest.mark.parametrize("setting, printed", [(None, True), ("0", True), ("1", False)])
def test_a_runs_figures_get_print_versions_unless_a_draft_asks_for_none(tmp_path, monkeypatch, setting, printed):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from studylib.cli import _cold_kernels
    from studylib.report.outputs import NO_PRINT_FIGURES_ENV

    monkeypatch.delenv(NO_PRINT_FIGURES_ENV, raising=False)  # the suite sets it (tests/conftest.py)
    if setting is not None:
        monkeypatch.setenv(NO_PRINT_FIGURES_ENV, setting)
    run = sl.open_study("pair_profile", tie="surabaya-busan", output_dir=str(tmp_path / "out"))
    ax = sl.charts.timeline(run.events(), sources=run.bundle.sources)
    assert [p.name for p in run.save_figure(ax, "timeline")] == ["timeline.png", "timeline.svg"]
    plt.close(ax.figure)
    folder = tmp_path / "out" / "figures" / "print"
    assert sorted(p.name for p in folder.glob("*")) == (["timeline.pdf", "timeline.png"] if printed else [])
    monkeypatch.delenv(NO_PRINT_FIGURES_ENV, raising=False)
    _cold_kernels(type("Args", (), {"no_print_figures": True})())  # what `studylib run --no-print-figures` does
    assert os.environ[NO_PRINT_FIGURES_ENV] == "1"


def test_caveats_name_agreed_and_uncertainly_dated_rows_and_sources_include_date_sources(tmp_path):
    rows = base_rows()
    rows["sources"].append({**rows["sources"][0], "source_id": "src2", "citation": "Date source"})
    rows["activities"][1].update(start="2011/2013", until="", stage="implemented", date_source_id="")
    rows["activities"][3].update(stage="agreed", date_source_id="src2")
    for act in rows["activities"]:
        act.setdefault("stage", "implemented")
        act.setdefault("date_source_id", "")
    run = sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "b", rows)],
                        output_dir=str(tmp_path / "out"))
    acts = run.bundle.activities
    caveats = run.caveats_section(acts)
    assert "**agreed**" in caveats and "a4" in caveats
    assert "uncertain date" in caveats and "a2" in caveats and "2011/2013" in caveats
    one = run.caveats_section(acts[acts["tie_id"] == "alpha-beta"])  # one uncertain date: the singular throughout
    assert "1 coded activity has only an **uncertain date**" in one
    assert "and is left out of yearly counts like undated ones (it counts in composition tables)" in one
    assert "activities have only an **uncertain date** (EDTF: interval, open end or approximate) and are left out " \
           "of yearly counts like undated ones (they count in composition tables)" in caveats
    assert "`src2`" in run.sources_section(acts)
    assert "agreed, planned and proposed" in run.method_section()


def test_saved_figures_and_tables_are_numbered_in_the_order_shown(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "b", base_rows())],
                        output_dir=str(tmp_path / "out"))
    first = run.save_table(pd.DataFrame({"x": [1.0]}), "first_table")
    second = run.save_table(pd.DataFrame({"y": []}), "header_only")
    fig, ax = plt.subplots()
    fig.suptitle("A chart")
    fig.caption = "Sources: s1."
    run.save_figure(fig, "chart")
    assert "Table" not in second.to_html()  # not yet shown: no number taken
    page_second, page_first = second._repr_html_(), first._repr_html_()  # shown in this order
    assert "<strong>Table 1.</strong> Header only (tables/header_only.csv)." in page_second
    assert "No rows." in page_second and "<th" not in page_second  # a header with nothing under it is not printed
    assert "<strong>Table 2.</strong> First table (tables/first_table.csv)." in page_first
    assert first._repr_html_() == page_first  # shown again: the same number
    record = json.loads((tmp_path / "out" / "numbering.json").read_text(encoding="utf-8"))
    assert [(r["kind"], r["number"], r["files"][0]) for r in record] == [
        ("figure", 1, "figures/chart.png"), ("table", 1, "tables/header_only.csv"), ("table", 2, "tables/first_table.csv")]
    assert record[0]["caption"] == "A chart. Sources: s1."
    plt.close(fig)


def test_numbered_outputs_go_into_the_manifest_and_the_report_has_a_real_title(tmp_path):
    import nbformat

    from studylib.runner.render import numbered_outputs, report_title

    (tmp_path / "numbering.json").write_text(json.dumps([
        {"kind": "figure", "number": 1, "caption": "c", "files": ["figures/a.png"]},
        {"kind": "table", "number": 1, "caption": "t", "files": ["tables/t.csv"]}]), encoding="utf-8")
    assert numbered_outputs(tmp_path) == {"figures": [{"number": 1, "caption": "c", "files": ["figures/a.png"]}],
                                          "tables": [{"number": 1, "caption": "t", "files": ["tables/t.csv"]}]}
    assert not (tmp_path / "numbering.json").exists()  # moved into the manifest, not left beside it
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell("Intro\n\n# Pair *profile*: one tie\n\n## Data")])
    assert report_title(nb, fallback="pair_profile", slug="surabaya-busan") == "Pair profile: one tie — surabaya-busan"
    assert report_title(nbformat.v4.new_notebook(), fallback="pair_profile") == "pair_profile"


def test_model_report_states_reference_categories_and_terms_in_words(tmp_path):
    rng = np.random.default_rng(3)
    panel = pd.DataFrame({"tie_id": np.repeat(["alpha-beta", "gamma-delta"], 40),
                          "sector": np.tile(["culture", "education"], 40)})
    panel["activities"] = rng.poisson(2.0, len(panel))
    report = sl.ModelReport(sl.fit_model(panel, "activities ~ C(tie_id) * C(sector)", "poisson"), "",
                            "activities ~ C(tie_id) * C(sector)", labels={"gamma-delta": "Gamma–Delta"})
    assert "Reference categories: tie = alpha-beta; sector = culture." in report.markdown()
    tidy = report.tidy()
    assert list(tidy.columns[[0, -1]]) == ["term", "label"]
    assert "tie: Gamma–Delta × sector: education" in tidy["label"].tolist()
    assert tidy.attrs["references"] == "Reference categories: tie = alpha-beta; sector = culture."


def test_csv_tables_carry_no_round_off_noise_but_keep_tiny_p_values(tmp_path):
    from studylib.report.outputs import write_table

    write_table(pd.DataFrame({"estimate": [5.24e-16, -1e-17, 0.5], "p_value": [1e-20, 0.5, 0.1]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "estimate,p_value\n0,1e-20\n0,0.5\n0.5,0.1\n"


def test_tables_of_model_terms_show_them_in_words():
    tidy = pd.DataFrame({"term": ["C(tie_id)[T.b]"], "label": ["tie: B"], "estimate": [0.5]})
    page = _table_html(tidy)
    assert "tie: B" in page and "[T." not in page
    assert page.index(">term<") < page.index(">estimate<") and ">label<" not in page  # in the term's place
