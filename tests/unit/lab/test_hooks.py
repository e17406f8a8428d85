"""JupyterLab hooks (studylib.lab.hooks): saving a tracked notebook strips its outputs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_saving_a_study_notebook_strips_its_outputs_and_widget_state_but_not_elsewhere():
    from studylib.lab import strip_outputs

    def model():
        return {"type": "notebook", "content": {
            "metadata": {"widgets": {"state": {}}, "kernelspec": {"name": "studylib"}},
            "cells": [{"cell_type": "code", "execution_count": 4, "source": "x", "metadata": {},
                       "outputs": [{"output_type": "display_data", "data": {"image/png": "AAAA"}}]},
                      {"cell_type": "markdown", "source": "# Title", "metadata": {}}]}}

    class Manager:
        root_dir = str(ROOT)

    tracked = model()
    strip_outputs(tracked, "/notebooks/explore.ipynb", contents_manager=Manager())
    cell = tracked["content"]["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in tracked["content"]["metadata"] and tracked["content"]["cells"][1]["source"] == "# Title"
    mine = model()
    strip_outputs(mine, "work/my-explore.ipynb", contents_manager=Manager())
    assert mine == model()
