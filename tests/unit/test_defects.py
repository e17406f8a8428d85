"""Issue 19: what a new user met on a fresh clone. One test (or more) per item; each failed before its fix."""

from __future__ import annotations

import concurrent.futures as cf
import os
from pathlib import Path

import pytest

from bundles import base_rows, write_bundle
from studylib.cli import main

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- 4: --scheduler resolves paths locally
class _RecordingExecutor(cf.Executor):
    """An executor whose 'worker' sits in another directory: it records the jobs and fails each one."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args, **kwargs):
        from studylib.runner.render import RunResult

        job = args[0]
        self.jobs.append(job)
        fut = cf.Future()
        fut.set_result(RunResult("pair_profile", job[1]["tie"], "failed", Path(), 0.0, "recorded", job[1]))
        return fut


def test_batch_paths_are_resolved_in_the_client_before_submitting(tmp_path, monkeypatch):
    write_bundle(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    from studylib.runner.batch import run_batch

    ex = _RecordingExecutor()
    run_batch("pair_profile", ["surabaya-busan"], data_dirs=["mine"], out="reports", executor=ex, progress=False)
    notebook, _, data_dirs, out = ex.jobs[0]
    assert Path(notebook).is_absolute() and all(Path(d).is_absolute() for d in data_dirs) and Path(out).is_absolute()
    assert Path(out) == tmp_path / "reports"
    assert (tmp_path / "reports" / "pair_profile" / "_summary" / "failures.csv").exists()


def test_batches_with_other_parameters_keep_their_own_summary(tmp_path):
    from studylib.runner.batch import run_batch, summary_dir

    ex = _RecordingExecutor()
    for parameters in ({}, {"end_year": 2020}):
        run_batch("pair_profile", ["surabaya-busan"], parameters, out=tmp_path, executor=ex, progress=False)
    assert summary_dir("pair_profile", {"tie": "x"}, out=tmp_path) == tmp_path / "pair_profile" / "_summary"
    other = summary_dir("pair_profile", {"tie": "x", "end_year": 2020}, out=tmp_path)
    assert other == tmp_path / "pair_profile" / "_summary--end_year-2020"
    assert (other / "failures.csv").exists() and (tmp_path / "pair_profile" / "_summary" / "failures.csv").exists()


# --------------------------------------------------------------- 6: unwritable --out / --into: exit 2, one line
@pytest.mark.parametrize("where", ["file", "proc", "readonly"])
def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys, where):
    if where == "readonly" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    target = {"file": tmp_path / "a-file", "proc": Path("/proc/foo"), "readonly": tmp_path / "ro"}[where]
    if where == "file":
        target.write_text("x")
    if where == "readonly":
        target.mkdir()
        target.chmod(0o500)
    code = main(["run", "pair_profile", "--out", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and "cannot write" in err


def test_an_unwritable_out_in_the_library_is_a_run_error(tmp_path):
    from studylib import RunError
    from studylib.runner.execute import run_notebook

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(RunError, match="cannot write"):
        run_notebook("pair_profile", out=tmp_path / "a-file")


def test_new_pair_into_an_unwritable_place_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    code = main(["new-pair", "bandung", "suwon", "--into", str(tmp_path / "a-file" / "pair")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1 and "cannot create" in err
    code = main(["new-pair", "bandung", "suwon", "--into", "/proc/foo/pair"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1


# ------------------------------------------------------------------------------------ 11: conflicting options
@pytest.mark.parametrize("argv, words", [
    (["--all-ties", "-p", "tie", "seoul-tokyo"], "-p tie"),
    (["--tie", "seoul-tokyo", "-p", "tie", "surabaya-busan"], "-p tie"),
    (["--all-ties", "--tie", "seoul-tokyo"], "--all-ties and --tie"),
    (["--jobs", "0"], "--jobs"),
    (["--jobs", "-3", "--tie", "seoul-tokyo"], "--jobs"),
])
def test_conflicting_options_are_refused_before_any_kernel(capsys, argv, words):
    assert main(["run", "pair_profile", *argv]) == 2
    assert words in capsys.readouterr().err


def test_study_refuses_jobs_below_one(capsys):
    assert main(["study", "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


# ------------------------------------------------------------------------------ 3: compare_pairs, degenerate ties
@pytest.mark.parametrize("ties, words", [
    ("surabaya-busan,surabaya-busan", "more than once"),
    ("surabaya-busan", "at least 2"),
])
def test_compare_pairs_refuses_duplicate_or_single_ties_before_any_kernel(capsys, ties, words):
    assert main(["run", "compare_pairs", "-p", "ties", ties]) == 2
    assert words in capsys.readouterr().err


def test_ties_left_out_names_each_tie_and_why():
    import studylib as sl

    b = sl.load_bundle()
    events = sl.expand_activities(b.activities, end_year=2023)
    out = sl.ties_left_out(events, b.activities, ["surabaya-busan", "gangnam-haidian"], end_year=2023)
    assert list(out["tie_id"]) == ["gangnam-haidian"]
    assert out["reason"].iat[0] == "no event to count up to 2023: no coded activities"


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


# ----------------------------------------------------------------------- 12: end_year before the signing year
def test_end_year_before_the_signing_year_is_explained_and_counts_agree(tmp_path):
    import studylib as sl
    from studylib.report.sections import dated_note

    b = sl.load_bundle(write_bundle(tmp_path / "d"))
    acts = b.activities
    events = sl.expand_activities(acts, end_year=1990)
    assert len(events) == 0
    note = dated_note(events, acts, end_year=1990)
    assert "dated after 1990" in note and "planned" not in note
    assert "None of the 0" not in dated_note(events, acts.iloc[:0], end_year=1990)
    m = sl.tie_metrics(events, acts, unit="tie_id", unit_id="alpha-beta", end_year=1990, first_year=1990)
    assert m["activities"] == 0 and m["agreements"] == 0


# ------------------------------------------------------------------------- 7: a folder with nothing recognised
def test_a_folder_without_recognised_tables_is_not_ok(tmp_path):
    from studylib import validate_bundle

    (tmp_path / "empty").mkdir()
    found = validate_bundle(ROOT / "data", tmp_path / "empty")
    assert any("no table found" in p.message for p in found.problems)
    (tmp_path / "caps").mkdir()
    (tmp_path / "caps" / "Activities.csv").write_text("activity_id\n")
    found = validate_bundle(ROOT / "data", tmp_path / "caps")
    messages = [p.message for p in found.problems]
    assert any("'activities.csv' (lower case)" in m for m in messages), messages
    assert main(["validate", "--data", str(tmp_path / "empty")]) == 2


def test_the_workbench_does_not_say_loaded_for_an_empty_folder(tmp_path):
    from studylib.lab.widgets import Explorer

    (tmp_path / "empty").mkdir()
    ex = Explorer()
    ex.data_folder.value = str(tmp_path / "empty")
    ex._load_clicked()
    assert "Loaded" not in ex.data_status.value and "no table found" in ex.data_status.value


# ------------------------------------------------------------- 8: the workbench's folder box starts at the root
def test_the_workbench_resolves_relative_folders_from_the_project_root(tmp_path, monkeypatch):
    from studylib.lab.widgets import Explorer

    monkeypatch.chdir(ROOT / "notebooks")  # where JupyterLab runs the kernel
    rel = "data/local/_test-defects-pair"
    folder = write_bundle(ROOT / rel)
    try:
        ex = Explorer()
        ex.data_folder.value = rel
        ex._load_clicked()
        assert ex.data_status.value.startswith("Loaded"), ex.data_status.value
        assert str(folder) in ex.data_dirs
    finally:
        import shutil

        shutil.rmtree(folder)


# --------------------------------------------------------------------------------------------- 13: message nits
def _problems(folder):
    from studylib import validate_bundle

    return [str(p) for p in validate_bundle(folder).problems]


def test_a_utf16_file_is_called_utf16(tmp_path):
    folder = write_bundle(tmp_path / "d")
    text = (folder / "sources.csv").read_text(encoding="utf-8")
    (folder / "sources.csv").write_bytes(text.encode("utf-16"))
    messages = _problems(folder)
    assert any("UTF-16" in m for m in messages) and not any("Latin-1" in m for m in messages), messages


def test_a_reference_into_an_xlsx_table_names_the_xlsx_file(tmp_path):
    import pandas as pd

    folder = write_bundle(tmp_path / "d")
    pd.read_csv(folder / "sources.csv", dtype=str).to_excel(folder / "sources.xlsx", index=False)
    (folder / "sources.csv").unlink()
    rows = (folder / "activities.csv").read_text().replace(",src1,p. 1,", ",srcX,p. 1,", 1)
    (folder / "activities.csv").write_text(rows)
    messages = [m for m in _problems(folder) if "srcX" in m]
    assert messages and "sources.xlsx" in messages[0] and "sources.csv" not in messages[0], messages


def test_no_did_you_mean_for_an_unrelated_id_but_for_a_typo():
    from studylib.bundle.validate import _close_id

    assert _close_id("pratama-2019", ["antara-2019", "rakhmadi-2023"]) is None
    assert _close_id("antra-2019", ["antara-2019", "rakhmadi-2023"]) == "antara-2019"
    assert _close_id("src2", ["src1"]) == "src1"
    assert _close_id("busan-surabaya", ["surabaya-busan", "medan-gwangju"]) == "surabaya-busan"


@pytest.mark.parametrize("table, column, value, fragment", [
    ("activities", "sector", "pendidikan", "did you mean 'education'"),
    ("activities", "sector", "Kebudayaan", "did you mean 'culture'"),
    ("activities", "participants", "~30", "write 30 here and 'about' in participants_qualifier"),
    ("activities", "participants", "lebih dari 50", "write 50 here and 'at_least' in participants_qualifier"),
    ("activities", "tie_id", "beta-alpha", "did you mean 'alpha-beta'"),
])
def test_hints_for_natural_slips(tmp_path, table, column, value, fragment):
    rows = base_rows()
    rows[table][1][column] = value
    messages = _problems(write_bundle(tmp_path / "d", rows))
    assert any(fragment in m for m in messages), messages


def test_a_reversed_tie_parameter_suggests_the_tie(capsys):
    from studylib import ParameterError, load_bundle
    from studylib.report.parameters import check_parameters

    with pytest.raises(ParameterError, match="Did you mean 'surabaya-busan'"):
        check_parameters("pair_profile", {"tie": "busan-surabaya"}, bundle=load_bundle())


# ------------------------------------------------------------------------------- 5: 'name' is in Latin script
@pytest.mark.parametrize("name, ok", [("서울", False), ("Seoul 서울", False), ("東京", False), ("Łódź", True),
                                      ("Sürabaya", True), ("Gangnam-gu", True)])
def test_city_names_must_be_latin_script(tmp_path, name, ok):
    rows = base_rows()
    rows["cities"][1]["name"] = name
    messages = [m for m in _problems(write_bundle(tmp_path / "d", rows)) if "column 'name'" in m]
    assert (not messages) == ok, messages
    if not ok:
        assert "not in Latin script" in messages[0] and "name_local" in messages[0]


# --------------------------------------------------------------------- 9: Excel month dates keep their precision
def test_an_excel_month_date_keeps_month_precision(tmp_path):
    import datetime

    import openpyxl

    from studylib import load_bundle

    folder = write_bundle(tmp_path / "d")
    import pandas as pd

    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    (folder / "activities.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(acts.columns))
    for rec in acts.itertuples(index=False):
        ws.append(list(rec))
    col = list(acts.columns).index("start") + 1
    month, day, year = ws.cell(3, col), ws.cell(4, col), ws.cell(5, col)  # a2 (2012-07), a3 (2013-05-02), a4 (2014)
    month.value, month.number_format = datetime.datetime(2012, 7, 1), "mmm-yy"   # what Excel makes of '2012-07'
    day.value, day.number_format = datetime.datetime(2013, 5, 2), "yyyy-mm-dd"
    year.value, year.number_format = datetime.datetime(2014, 1, 1), "yyyy"
    wb.save(folder / "activities.xlsx")
    b = load_bundle(folder)
    got = b.activities.set_index("activity_id")
    assert got.at["a2", "start"] == "2012-07" and got.at["a2", "start_precision"] == "month"
    assert got.at["a3", "start"] == "2013-05-02" and got.at["a4", "start"] == "2014"


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


def test_the_report_carries_no_stderr_and_the_manifest_records_the_warnings(tmp_path):
    import json

    import nbformat

    from studylib.runner.render import _run_warnings, export_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                           text="/home/u/.venv/lib/statsmodels/x.py:12: RuntimeWarning: divide by zero"),
                    nbformat.v4.new_output("stream", name="stdout", text="result 42")]
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "n.ipynb")
    export_html(tmp_path / "n.ipynb", tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert "result 42" in report and "RuntimeWarning" not in report and ".venv" not in report
    (tmp_path / "warnings.txt").write_text("RuntimeWarning: divide by zero encountered in log\n")
    assert _run_warnings(tmp_path) == ["RuntimeWarning: divide by zero encountered in log"]


# ------------------------------------------------------------------------------------------ 14: report polish
def test_one_source_row_is_one_row():
    import pandas as pd

    from studylib.report.sections import sources_section

    sources = pd.DataFrame({"source_id": ["s1"], "citation": ["C"], "source_type": ["news"], "reliability": ["news"],
                            "note": [""]})
    text = sources_section(sources, pd.DataFrame({"source_id": ["s1"]}))
    assert "(1 row)" in text and "(1 rows)" not in text


def test_id_columns_do_not_wrap_at_their_hyphens():
    import pandas as pd

    from studylib.report.tables import report_table

    html = report_table(pd.DataFrame({"id": ["yk-001"], "activity": ["A long title"]})).to_html()
    assert "ids-1" in html and "table.studylib-table.ids-1 td:nth-child(1){white-space: nowrap !important;}" in html


def test_provenance_prints_data_folders_relative_to_the_project_or_home(tmp_path, monkeypatch):
    from studylib.paths import DATA_DIR
    from studylib.report.sections import provenance_section

    monkeypatch.setenv("HOME", str(tmp_path))
    mine = tmp_path / "pairs" / "bandung-suwon"
    files = {str(DATA_DIR / "ties.csv"): "0" * 64, str(mine / "ties.csv"): "1" * 64}
    text = provenance_section(files, {"tie": "x", "data_dirs": [str(mine)]})
    assert "`data/ties.csv`" in text and "`~/pairs/bandung-suwon/ties.csv`" in text
    assert str(tmp_path) not in text


def test_the_nb2_alpha_interval_stays_positive():
    import numpy as np
    import pandas as pd

    from studylib.analysis.models import fit_model

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": np.repeat([0, 1], 6)})
    data["y"] = rng.negative_binomial(2, 0.5, size=12)  # small: the Wald interval of alpha runs below zero
    row = fit_model(data, "y ~ x", "negbin").tidy().set_index("term").loc["alpha"]
    assert 0 < row["conf_low"] < row["estimate"] < row["conf_high"]


def test_no_legend_with_a_single_entry():
    import matplotlib.pyplot as plt
    import pandas as pd

    from studylib import charts

    ax = charts.axis_balance_chart(pd.DataFrame({"axis": ["industry", "culture", "data", "inclusion"],
                                                 "share": [0.4, 0.3, 0.2, 0.1]}))
    assert ax.get_legend() is None and any(t.get_text() == "even split" for t in ax.texts)
    plt.close(ax.figure)
    events = pd.DataFrame({"tie_id": ["a-b"] * 2, "sector": pd.Categorical(["culture", "economy"]),
                           "direction": pd.Categorical(["mutual", "mutual"]), "year": [2010, 2011],
                           "expanded": [False, False], "source_id": ["s1", "s1"], "activity_id": ["x", "y"]})
    ax = charts.timeline(events, hue="direction")
    legends = [a for a in [ax.get_legend(), *ax.artists] if a is not None and hasattr(a, "get_texts")]
    assert all(len(legend.get_texts()) > 1 for legend in legends)
    plt.close(ax.figure)


def test_a_read_only_filesystem_for_out_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import errno

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)  # as on a read-only mount, which root cannot write either
    code = main(["run", "pair_profile", "--out", str(tmp_path / "ro" / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1 and "Read-only file system" in err


def test_an_xlsx_pair_folders_readme_names_its_xlsx_tables(tmp_path):
    from studylib.bundle.scaffold import new_pair

    folder = new_pair("bandung", "seoul", into=tmp_path / "pair", xlsx=True)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "`sources.xlsx`" in readme and "`cities.xlsx`" in readme and "sources.csv" not in readme


def test_metrics_of_a_tie_without_coded_activities_are_zeros_not_an_error():
    import studylib as sl

    b = sl.load_bundle()
    events = sl.expand_activities(b.activities, end_year=2023)
    row = sl.tie_metrics(events, b.activities.iloc[:0], unit="tie_id", unit_id="gangnam-haidian", end_year=2023)
    assert row["undated"] == 0 and row["activities"] == 0
