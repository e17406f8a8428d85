"""What a new user tripped over (issue 30, review new-user-2026-12-05 D10-D26): each test does what the user did.

The command they ran (through ``studylib.cli.main`` in process where possible) and the message or file they saw.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bundles import write_bundle
from studylib.cli import main

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------------------- CLI help (2.2)
def test_version(capsys):
    from studylib import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"studylib {__version__}"


def test_run_help_lists_the_notebooks_and_says_how_to_write_a_list(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for nb in ("pair_profile", "compare_pairs", "network_context", "gangnam_axes", "seoul_tokyo_culture",
               "smart_city_governance"):
        assert f"\n  {nb}\n" in out, nb
    workbenches = out.split("workbenches", 1)[1]
    assert "explore" in workbenches and "code_sources" in workbenches
    assert "-p ties surabaya-busan,medan-gwangju" in " ".join(out.split())  # argparse wraps the help text
    assert "NAME VALUE" in out and "set a notebook parameter" in out


def test_a_list_written_with_commas_is_a_list():
    from studylib.report.parameters import notebook_parameters, parse_value

    spec = notebook_parameters("compare_pairs")["ties"]
    assert parse_value("ties", "surabaya-busan,medan-gwangju", spec) == ["surabaya-busan", "medan-gwangju"]


def test_a_tie_typo_gets_did_you_mean(tmp_path, capsys):
    code = main(["run", "compare_pairs", "-p", "ties", "surabaya-busan,medan-gwangu", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown tie id 'medan-gwangu'. Did you mean 'medan-gwangju'?" in err
    assert "Valid tie ids:" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_a_notebook_typo_gets_did_you_mean(tmp_path, capsys):
    code = main(["run", "pair_profle", "-p", "tie", "surabaya-busan", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no notebook 'pair_profle'. Did you mean 'pair_profile'?" in err


def test_running_a_workbench_says_to_open_it_in_jupyterlab(tmp_path, capsys):
    code = main(["run", "code_sources", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "output_dir" not in err
    assert "code_sources is a workbench" in err and "make lab" in err and "notebooks/code_sources.ipynb" in err
    assert not any(tmp_path.iterdir())


@pytest.fixture
def forgotten_pair():
    """A pair folder in data/local/ (where `studylib new-pair` puts it) that a run does not layer."""
    from studylib.paths import DATA_DIR

    tie = f"newuser{os.getpid()}-braunschweig"
    folder = DATA_DIR / "local" / tie
    folder.mkdir(parents=True)
    try:
        yield tie
    finally:
        shutil.rmtree(folder)


def test_a_forgotten_data_option_is_diagnosed(forgotten_pair, tmp_path, capsys):
    code = main(["run", "pair_profile", "-p", "tie", forgotten_pair, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"unknown tie id '{forgotten_pair}'" in err
    assert f"add --data data/local/{forgotten_pair}" in err


def test_the_data_hint_is_not_given_when_the_folder_is_layered(forgotten_pair, tmp_path):
    from studylib.errors import ParameterError
    from studylib.paths import DATA_DIR
    from studylib.report.parameters import _check_ids

    class Bundle:  # the pair's folder is layered, yet the tie is not in it (its ties.csv lacks the row)
        dirs = [DATA_DIR, DATA_DIR / "local" / forgotten_pair]
        cities = pd.DataFrame({"city_id": ["surabaya"]})

        def tie_ids(self):
            return ["surabaya-busan"]

    with pytest.raises(ParameterError) as err:
        _check_ids({"tie": forgotten_pair}, Bundle())
    assert "--data" not in str(err.value)


def test_new_pair_with_capitals_suggests_the_city_id(tmp_path, capsys):
    code = main(["new-pair", "Makassar", "Jeonju", "--into", str(tmp_path / "pair")])
    err = capsys.readouterr().err
    assert code == 2
    assert "'Makassar' is not a city id" in err and "did you mean 'makassar'?" in err
    assert not (tmp_path / "pair").exists()


def test_city_slug():
    from studylib.bundle.scaffold import city_slug

    assert city_slug("Makassar") == "makassar"
    assert city_slug("New York") == "new_york"
    assert city_slug("Malmö") == "malmo"
    assert city_slug("서울") == ""


# --------------------------------------------------------------------------------------- Validation (2.4, D14)
def test_an_xlsx_saved_under_a_csv_name_is_called_a_workbook(tmp_path, capsys):
    import openpyxl

    folder = write_bundle(tmp_path / "xlsx_as_csv")
    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(acts.columns))
    for rec in acts.itertuples(index=False):
        ws.append(list(rec))
    wb.save(folder / "activities.csv")  # what the user did: an Excel workbook given the table's .csv name
    code = main(["validate", "--standalone", "--data", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert "UTF-16" not in err
    assert "activities.csv:1:" in err and "Excel workbook (.xlsx) under a .csv name" in err
    assert "rename it to activities.xlsx" in err


# --------------------------------------------------------------------------------------------- Batches (D12)
class _Executor:
    """Runs nothing: each tie 'fails' unless listed in ``ok``, whose run folder gets a metrics table."""

    def __init__(self, root: Path, ok=()):
        self.root, self.ok = root, set(ok)

    def submit(self, fn, job):
        import concurrent.futures as cf

        from studylib.runner.result import RunResult

        tie = job[1]["tie"]
        fut = cf.Future()
        if tie in self.ok:
            folder = self.root / "pair_profile" / tie
            (folder / "tables").mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"tie_id": [tie], "rate_per_year": [0.5], "continuity": [0.25],
                          "sources": ["src1"]}).to_csv(folder / "tables" / "metrics.csv", index=False)
            fut.set_result(RunResult("pair_profile", tie, "ok", folder, 0.0, "", job[1]))
        else:
            fut.set_result(RunResult("pair_profile", tie, "failed", Path(), 0.0, "recorded", job[1]))
        return fut


def test_a_later_batch_with_other_ties_keeps_the_earlier_summary(tmp_path):
    from studylib.runner.batch import run_batch, summary_dir

    first = ["surabaya-busan", "medan-gwangju", "seoul-tokyo", "bandung-seoul", "no-such-tie"]
    run_batch("pair_profile", first, out=tmp_path, executor=_Executor(tmp_path, ok=first[:4]), progress=False)
    summary = summary_dir("pair_profile", {}, out=tmp_path)
    assert list(pd.read_csv(summary / "metrics.csv")["tie_id"]) == first[:4]
    # the user's second batch: two ties, one of them already summarised, the other failing now
    run_batch("pair_profile", ["surabaya-busan", "bandung-seoul"], out=tmp_path,
              executor=_Executor(tmp_path, ok=["surabaya-busan"]), progress=False)
    metrics = pd.read_csv(summary / "metrics.csv")
    assert sorted(metrics["tie_id"]) == ["medan-gwangju", "seoul-tokyo", "surabaya-busan"]
    assert metrics["tie_id"].is_unique
    failures = pd.read_csv(summary / "failures.csv")
    assert sorted(failures["tie"]) == ["bandung-seoul", "no-such-tie"]


# ------------------------------------------------------------------------------------------- JupyterLab (D10, D18)
def test_saving_explore_in_lab_leaves_the_tracked_file_unchanged(tmp_path, monkeypatch):
    """A real save through Jupyter's contents manager, with the metadata JupyterLab sends (language_info in full)."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    import studylib.lab.hooks as hooks

    (tmp_path / "notebooks").mkdir()
    tracked = (ROOT / "notebooks" / "explore.ipynb").read_bytes()
    (tmp_path / "notebooks" / "explore.ipynb").write_bytes(tracked)
    monkeypatch.setattr(hooks, "NOTEBOOKS_DIR", tmp_path / "notebooks")
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook=hooks.strip_outputs)
    model = manager.get("notebooks/explore.ipynb")
    nb = model["content"]
    nb.metadata["language_info"] = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                                    "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                                    "pygments_lexer": "ipython3", "version": "3.11.7"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [{"output_type": "stream", "name": "stdout", "text": "hello\n"}]
            cell.execution_count = 3
    manager.save({"type": "notebook", "format": "json", "content": nb}, "notebooks/explore.ipynb")
    assert (tmp_path / "notebooks" / "explore.ipynb").read_bytes() == tracked


