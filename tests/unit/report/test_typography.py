"""Typography of the printed reports (issue 27): ids, numbers and dates never broken inside; no Type 3 fonts."""

from __future__ import annotations

import pandas as pd


def test_id_number_and_date_columns_are_marked_nowrap():
    from studylib.report.tables import report_table

    data = pd.DataFrame({"title": ["A long title of an activity", "Another"], "start": ["1960-06-24", "2007/2023"],
                         "estimate": [-10.189, 0.5], "note": ["two words", "x"], "activity_id": ["sb-002", "mg-010"]})
    html = report_table(data).to_html()
    classes = html.split('class="dataframe ', 1)[1].split('"', 1)[0].split()
    assert {"ids-2", "ids-3", "ids-5"} <= set(classes) and "ids-1" not in classes and "ids-4" not in classes
    assert "td:nth-child(5){white-space: nowrap !important;}" in html
    assert "<td class=\"nowrap\">1960-06-24</td>" in html and "<td>A long title of an activity</td>" in html


def test_print_css_never_breaks_words_and_keeps_captions_with_their_tables():
    from studylib.runner.render import TEMPLATES_DIR

    css = (TEMPLATES_DIR / "studylib_lab" / "index.html.j2").read_text(encoding="utf-8")
    assert "overflow-wrap: anywhere" not in css.split('<style media="print">', 1)[1].split("pre {")[0]
    assert "hyphens: manual" in css and "thead { display: table-header-group; }" in css
    assert "table { break-inside: avoid;" in css
    caption = css.split("p.studylib-caption { break-inside", 1)[1].split("}", 1)[0]
    assert "break-after: avoid" in caption and "break-before: avoid" in caption
