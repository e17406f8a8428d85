"""Reading a notebook's parameters cell: the same answer as papermill, without importing it."""

from __future__ import annotations

import papermill as pm
import pytest

from studylib.paths import NOTEBOOKS_DIR
from studylib.report.parameters import notebook_parameters, parameters_in


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_parameters_agree_with_papermill(path):
    assert notebook_parameters(path) == pm.inspect_notebook(str(path))


CELLS = [
    'tie: str = "surabaya-busan"  # tie id',
    "end_year: int = 2023",
    "n = 5  # no annotation",
    "ratio = 0.5  # type: float the help",
    "ties: list = ['a', 'b']  # two ids # with a hash",
    "# Parameters\n\nalpha: float = 1e-3\nbeta = None  # nothing yet",
]


@pytest.mark.parametrize("source", CELLS)
def test_cell_readings_agree_with_papermills_translator(source):
    from papermill.translators import PythonTranslator

    expected = {p.name: p._asdict() for p in PythonTranslator.inspect({"source": source})}
    assert parameters_in(source) == expected


def test_a_hash_inside_a_string_is_not_a_comment():
    # papermill's line pattern would cut the default at the '#'; the parser reads the string whole
    spec = parameters_in("label: str = 'x # not a comment'  # the help")["label"]
    assert (spec["default"], spec["help"]) == ("'x # not a comment'", "the help")


def test_a_multi_line_default_is_read_whole():
    spec = parameters_in("ties: list = [\n    'a',  # first\n    'b',\n]  # the ids")["ties"]
    assert (spec["default"], spec["help"], spec["inferred_type_name"]) == ("['a', 'b']", "the ids", "list")


def test_a_cell_that_does_not_parse_has_no_parameters():
    assert parameters_in("tie: str = (") == {}
