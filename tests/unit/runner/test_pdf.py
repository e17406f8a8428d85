"""report.pdf: printed by headless Chromium, with Hangul, Kana/Kanji and Indonesian text embedded; a run without a
browser still succeeds and says once how to get one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studylib.runner.pdf import NO_BROWSER, find_chromium, html_to_pdf
from studylib.runner.render import RunResult, export_pdf


def test_without_a_browser_the_run_keeps_its_html_and_says_how_to_get_one(tmp_path, monkeypatch, printing_pdfs):
    monkeypatch.setenv("STUDYLIB_CHROMIUM", str(tmp_path / "no-such-browser"))
    (tmp_path / "report.html").write_text("<p>x</p>")
    assert find_chromium() is None
    assert export_pdf(tmp_path) == NO_BROWSER
    assert not (tmp_path / "report.pdf").exists()
    with pytest.raises(FileNotFoundError):
        html_to_pdf(tmp_path / "report.html", tmp_path / "report.pdf")


def test_the_missing_browser_is_said_once_per_batch(capsys):
    from studylib.cli import _report

    results = [RunResult("pair_profile", f"t{i}", "ok", Path("."), 1.0, pdf_note=NO_BROWSER)
               for i in range(3)]
    assert _report(results) == 0
    assert capsys.readouterr().out.count(NO_BROWSER) == 1


def test_no_pdf_prints_nothing_and_says_why_once(tmp_path, monkeypatch, capsys):
    from studylib.cli import _cold_kernels, _report
    from studylib.runner.render import NO_PDF_ENV, NOT_PRINTED, export_pdf

    monkeypatch.delenv(NO_PDF_ENV, raising=False)
    _cold_kernels(type("Args", (), {"no_pdf": True})())  # what `studylib run --no-pdf` does before any run
    assert os.environ[NO_PDF_ENV] == "1"
    (tmp_path / "report.html").write_text("<p>draft</p>")
    assert export_pdf(tmp_path) == NOT_PRINTED
    assert not (tmp_path / "report.pdf").exists()
    assert _report([RunResult("pair_profile", f"t{i}", "ok", Path("."), 1.0, pdf_note=NOT_PRINTED) for i in range(2)]) == 0
    assert capsys.readouterr().out.count(NOT_PRINTED) == 1
