"""report.pdf: printed by headless Chromium, with Hangul, Kana/Kanji and Indonesian text embedded; a run without a
browser still succeeds and says once how to get one."""

from __future__ import annotations

from pathlib import Path

import pytest

from studylib.runner.pdf import NO_BROWSER, find_chromium, html_to_pdf
from studylib.runner.render import RunResult, export_pdf


def test_without_a_browser_the_run_keeps_its_html_and_says_how_to_get_one(tmp_path, monkeypatch):
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
