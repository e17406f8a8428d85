"""The study notebooks' prose in two languages (issue #31): every Markdown cell tagged ``lang:en`` is followed by its
Indonesian twin tagged ``lang:id``, sentences composed in code go through ``say(en=..., id=...)``, and the parameters
cell declares ``lang``."""

from __future__ import annotations

import ast

import nbformat
import pytest

from studylib.paths import NOTEBOOKS_DIR

STUDY_NOTEBOOKS = ["compare_pairs", "gangnam_axes", "network_context", "pair_profile", "seoul_tokyo_culture",
                   "smart_city_governance"]
LANG_TAGS = ("lang:en", "lang:id")
# Cells whose Indonesian is the English word for word (the glossary's "Data = Data"); any other copy is untranslated.
SAME_IN_BOTH = {"## Data"}


def _cells(name: str):
    return nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4).cells


def _lang(cell) -> str | None:
    tags = [t for t in cell.metadata.get("tags", []) if t in LANG_TAGS]
    return tags[0] if len(tags) == 1 else None


def _code_trees(name: str):
    for index, cell in enumerate(_cells(name)):
        if cell.cell_type == "code":
            yield index, ast.parse(cell.source)


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_every_markdown_cell_has_exactly_one_language_tag(name):
    for index, cell in enumerate(_cells(name)):
        if cell.cell_type == "markdown":
            tags = [t for t in cell.metadata.get("tags", []) if t.startswith("lang:")]
            assert tags in (["lang:en"], ["lang:id"]), f"{name} cell {index} ({cell.source[:40]!r}) has tags {tags}"


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_every_english_cell_is_followed_by_its_indonesian_twin(name):
    cells = _cells(name)
    for index, cell in enumerate(cells):
        before = cells[index - 1] if index else None
        after = cells[index + 1] if index + 1 < len(cells) else None
        if _lang(cell) == "lang:en":
            assert after is not None and after.cell_type == cell.cell_type and _lang(after) == "lang:id", (
                f"{name} cell {index} ({cell.source[:40]!r}) has no Indonesian twin right after it")
            assert after.source.strip() != cell.source.strip() or cell.source.strip() in SAME_IN_BOTH, (
                f"{name} cell {index + 1} is a copy of its English cell")
        elif _lang(cell) == "lang:id":
            assert before is not None and _lang(before) == "lang:en", (
                f"{name} cell {index} ({cell.source[:40]!r}) is an Indonesian cell without an English cell before it")


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_every_say_call_has_both_languages(name):
    for index, tree in _code_trees(name):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say":
                keywords = {k.arg for k in node.keywords}
                assert {"en", "id"} <= keywords and not node.args, (
                    f"{name} cell {index}: say(...) at line {node.lineno} needs en= and id= (has {sorted(keywords)})")


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_parameters_cell_declares_lang(name):
    cells = _cells(name)
    parameters = next(c for c in cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
    declared = {node.target.id: node.value for node in ast.parse(parameters.source).body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    assert "lang" in declared, f"{name}: the parameters cell does not declare lang"
    assert isinstance(declared["lang"], ast.Constant) and declared["lang"].value == "en", "lang defaults to 'en'"


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_say_is_the_phrasebook_of_the_run_language(name):
    """A notebook that calls say(...) defines it as sl.phrasebook(lang), so the run's lang picks the words."""
    calls, defined = False, False
    for _, tree in _code_trees(name):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say":
                calls = True
            if (isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["say"]
                    and ast.unparse(node.value) == "sl.phrasebook(lang)"):
                defined = True
    assert defined or not calls, f"{name} calls say(...) but never sets say = sl.phrasebook(lang)"
