"""Typography of the printed reports (issue 27): ids, numbers and dates never broken inside; no Type 3 fonts."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from studylib.runner.pdf import find_chromium
from studylib.runner.render import export_pdf

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@needs_poppler
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium)")
def test_compare_pairs_pdf_prints_every_activity_id_whole(default_study, printing_pdfs, tmp_path):
    out, results = default_study
    run = next(r for r in results if r.notebook == "compare_pairs")
    folder = shutil.copytree(run.output_dir, tmp_path / "compare_pairs")  # the session's run is read, never changed
    assert export_pdf(folder) == ""  # the suite prints PDFs only where a test reads one
    pdf = folder / "report.pdf"
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    tokens = set(text.split())
    ids = pd.read_csv(run.output_dir / "tables" / "activities.csv")["activity_id"]
    missing = [i for i in ids if i not in tokens]
    assert not missing, f"ids broken or missing in the PDF text: {missing}"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert " Type 3 " not in fonts
