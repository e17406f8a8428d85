"""The explorer's state logic, without a browser: change the controls, check the selection, events and output."""

from __future__ import annotations

from bundles import CorpusJob

RENDER_CORPUS = {"explore": lambda _: CorpusJob("explore", {"ties": ["medan-gwangju"], "chart": "irr"})}


def test_workbench_notebook_runs_under_papermill_and_its_report_has_no_blank_widget(render_corpus):
    """No browser: the notebook runs to the end; the report carries the static figure and a note, not widget space."""
    import re

    result = render_corpus["explore"]
    assert result.ok, result.error
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in report
    assert "open this notebook in JupyterLab" in report
    assert "data:image/png;base64" in report and "Traceback" not in report
    assert not re.search(r"Explorer\(|VBox\(", report), "no widget repr text in the report"
    assert (result.output_dir / "figures" / "explore_irr.png").stat().st_size > 1000
    assert (result.output_dir / "tables" / "explore_irr.csv").exists()
