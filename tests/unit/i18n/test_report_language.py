"""What a report in another language looks like where the library writes it: captions, displayed numbers, dates,
headers, the HTML page's language and footer, the Word document, LaTeX tables, and `studylib study --lang`."""

from __future__ import annotations

import re
import zipfile

import nbformat
import numpy as np
import pandas as pd
import pytest

import studylib as sl
from studylib import i18n
from studylib.cli import main
from studylib.report.latex import regression_table, to_latex
from studylib.report.references import reference_list_markdown
from studylib.report.study import StudyRun
from studylib.report.tables import report_table
from studylib.runner.render import export_html, page_footer_css, run_language
from studylib.runner.word import export_docx


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


TABLE = pd.DataFrame({"sector": ["education", "culture"], "start": ["1960-06-24", "2015-09"],
                      "estimate": [0.97149, 1234.5], "p_value": [0.0081, 1.2e-05], "year": [2015, 2019],
                      "robust": [True, False]})


def test_figure_and_table_numbers_are_in_the_runs_language(tmp_path):
    run = StudyRun("pair_profile", {}, None, tmp_path)
    assert run._number("figure", "a", []) == "Figure 1."
    i18n.set_language("id")
    assert run._number("figure", "b", []) == "Gambar 2."
    assert run._number("table", "c", []) == "Tabel 1."


def test_displayed_numbers_dates_and_headers_in_indonesian_and_unchanged_in_english():
    english = report_table(TABLE).to_html()
    assert "<td>0.971</td>" in english or ">0.971<" in english
    assert ">1960-06-24<" in english and "<th>p_value</th>" in english and ">True<" in english
    i18n.set_language("id")
    html = report_table(TABLE).to_html()
    assert ">0,971<" in html and ">1234,500<" in html  # decimal comma, no thousands mark beside years
    assert ">0,008<" in html and ">1,2e-05<" in html  # p-values, a tiny one kept scientific
    assert ">2015<" in html and ">2.015<" not in html  # a year is not a number to group
    assert "24 Juni 1960" in html and "September 2015" in html
    assert "<th>nilai p</th>" in html and "<th>sektor</th>" in html and "<th>mulai</th>" in html
    assert ">ya<" in html and ">tidak<" in html and "True" not in html


def test_a_long_table_says_where_its_rows_are_in_indonesian():
    i18n.set_language("id")
    table = report_table(pd.DataFrame({"n": range(70)}), name="metrics", max_rows=60)
    assert table.caption == "Ditampilkan 60 baris pertama dari 70; semua baris ada di tables/metrics.csv."
    assert "Tidak ada baris." in report_table(pd.DataFrame({"n": []})).to_html()


def test_latex_tables_follow_the_language():
    english = to_latex(TABLE, caption="c", label="l")
    assert "0.971" in english and "p\\_value" in english
    i18n.set_language("id")
    latex = to_latex(TABLE, caption="c", label="l")
    assert "0,971" in latex and "nilai p" in latex and "0.971" not in latex


def _notebook(lang: str | None):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Profil pasangan"))
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<p class="studylib-caption"><strong>Tabel 1.</strong> Kegiatan.</p>'
                     "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>0,5</td></tr></tbody></table>"})]
    nb.cells.append(code)
    if lang:
        nb.metadata["studylib_run"] = {"lang": lang}
    return nb


def test_html_report_says_its_language_and_prints_an_indonesian_footer(tmp_path):
    path = tmp_path / "x.ipynb"
    nbformat.write(_notebook("id"), path)
    report, notebook = export_html(path, tmp_path)
    for page in (report, notebook):
        text = page.read_text(encoding="utf-8")
        assert '<html lang="id">' in text
        assert 'content: "Halaman " counter(page) " dari " counter(pages);' in text
    nbformat.write(_notebook(None), path)
    text = export_html(path, tmp_path)[0].read_text(encoding="utf-8")
    assert '<html lang="en">' in text and 'content: "Page " counter(page) " of " counter(pages);' in text


def test_page_footer_and_run_language():
    assert page_footer_css("en") == '"Page " counter(page) " of " counter(pages)'
    assert page_footer_css("id") == '"Halaman " counter(page) " dari " counter(pages)'
    assert run_language(_notebook(None)) == "en" and run_language(_notebook("id")) == "id"


def test_word_report_is_in_indonesian_with_numbered_captions(tmp_path):
    export_docx(_notebook("id"), tmp_path, title="t", lang="id")
    with zipfile.ZipFile(tmp_path / "report.docx") as docx:
        document = docx.read("word/document.xml").decode()
        styles = docx.read("word/styles.xml").decode()
        core = docx.read("docProps/core.xml").decode()
    assert "SEQ Tabel" in document and ">Tabel <" in document
    assert 'w:lang w:val="id-ID"' in styles and "id-ID" in core
    export_docx(_notebook(None), tmp_path, title="t")
    with zipfile.ZipFile(tmp_path / "report.docx") as docx:
        assert "id-ID" not in docx.read("word/styles.xml").decode()


def test_reference_list_in_indonesian():
    i18n.set_language("id")
    assert reference_list_markdown(None, []) == "- (tidak ada sumber yang dikutip)"


def test_regression_table_words_and_numbers_in_indonesian():
    class Fit:
        family = "poisson"
        result = None

        def tidy(self):
            return pd.DataFrame({"term": ["year"], "estimate": [0.25], "std_error": [0.1], "conf_low": [0.05],
                                 "conf_high": [0.45]})

        def glance(self):
            return pd.DataFrame({"n": [10], "loglik": [-12.5], "aic": [29.0], "deviance": [np.nan]})

    i18n.set_language("id")
    latex = regression_table([Fit()], caption="c", label="l", interval=True)
    assert "0,250" in latex and "[0,050; 0,450]" in latex
    assert "Keluarga distribusi" in latex and "selang kepercayaan 95" in latex and "-12,50" in latex


def test_study_renders_in_the_language_asked(monkeypatch, tmp_path, capsys):
    from studylib.runner import batch

    seen = []
    monkeypatch.setattr(batch, "run_many", lambda jobs, **kw: seen.extend(jobs) or [])
    batch.run_study(lang="id")
    assert seen and all(params == {"lang": "id"} for _, params, _, _ in seen)
    seen.clear()
    batch.run_study()
    assert seen and all(params == {} for _, params, _, _ in seen)  # English runs keep their folders
    assert main(["study", "--lang", "fr", "--out", str(tmp_path)]) == 2
    assert "'id' (Bahasa Indonesia)" in capsys.readouterr().err


def test_saved_tables_are_titled_in_the_runs_language(tmp_path):
    run = StudyRun("pair_profile", {}, None, tmp_path)
    data = pd.DataFrame({"sector": ["education"], "n": [3]})
    english = run.save_table(data, "sector_counts")
    assert english.title == "Sector counts (tables/sector_counts.csv)."
    assert "\\caption{sector counts}" in (tmp_path / "tables" / "sector_counts.tex").read_text(encoding="utf-8")
    i18n.set_language("id")
    table = run.save_table(data, "sector_counts")
    assert table.title == "Jumlah kegiatan per sektor (tables/sector_counts.csv)."
    assert "\\caption{Jumlah kegiatan per sektor}" in (tmp_path / "tables" / "sector_counts.tex").read_text(
        encoding="utf-8")
    assert run.save_table(data, "my_own_table").title == "My own table (tables/my_own_table.csv)."  # no entry
