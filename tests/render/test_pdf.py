"""report.pdf: printed by headless Chromium, with Hangul, Kana/Kanji and Indonesian text embedded; a run without a
browser still succeeds and says once how to get one."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bundles import HANGUL, INDONESIAN, KANA_KANJI
from studylib.runner.pdf import find_chromium

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium)")

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no poppler-utils")


@needs_chromium
@needs_poppler
def test_a_new_pair_with_hangul_gets_a_pdf_with_the_text_and_a_cjk_font(cjk_run, tmp_path):
    _, result = cjk_run
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
    page = sorted(tmp_path.glob("page-*.png"))[0]  # pdftoppm pads the number to the page count's width
    assert page.stat().st_size > 5_000
