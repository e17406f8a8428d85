"""Rendering a run (studylib.runner.render), without a kernel: the report's HTML, the warnings file."""

from __future__ import annotations


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_the_report_carries_no_stderr_and_the_manifest_records_the_warnings(tmp_path):
    import json

    import nbformat

    from studylib.runner.render import _run_warnings, export_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                           text="/home/u/.venv/lib/statsmodels/x.py:12: RuntimeWarning: divide by zero"),
                    nbformat.v4.new_output("stream", name="stdout", text="result 42")]
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "n.ipynb")
    export_html(tmp_path / "n.ipynb", tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert "result 42" in report and "RuntimeWarning" not in report and ".venv" not in report
    (tmp_path / "warnings.txt").write_text("RuntimeWarning: divide by zero encountered in log\n")
    assert _run_warnings(tmp_path) == ["RuntimeWarning: divide by zero encountered in log"]
