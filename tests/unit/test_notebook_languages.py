"""The study notebooks speak English and Bahasa Indonesia: every Markdown cell has its twin in the other language, and
every sentence composed in code is written in both (``say(en=..., id=...)``)."""

from __future__ import annotations

import ast

import nbformat
import pytest

from studylib.paths import NOTEBOOKS_DIR

STUDY_NOTEBOOKS = ["compare_pairs", "gangnam_axes", "network_context", "pair_profile", "seoul_tokyo_culture",
                   "smart_city_governance"]
LANGUAGE_TAGS = ("lang:en", "lang:id")
#: Cells written the same in both languages: the glossary keeps "Data" as it is.
SAME_IN_BOTH_LANGUAGES = {"## Data"}


def _cells(notebook: str):
    return nbformat.read(NOTEBOOKS_DIR / f"{notebook}.ipynb", as_version=4).cells


def _language(cell) -> str | None:
    tags = [t for t in cell.metadata.get("tags", []) if t.startswith("lang:")]
    return tags[0] if len(tags) == 1 else None


def _say_calls(source: str):
    return [node for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"]


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_markdown_cell_has_exactly_one_language_tag(notebook):
    for index, cell in enumerate(_cells(notebook)):
        if cell.cell_type == "markdown":
            tags = [t for t in cell.metadata.get("tags", []) if t.startswith("lang:")]
            assert len(tags) == 1 and tags[0] in LANGUAGE_TAGS, (
                f"{notebook} cell {index} ({cell.source[:40]!r}) has language tags {tags}: it needs exactly one of "
                f"{', '.join(LANGUAGE_TAGS)}")


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_english_cell_is_followed_by_its_indonesian_twin(notebook):
    cells = _cells(notebook)
    for index, cell in enumerate(cells):
        following = cells[index + 1] if index + 1 < len(cells) else None
        preceding = cells[index - 1] if index > 0 else None
        if _language(cell) == "lang:en":
            assert following is not None and _language(following) == "lang:id", (
                f"{notebook} cell {index} ({cell.source[:40]!r}) is English and is not followed by a lang:id twin")
        if _language(cell) == "lang:id":
            assert preceding is not None and _language(preceding) == "lang:en", (
                f"{notebook} cell {index} ({cell.source[:40]!r}) is Indonesian and does not follow a lang:en cell")


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_no_indonesian_twin_is_a_copy_of_its_english_cell(notebook):
    cells = _cells(notebook)
    for index, (english, indonesian) in enumerate(zip(cells, cells[1:])):
        if _language(english) == "lang:en" and _language(indonesian) == "lang:id":
            if english.source.strip() in SAME_IN_BOTH_LANGUAGES:
                continue
            assert indonesian.source.strip() != english.source.strip(), (
                f"{notebook} cell {index + 1} is an untranslated copy of {english.source[:40]!r}")


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_composed_sentence_is_written_in_both_languages(notebook):
    code = [c.source for c in _cells(notebook) if c.cell_type == "code"]
    calls = [call for source in code for call in _say_calls(source)]
    for call in calls:
        keywords = {k.arg for k in call.keywords}
        assert keywords == {"en", "id"} and not call.args, (
            f"{notebook}: say() at line {call.lineno} of its cell has {sorted(k for k in keywords if k)} "
            f"and {len(call.args)} positional texts; it needs en= and id= and nothing else")
    if calls:
        assert any("say = sl.phrasebook(lang)" in source for source in code), (
            f"{notebook} calls say() but never defines it (say = sl.phrasebook(lang) in its setup cell)")


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_parameters_cell_declares_the_report_language(notebook):
    parameters = next(c for c in _cells(notebook) if "parameters" in c.metadata.get("tags", []))
    declared = {node.target.id: node.value for node in ast.parse(parameters.source).body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    assert "lang" in declared, f"{notebook}'s parameters cell does not declare lang"
    assert isinstance(declared["lang"], ast.Constant) and declared["lang"].value == "en", (
        f"{notebook}: lang must default to \"en\" (English runs keep their folder names)")
