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


def test_a_run_on_other_data_gets_its_own_folder(tmp_path):
    """--data folders are part of the run's folder name: the default run's outputs are never replaced (issue 26)."""
    from studylib.report.parameters import check_parameters, notebook_parameters, run_slug

    spec = notebook_parameters("pair_profile")
    default = run_slug(check_parameters("pair_profile", {"tie": "surabaya-busan"}, spec=spec), spec)
    one = run_slug({"tie": "surabaya-busan", "data_dirs": [str(tmp_path / "a" / "mine")]}, spec)
    other = run_slug({"tie": "surabaya-busan", "data_dirs": [str(tmp_path / "b" / "mine")]}, spec)
    assert default == "surabaya-busan"
    assert one.startswith("surabaya-busan--data-mine-") and one != default
    assert one != other  # same folder name, another folder
    assert run_slug({"tie": "surabaya-busan", "data_dirs": [str(tmp_path / "a" / "mine")]}, spec) == one  # stable


def test_input_files_hash_every_layer_variant_and_network_file(tmp_path):
    from studylib.paths import DATA_DIR
    from studylib.provenance import file_sha256
    from studylib.runner.execute import input_files

    mine = tmp_path / "mine"
    (mine / "sources").mkdir(parents=True)
    (mine / "activities.csv").write_text("activity_id\n", encoding="utf-8")
    (mine / "sources" / "src.txt").write_text("text", encoding="utf-8")
    (mine / "NOTES.md").write_text("not read", encoding="utf-8")
    variant = tmp_path / "variant"
    variant.mkdir()
    (variant / "activities.csv").write_text("activity_id,override\n", encoding="utf-8")
    network = tmp_path / "net.gexf"
    network.write_text("<gexf/>", encoding="utf-8")
    files = input_files([str(mine)], {"variant_dirs": [str(variant)], "network_file": str(network)})
    for path in (mine / "activities.csv", mine / "sources" / "src.txt", variant / "activities.csv", network,
                 DATA_DIR / "activities.csv", DATA_DIR / "reliability" / "coder2" / "activities.csv",
                 DATA_DIR / "reliability" / "units.csv",
                 DATA_DIR / "external" / "wikidata-sister-cities-2022" / "sister_cities.gexf"):
        assert files[str(path.resolve())] == file_sha256(path), path
    assert str((mine / "NOTES.md").resolve()) not in files


# ------------------------------------------------------------------------------ pair_profile's window start (#30, D15)
def test_pair_profile_has_a_window_start_whose_default_keeps_the_tie_own_start():
    from studylib.report.parameters import check_parameters

    spec = notebook_parameters("pair_profile")
    assert spec["start_year"]["default"] == "0" and spec["start_year"]["inferred_type_name"] == "int"
    assert check_parameters("pair_profile", {})["start_year"] == 0
    assert check_parameters("pair_profile", {"start_year": 2000, "end_year": 2020})["start_year"] == 2000


@pytest.mark.parametrize("values, words", [
    ({"start_year": 2030}, "parameter 'start_year' (2030) is after 'end_year' (2023)"),
    ({"start_year": 2021, "end_year": 2020}, "parameter 'start_year' (2021) is after 'end_year' (2020)"),
    ({"start_year": 1066}, "parameter 'start_year' must be 0 (the tie's own start"),
    ({"start_year": "1990"}, "parameter 'start_year' must be a whole number, not '1990'"),
])
def test_a_window_start_that_cannot_open_a_window_is_refused_in_words(values, words):
    from studylib.errors import ParameterError
    from studylib.report.parameters import check_parameters

    with pytest.raises(ParameterError) as info:
        check_parameters("pair_profile", values)
    assert words in str(info.value)


def test_the_window_start_is_in_the_run_folder_name_only_when_it_is_not_the_default():
    from studylib.report.parameters import run_slug

    spec = notebook_parameters("pair_profile")
    assert run_slug({"tie": "surabaya-busan", "start_year": 0, "end_year": 2023}, spec) == "surabaya-busan"
    assert run_slug({"tie": "surabaya-busan", "start_year": 1990, "end_year": 2023}, spec) == \
        "surabaya-busan--start_year-1990"


# ------------------------------------------------------------- run folders of a project moved elsewhere (#30, D8)
def test_the_same_project_in_another_folder_names_its_data_and_network_runs_the_same(tmp_path, monkeypatch):
    """A replication package re-run elsewhere: `studylib run pair_profile --data data/local/bandung-suwon` and
    `studylib run network_context -p network_file data/local/net/pairs.csv` land in folders of the same names."""
    from studylib import paths
    from studylib.report.parameters import run_slug

    pair, net = notebook_parameters("pair_profile"), notebook_parameters("network_context")
    slugs = []
    for place in ("mine", "the-data-editors"):
        root = tmp_path / place / "paradiplomacy"
        (root / "data" / "local" / "bandung-suwon").mkdir(parents=True)
        monkeypatch.setattr(paths, "PROJECT_ROOT", root)
        folder, pairs = root / "data" / "local" / "bandung-suwon", root / "data" / "local" / "net" / "pairs.csv"
        slugs.append((run_slug({"tie": "bandung-suwon", "data_dirs": [str(folder)]}, pair),
                      run_slug({"ties": ["surabaya-busan"], "network_file": str(pairs)}, net)))
    assert slugs[0] == slugs[1]
    assert slugs[0][0].startswith("bandung-suwon--data-bandung-suwon-")
    assert slugs[0][1].startswith("surabaya-busan_pairs--") and "paradiplomacy" not in slugs[0][1]
    assert "--network_file-" in slugs[0][1] and str(tmp_path).strip("/").split("/")[0] not in slugs[0][1]


def test_data_outside_the_project_keeps_its_absolute_path_in_the_hash(tmp_path, monkeypatch):
    from studylib import paths
    from studylib.report.parameters import portable_path, run_slug

    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "project")
    inside, outside = tmp_path / "project" / "data" / "local" / "x", tmp_path / "elsewhere" / "x"
    assert portable_path(inside) == "data/local/x" and portable_path(outside) == str(outside.resolve())
    spec = notebook_parameters("pair_profile")
    assert run_slug({"tie": "x-y", "data_dirs": [str(inside)]}, spec) != \
        run_slug({"tie": "x-y", "data_dirs": [str(outside)]}, spec)


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# -------------------------------------------------------------------------------- 10: parameters in the slug
def test_runs_with_different_parameters_get_different_folders():
    from studylib.report.parameters import check_parameters, notebook_parameters, run_slug

    spec = notebook_parameters("pair_profile")
    default = check_parameters("pair_profile", {"tie": "surabaya-busan"}, spec=spec)
    other = check_parameters("pair_profile", {"tie": "surabaya-busan", "end_year": 2020}, spec=spec)
    assert run_slug(default, spec) == "surabaya-busan"
    assert run_slug(other, spec) == "surabaya-busan--end_year-2020"
    on = check_parameters("pair_profile", {"tie": "surabaya-busan", "expand_annual": True}, spec=spec)
    assert run_slug(on, spec) == "surabaya-busan--expand_annual-true"  # expansion is off by default (#25)


def test_a_reversed_tie_parameter_suggests_the_tie(capsys):
    from studylib import ParameterError, load_bundle
    from studylib.report.parameters import check_parameters

    with pytest.raises(ParameterError, match="Did you mean 'surabaya-busan'"):
        check_parameters("pair_profile", {"tie": "busan-surabaya"}, bundle=load_bundle())
