"""Figures for print: 300-dpi PNG and vector PDF, byte-stable, with no Type 3 fonts (pdffonts reads the PDF)."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from studylib import charts  # noqa: E402


def test_figures_are_also_written_for_print_300_dpi_png_and_vector_pdf(study, tmp_path):
    """Issue 27: journals ask for 300 dpi or vector PDF; both byte-stable, the PDF without Type 3 fonts."""
    import shutil
    import subprocess

    b, ev = study
    digests = []
    for run in ("one", "two"):
        fig = charts.sector_heatmap(ev, sources=b.sources).figure
        charts.save_figure(fig, "heat", directory=tmp_path / run)
        plt.close(fig)
        folder = tmp_path / run / "print"
        digests.append([hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("heat.png", "heat.pdf")])
    assert digests[0] == digests[1]
    from PIL import Image

    with Image.open(tmp_path / "one" / "print" / "heat.png") as big, Image.open(tmp_path / "one" / "heat.png") as small:
        assert big.info["dpi"][0] > 299 and small.info["dpi"][0] < 151  # 300 dpi against the report's 150
        assert big.size[0] > 1.8 * small.size[0]
        # the caption is drawn in the report's PNG only (a paper prints it as text): the print PNG is shorter
        assert big.size[1] / big.size[0] < small.size[1] / small.size[0]
    assert (tmp_path / "one" / "print" / "heat.pdf").read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(tmp_path / "one" / "print" / "heat.pdf")], capture_output=True,
                               text=True, check=True).stdout
        assert " Type 3 " not in fonts and len(fonts.splitlines()) > 2
