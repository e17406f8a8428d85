"""A run keeps the cells of its language: the runner drops the cells tagged for another language before the kernel
starts, and the rendered report says the run's language."""

from __future__ import annotations

import nbformat

from studylib.runner.execute import run_notebook


def _notebook(path):
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('lang: str = "en"  # report language\ndata_dirs: list = []\noutput_dir: str = ""')
    parameters.metadata["tags"] = ["parameters"]
    cells = [parameters,
             nbformat.v4.new_markdown_cell("# Results"), nbformat.v4.new_markdown_cell("# Hasil"),
             nbformat.v4.new_code_cell('print("english code")'), nbformat.v4.new_code_cell('print("kode indonesia")'),
             nbformat.v4.new_code_cell('print("both", lang)')]
    for cell, tag in zip(cells[1:5], ("lang:en", "lang:id", "lang:en", "lang:id")):
        cell.metadata["tags"] = [tag]
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _outputs(result) -> str:
    nb = nbformat.read(result.output_dir / f"{result.notebook}.ipynb", as_version=4)
    return "\n".join([c.source for c in nb.cells if c.cell_type == "markdown"]
                     + [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs])


def test_a_run_executes_only_its_languages_cells(tmp_path):
    notebook = _notebook(tmp_path / "tagged.ipynb")
    indonesian = run_notebook(notebook, {"lang": "id"}, out=tmp_path / "out")
    assert indonesian.ok, indonesian.error
    text = _outputs(indonesian)
    assert "# Hasil" in text and "kode indonesia" in text and "both id" in text
    assert "# Results" not in text and "english code" not in text
    assert '<html lang="id">' in (indonesian.output_dir / "report.html").read_text(encoding="utf-8")

    english = run_notebook(notebook, {}, out=tmp_path / "out")
    assert english.ok, english.error
    assert english.output_dir != indonesian.output_dir  # side by side
    text = _outputs(english)
    assert "# Results" in text and "english code" in text and "both en" in text
    assert "# Hasil" not in text and "kode indonesia" not in text
    assert '<html lang="en">' in (english.output_dir / "report.html").read_text(encoding="utf-8")
