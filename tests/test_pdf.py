"""report.pdf: printed by headless Chromium, with Hangul, Kana/Kanji and Indonesian text embedded; a run without a
browser still succeeds and says once how to get one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from studylib.runner.pdf import NO_BROWSER, find_chromium, html_to_pdf
from studylib.runner.render import RunResult, export_pdf

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no poppler-utils")

HANGUL = "수원 청소년 교류"
KANA_KANJI = "東京 とうきょう"
INDONESIAN = "Kunjungan pelajar ke Suwon"


def new_pair_with_cjk(folder):
    """A scaffolded bandung-suwon folder whose rows carry Hangul, Kana/Kanji and Indonesian (made-up test rows)."""
    from test_new_pair import _append

    from studylib.bundle.scaffold import new_pair

    new_pair("bandung", "suwon", into=folder)
    _append(folder / "sources.csv", [{"source_id": "test-src", "citation": "수원시. Test citation (made up).",
                                     "source_type": "news", "reliability": "news", "language": "ko"}])
    ties = pd.read_csv(folder / "ties.csv", dtype=str, keep_default_na=False)
    ties.loc[0, ["tie_type", "signed", "status", "source_id", "locator"]] = ["sister", "1997", "active", "test-src", "p. 1"]
    ties.to_csv(folder / "ties.csv", index=False, lineterminator="\n")
    base = {"tie_id": "bandung-suwon", "actor": "bandung", "recurrence": "once", "direction": "mutual",
            "source_id": "test-src", "certainty": "reported"}
    _append(folder / "activities.csv", [
        {**base, "activity_id": "t-1", "title": HANGUL, "sector": "education", "activity_type": "exchange_programme",
         "start": "2005", "locator": "p. 1"},
        {**base, "activity_id": "t-2", "title": KANA_KANJI, "sector": "culture", "activity_type": "festival",
         "start": "2008", "locator": "p. 2"},
        {**base, "activity_id": "t-3", "title": INDONESIAN, "sector": "education", "activity_type": "delegation",
         "start": "2010", "locator": "p. 3"},
    ])
    return folder


@needs_chromium
@needs_poppler
def test_a_new_pair_with_hangul_gets_a_pdf_with_the_text_and_a_cjk_font(tmp_path):
    from studylib.runner.execute import run_notebook

    folder = new_pair_with_cjk(tmp_path / "bandung-suwon")
    result = run_notebook("pair_profile", {"tie": "bandung-suwon"}, data_dirs=[folder], out=tmp_path / "out")
    assert result.ok, result.error
    assert result.pdf_note == ""
    pdf = result.output_dir / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())  # table cells wrap inside words; -raw keeps a cell's lines together
    assert all("".join(t.split()) in flat for t in (HANGUL, KANA_KANJI, INDONESIAN))
    assert "Page 1 of" in text  # the print footer
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows)  # every font embedded
    # Chromium (Skia) embeds Noto Sans CJK, a CFF-outline font, as unnamed Type 3 fonts, which journal PDF checkers
    # reject: the report prints CJK text in TrueType-outline fonts (Nanum Gothic, IPA Gothic), embedded by name
    assert not any(" Type 3 " in line for line in rows), fonts
    assert any(("Nanum" in line or "IPA" in line) and "CID TrueType" in line for line in rows), fonts
    assert "report.pdf" in (result.output_dir / "manifest.json").read_text()
    bib = (result.output_dir / "references.bib").read_text(encoding="utf-8")
    assert "@misc{test-src," in bib and "수원시" in bib
    # a page as an image, for a person to look at (tests/README: pdftoppm)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5_000


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


@needs_chromium
def test_a_browser_that_fails_is_a_pdf_error_not_a_failed_run(tmp_path, monkeypatch):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("STUDYLIB_CHROMIUM", str(fake))
    (tmp_path / "report.html").write_text("<p>x</p>")
    note = export_pdf(tmp_path)
    assert note.startswith("no PDF written: Chromium wrote no PDF") and "exit 3: broken" in note
    assert not (tmp_path / "report.pdf").exists()