# ----------------------------------------------------------------------------------------- Scaffold --xlsx (2.3)
def test_xlsx_scaffold_has_drop_downs_and_text_dates(tmp_path, capsys):
    import openpyxl

    from studylib.bundle.codebook import load_codebook

    folder = tmp_path / "pair"
    assert main(["new-pair", "bandung", "braunschweig", "--xlsx", "--into", str(folder)]) == 0
    wb = openpyxl.load_workbook(folder / "activities.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    letter = {name: openpyxl.utils.get_column_letter(i + 1) for i, name in enumerate(header)}
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    sector = checks[f"{letter['sector']}2:{letter['sector']}2001"]
    assert sector.type == "list"
    ref = sector.formula1.lstrip("=").split("!")
    lists = wb[ref[0]]
    assert lists.sheet_state == "hidden"
    first, last = ref[1].replace("$", "").split(":")
    values = [c.value for row in lists[first:last] for c in row]
    assert values == load_codebook().vocabulary("sector")
    for column in ("start", "end"):
        assert ws[f"{letter[column]}2"].number_format == "@" and ws[f"{letter[column]}500"].number_format == "@"
    assert ws[f"{letter['title']}2"].number_format != "@"
    # what Excel does with a text-formatted cell: the typed text stays text, and validate reads it as written
    ws[f"{letter['start']}2"] = "2015-09"
    wb.save(folder / "activities.xlsx")
    from studylib.bundle.read import read_table

    problems = []
    frame = read_table(folder / "activities.xlsx", "activities.xlsx", problems)
    assert frame is not None and frame["start"].iloc[0] == "2015-09", problems


# ------------------------------------------------------------------------------------------------- README (D24)
def test_readme_opens_with_the_researchers_quick_start_and_counts_right():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = [line for line in readme.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Quick start for researchers"
    assert "source .venv/bin/activate" in readme and ".venv/bin/studylib" in readme
    assert "five parameterised notebooks" not in readme and "six parameterised study notebooks" in readme
    assert "Seoul–Taipei" in readme
    assert "zygote" not in readme.split("## Repository layout")[0].lower()  # internals live in docs/performance.md
    assert "## Warm kernels" in (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    from studylib.report.parameters import WORKBENCH_NOTEBOOKS, list_notebooks

    assert len(list_notebooks()) == 8 and len([n for n in list_notebooks() if n not in WORKBENCH_NOTEBOOKS]) == 6
    for package in ("bundle/", "analysis/", "inference/", "network/", "charts/", "report/", "runner/", "kernels/",
                    "lab/"):
        assert f"\n  {package} " in readme or f"\n    {package} " in readme, package


# ------------------------------------------------------------------------------------------ pair_profile text (D22)
