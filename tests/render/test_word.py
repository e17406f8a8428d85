"""report.docx (issue 27): real Word tables without vertical rules, figures, SEQ-numbered captions, the reference
list and page numbers; LibreOffice opens it (CI installs LibreOffice, so there a missing one is a failure)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest


def test_every_run_has_a_report_docx(default_study):
    from docx import Document

    out, results = default_study
    for result in results:
        path = result.output_dir / "report.docx"
        assert path.is_file(), result.notebook
        manifest = json.loads((result.output_dir / "manifest.json").read_text(encoding="utf-8"))
        assert "docx" not in manifest and "report.docx" in manifest["files"]
        doc = Document(path)
        captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
        assert sum(c.startswith("Table ") for c in captions) == len(manifest["tables"]), result.notebook
        assert sum(c.startswith("Figure ") for c in captions) == len(manifest["figures"]), result.notebook
        assert len(doc.inline_shapes) == len(manifest["figures"]) and len(doc.tables) >= len(manifest["tables"])
    compare = next(r for r in results if r.notebook == "compare_pairs")
    texts = [p.text for p in Document(compare.output_dir / "report.docx").paragraphs]
    assert any(t.startswith("Rakhkmadi, R. (2023). Perbandingan Paradiplomasi") for t in texts)
    assert any(t.startswith("Freeman, G. H., & Halton, J. H. (1951).") for t in texts)


def test_libreoffice_opens_the_docx(default_study, tmp_path):
    from pypdf import PdfReader

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have LibreOffice (.ci/run installs libreoffice-writer-nogui)")
        pytest.skip("LibreOffice is not installed here (CI installs it)")
    out, results = default_study
    source = next(r for r in results if r.notebook == "pair_profile").output_dir / "report.docx"
    shutil.copy(source, tmp_path / "report.docx")
    done = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(tmp_path / "report.docx")],
                          capture_output=True, text=True, timeout=300)
    pdf = tmp_path / "pdf" / "report.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    assert "Table 1" in "".join(page.extract_text() for page in reader.pages)
