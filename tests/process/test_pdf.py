"""report.pdf: printed by headless Chromium, with Hangul, Kana/Kanji and Indonesian text embedded; a run without a
browser still succeeds and says once how to get one."""

from __future__ import annotations

import pytest

from studylib.runner.pdf import find_chromium
from studylib.runner.render import export_pdf

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium)")


@needs_chromium
def test_a_browser_that_fails_is_a_pdf_error_not_a_failed_run(tmp_path, monkeypatch, printing_pdfs):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("STUDYLIB_CHROMIUM", str(fake))
    (tmp_path / "report.html").write_text("<p>x</p>")
    note = export_pdf(tmp_path)
    assert note.startswith("no PDF written: Chromium wrote no PDF") and "exit 3: broken" in note
    assert not (tmp_path / "report.pdf").exists()
