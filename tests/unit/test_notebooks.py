"""The real notebooks, executed with papermill on their defaults and on other parameters."""

from __future__ import annotations

import nbformat
import pytest

from studylib.paths import NOTEBOOKS_DIR
from studylib.report.parameters import list_notebooks, notebook_parameters

STUDY = ["compare_pairs", "gangnam_axes", "pair_profile", "seoul_tokyo_culture", "smart_city_governance"]


def test_study_notebooks_exist():
    assert set(STUDY) <= set(list_notebooks())


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs_and_a_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs before committing"
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell must be tagged 'parameters'"
    for name, spec in notebook_parameters(path.stem).items():
        assert spec["help"], f"parameter {name} needs a comment saying what it is"
        assert spec["inferred_type_name"] not in ("None", None), f"parameter {name} needs a type annotation"
