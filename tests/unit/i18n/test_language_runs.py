"""A run's language: the notebooks' lang parameter, its check, and the cells a run in one language executes."""

from __future__ import annotations

import json

import nbformat
import pytest

import studylib as sl
from studylib.errors import ParameterError
from studylib.paths import NOTEBOOKS_DIR
from studylib.report.parameters import check_parameters, notebook_parameters, parse_value, run_slug
from studylib.runner.execute import cells_for_language

STUDY_NOTEBOOKS = ["pair_profile", "compare_pairs", "seoul_tokyo_culture", "gangnam_axes", "smart_city_governance",
                   "network_context"]
LANG_SPEC = {"lang": {"name": "lang", "inferred_type_name": "str", "default": '"en"', "help": "report language"}}


@pytest.mark.parametrize("notebook", STUDY_NOTEBOOKS)
def test_every_study_notebook_declares_lang_and_opens_the_study_in_it(notebook):
    spec = notebook_parameters(notebook)
    assert spec["lang"]["default"] == '"en"'
    assert "Bahasa Indonesia" in spec["lang"]["help"]
    cells = json.loads((NOTEBOOKS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    setup = next("".join(c["source"]) for c in cells if "sl.open_study(" in "".join(c["source"]))
    assert "lang=lang" in setup.split("sl.open_study(", 1)[1].split(")", 1)[0]
    assert "say = sl.phrasebook(lang)" in setup


def test_lang_is_checked_with_the_list_and_a_guess():
    assert check_parameters("x", {"lang": "id"}, spec=LANG_SPEC)["lang"] == "id"
    assert check_parameters("x", {}, spec=LANG_SPEC)["lang"] == "en"
    for wrong, guess in (("ID", "id"), ("indonesian", "id"), ("English", "en"), ("ind", "id")):
        with pytest.raises(ParameterError, match=f"Did you mean '{guess}'.*'en' \\(English\\), 'id' \\(Bahasa Indonesia\\)"):
            check_parameters("x", {"lang": wrong}, spec=LANG_SPEC)
    with pytest.raises(ParameterError, match="unknown report language 'fr'"):
        check_parameters("x", {"lang": "fr"}, spec=LANG_SPEC)
    with pytest.raises(ParameterError, match="must be a string"):
        check_parameters("x", {"lang": 1}, spec=LANG_SPEC)


def test_indonesian_runs_get_their_own_folder_and_english_ones_keep_theirs():
    spec = {"tie": {"name": "tie", "inferred_type_name": "str", "default": '"a-b"', "help": ""}, **LANG_SPEC}
    assert parse_value("lang", "id", LANG_SPEC["lang"]) == "id"
    assert run_slug({"tie": "a-b", "lang": "en"}, spec) == "a-b"
    assert run_slug({"tie": "a-b", "lang": "id"}, spec) == "a-b--lang-id"


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def test_a_run_drops_the_cells_of_other_languages_and_keeps_untagged_ones():
    def make():
        return _notebook(("code", "x = 1", ["parameters"]), ("md", "Results", ["lang:en"]),
                         ("md", "Hasil", ["lang:id"]), ("code", "print(x)", []), ("code", "y = 2", ["lang:id"]))

    indonesian = cells_for_language(make(), "id")
    assert [c.source for c in indonesian.cells] == ["x = 1", "Hasil", "print(x)", "y = 2"]
    assert indonesian.metadata["studylib_run"]["lang"] == "id"
    english = cells_for_language(make(), "en")
    assert [c.source for c in english.cells] == ["x = 1", "Results", "print(x)"]
    assert english.metadata["studylib_run"]["lang"] == "en"


def test_a_cell_tagged_for_an_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="lang.*'ind'|'ind'"):
        cells_for_language(_notebook(("md", "Hasil", ["lang:ind"])), "id")
    with pytest.raises(ValueError):
        cells_for_language(_notebook(), "fr")


def test_open_study_sets_the_runs_language(tmp_path):
    from bundles import base_rows, write_bundle

    try:
        sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "b", base_rows())],
                      output_dir=str(tmp_path / "out"), lang="id")
        assert sl.get_language() == "id"
        sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "c", base_rows())],
                      output_dir=str(tmp_path / "out2"))
        assert sl.get_language() == "en"
    finally:
        sl.set_language("en")
