"""The study notebooks' prose in both report languages: every Markdown cell has its twin, every composed sentence
is written in both (issue #31)."""

from __future__ import annotations

import ast
import json

import pytest

from studylib.paths import NOTEBOOKS_DIR

STUDY_NOTEBOOKS = ["pair_profile", "compare_pairs", "seoul_tokyo_culture", "gangnam_axes", "smart_city_governance",
                   "network_context"]
LANG_TAGS = {"lang:en", "lang:id"}
# headings whose Indonesian is the English word itself (glossary: Data = Data); any other identical twin is untranslated
SAME_IN_BOTH_LANGUAGES = {"## Data"}


def _cells(notebook: str) -> list[dict]:
    return json.loads((NOTEBOOKS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]


def _lang_tags(cell: dict) -> list[str]:
    return [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("lang:")]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_markdown_cell_has_exactly_one_language_tag(notebook):
    untagged = [_source(c)[:60] for c in _cells(notebook) if c["cell_type"] == "markdown"
                and (len(_lang_tags(c)) != 1 or _lang_tags(c)[0] not in LANG_TAGS)]
    assert untagged == []


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_english_cell_is_followed_by_its_indonesian_twin_and_no_twin_stands_alone(notebook):
    cells = _cells(notebook)
    for i, cell in enumerate(cells):
        tags = _lang_tags(cell)
        if tags == ["lang:en"]:
            twin = cells[i + 1] if i + 1 < len(cells) else None
            assert twin is not None and _lang_tags(twin) == ["lang:id"], f"no Indonesian twin after {_source(cell)[:60]!r}"
            if _source(cell).strip() not in SAME_IN_BOTH_LANGUAGES:
                assert _source(twin).strip() != _source(cell).strip(), f"the twin of {_source(cell)[:60]!r} is untranslated"
        if tags == ["lang:id"]:
            assert i > 0 and _lang_tags(cells[i - 1]) == ["lang:en"], f"no English cell before {_source(cell)[:60]!r}"


def _say_calls(source: str):
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"]


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_composed_sentence_is_written_in_both_languages(notebook):
    calls = [call for c in _cells(notebook) if c["cell_type"] == "code" for call in _say_calls(_source(c))]
    assert calls, "the notebook composes no sentence with say()"
    for call in calls:
        assert not call.args, f"say() takes keywords only (line {call.lineno})"
        assert sorted(k.arg for k in call.keywords) == ["en", "id"], f"say() at line {call.lineno}"


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_the_parameters_cell_declares_the_report_language(notebook):
    parameters = next(c for c in _cells(notebook) if "parameters" in c.get("metadata", {}).get("tags", []))
    declared = {node.target.id: node.value for node in ast.parse(_source(parameters)).body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    assert "lang" in declared and ast.literal_eval(declared["lang"]) == "en"
