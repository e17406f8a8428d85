"""The study notebooks' prose in every language: each Markdown cell is tagged with one language, and each English
cell is followed at once by its Indonesian twin (the runner keeps the cells of the run's language)."""

from __future__ import annotations

import json

import pytest

from studylib.i18n import LANGUAGES
from studylib.paths import NOTEBOOKS_DIR
from studylib.report.parameters import study_notebooks
from studylib.runner.execute import LANGUAGE_TAG


def _languages(cell) -> list[str]:
    return [t[len(LANGUAGE_TAG):] for t in cell.get("metadata", {}).get("tags", []) if t.startswith(LANGUAGE_TAG)]


def twin_problems(cells) -> list[str]:
    """What is wrong with a notebook's language tags ([] when every English cell has its twins in order)."""
    problems = []
    markdown = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]
    for i, cell in markdown:
        langs = _languages(cell)
        if len(langs) != 1 or langs[0] not in LANGUAGES:
            problems.append(f"cell {cell.get('id', i)}: tags {langs} (one of {', '.join(LANGUAGES)} expected)")
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and _languages(cell) == [LANGUAGES[0]]:
            following = cells[i + 1:i + len(LANGUAGES)]
            wanted = [[lang] for lang in LANGUAGES[1:]]
            if [_languages(c) if c["cell_type"] == "markdown" else None for c in following] != wanted:
                problems.append(f"cell {cell.get('id', i)}: not followed by its twin(s) {LANGUAGES[1:]}")
        elif cell["cell_type"] == "markdown" and _languages(cell) and _languages(cell) != [LANGUAGES[0]]:
            before = cells[i - 1] if i else None
            if before is None or before["cell_type"] != "markdown" or not _languages(before):
                problems.append(f"cell {cell.get('id', i)}: a {_languages(cell)} cell with no English cell before it")
    return problems


def test_the_check_finds_a_missing_twin():
    def md(tag):
        return {"cell_type": "markdown", "metadata": {"tags": [tag]} if tag else {}, "source": "x"}

    assert twin_problems([md("lang:en"), md("lang:id"), {"cell_type": "code", "metadata": {}}]) == []
    assert twin_problems([md("lang:en"), {"cell_type": "code", "metadata": {}}])
    assert twin_problems([md("lang:id")])
    assert twin_problems([md(None)])
    assert twin_problems([md("lang:ind")])


@pytest.mark.xfail(strict=False, reason="the Indonesian twins are written on branches id-prose-*; un-xfail at merge")
@pytest.mark.parametrize("notebook", study_notebooks())
def test_every_markdown_cell_has_its_language_and_twin(notebook):
    cells = json.loads((NOTEBOOKS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    assert not twin_problems(cells)
