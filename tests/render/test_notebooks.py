"""The real notebooks, executed with papermill on their defaults and on other parameters."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from bundles import CorpusJob, base_rows, write_bundle
from studylib import expand_activities, load_bundle
from studylib.bundle.handover import HANDOVER_DIR
from studylib.paths import NOTEBOOKS_DIR
from studylib.runner.batch import run_many

STUDY = ["compare_pairs", "gangnam_axes", "pair_profile", "seoul_tokyo_culture", "smart_city_governance"]

OTHER_PARAMETERS = [
    ("pair_profile", {"tie": "medan-gwangju", "expand_annual": True}),
    ("compare_pairs", {"ties": ["surabaya-busan", "medan-gwangju", "seoul-tokyo"]}),
    ("seoul_tokyo_culture", {"end_year": 2020}),
    ("gangnam_axes", {"include_plans": False}),
    ("smart_city_governance", {"city": "bandung"}),
]

TIDY = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


RENDER_CORPUS = {
    **{f"other:{nb}": (lambda _, nb=nb, p=p: CorpusJob(nb, p, group="other")) for nb, p in OTHER_PARAMETERS},
    "undated": lambda tmp: CorpusJob("pair_profile", {"tie": "alpha-beta"}, [_undated_bundle(tmp / "undated")],
                                     group="other"),
}


@pytest.fixture(scope="module")
def rendered(default_study, render_corpus):
    """The study on its defaults and on other parameters (all in the session's render corpus)."""
    _, study = default_study
    assert set(STUDY) <= {r.notebook for r in study}
    results = [render_corpus[name] for name in RENDER_CORPUS]
    return render_corpus.root / "other", [*study, *results]


def _undated_bundle(folder):
    """A tie with no signing date and no dated activity, like most of Gangnam-gu's partnerships."""
    rows = base_rows()
    rows["ties"][0]["signed"] = ""
    for activity in rows["activities"]:
        activity.update(start="", end="", recurrence="once", until="")
    return write_bundle(folder, rows)


def test_every_run_succeeds(rendered):
    _, results = rendered
    failed = [(r.notebook, r.slug, r.error) for r in results if not r.ok]
    assert not failed


def test_run_folders_hold_every_output(rendered):
    _, results = rendered
    for r in results:
        d = r.output_dir
        for name in (f"{r.notebook}.ipynb", "report.html", "notebook.html", "manifest.json"):
            assert (d / name).stat().st_size > 0, (d, name)
        pngs, svgs = sorted((d / "figures").glob("*.png")), sorted((d / "figures").glob("*.svg"))
        assert pngs and [p.stem for p in pngs] == [s.stem for s in svgs]
        assert all(p.stat().st_size > 1000 for p in pngs)
        assert list((d / "tables").glob("*.csv"))
        assert not list(d.parent.glob(".*partial*")), "no staging folder may be left behind"
        assert not (d / HANDOVER_DIR).exists()
        assert not [f for f in json.loads((d / "manifest.json").read_text())["files"] if HANDOVER_DIR in f]


def test_report_has_no_code_and_loads_nothing_from_the_network(rendered):
    _, results = rendered
    for r in results:
        report = (r.output_dir / "report.html").read_text(encoding="utf-8")
        assert "open_study" not in report and "save_figure" not in report
        assert not re.search(r'class="[^"]*jp-InputArea-editor', report)
        assert not re.search(r"<script[^>]*\ssrc=", report, re.I)
        assert not re.search(r"<link[^>]*href=[\"']https?:", report, re.I)
        assert "data:image/png;base64" in report
        assert "Traceback" not in report
        notebook = (r.output_dir / "notebook.html").read_text(encoding="utf-8")
        assert "open_study" in notebook and re.search(r'class="[^"]*jp-InputArea-editor', notebook)


def test_report_tables_leave_missing_values_blank(rendered):
    _, results = rendered
    seen = 0
    for r in results:
        report = (r.output_dir / "report.html").read_text(encoding="utf-8")
        cells = re.findall(r"<td[^>]*>(.*?)</td>", report, flags=re.S)
        seen += len(cells)
        assert not {c.strip() for c in cells} & {"&lt;NA&gt;", "nan", "NaN", "None", "NaT"}, r.slug
    assert seen > 100  # the reports do hold tables


def test_notebooks_show_exactly_the_saved_figures(rendered):
    import base64

    _, results = rendered
    for r in results:
        nb = nbformat.read(r.output_dir / f"{r.notebook}.ipynb", as_version=4)
        shown = [base64.b64decode(o["data"]["image/png"]) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs if "image/png" in o.get("data", {})]
        saved = {p.read_bytes() for p in (r.output_dir / "figures").glob("*.png")}
        assert shown and set(shown) == saved, r.slug  # each figure drawn once per file, none again for the screen
        report = (r.output_dir / "report.html").read_text(encoding="utf-8")
        assert "No description has been provided for this image" not in report  # captions are the alt text


def test_manifest_records_provenance(rendered):
    _, results = rendered
    for r in results:
        m = json.loads((r.output_dir / "manifest.json").read_text())
        assert m["status"] == "ok" and m["notebook"] == r.notebook
        assert {"parameters", "data_files", "packages", "git", "start", "end", "duration_seconds"} <= set(m)
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in m["data_files"].values())
        assert "data/activities.csv" in m["data_files"]
        assert {"pandas", "statsmodels", "papermill"} <= set(m["packages"])
        assert set(m["git"]) == {"commit", "dirty"}


def test_tables_have_their_columns(rendered):
    _, results = rendered
    by_key = {(r.notebook, r.slug): r.output_dir for r in results}
    pp = by_key[("pair_profile", "surabaya-busan")]  # annual expansion off by default (#25)
    counts = pd.read_csv(pp / "tables" / "sector_counts.csv")
    assert list(counts.columns) == ["sector", "events", "expanded_events", "participants", "participants_expanded_years"]
    b = load_bundle()
    sb = expand_activities(b.activities, end_year=2023, expand_annual=False).query("tie_id == 'surabaya-busan'")
    assert counts["events"].sum() == len(sb) and counts["expanded_events"].sum() == 0
    on = pd.read_csv(by_key[("pair_profile", "medan-gwangju--expand_annual-true")] / "tables" / "sector_counts.csv")
    mg = expand_activities(b.activities, end_year=2023, expand_annual=True).query("tie_id == 'medan-gwangju'")
    assert on["events"].sum() == len(mg) and on["expanded_events"].sum() == mg["expanded"].sum() > 0
    # the participants of years the expansion added are told apart from the counts a source gives for a year
    assert on["participants_expanded_years"].sum() == mg.loc[mg["expanded"], "participants"].sum() > 0
    assert (on["participants_expanded_years"] <= on["participants"]).all()
    cp = by_key[("compare_pairs", "surabaya-busan+medan-gwangju")]
    metrics = pd.read_csv(cp / "tables" / "metrics.csv")
    assert list(metrics["tie_id"]) == ["surabaya-busan", "medan-gwangju"]
    assert list(pd.read_csv(cp / "tables" / "regression.csv").columns)[:7] == TIDY


def test_other_parameters_change_the_result(rendered):
    _, results = rendered
    by_key = {(r.notebook, r.slug): r.output_dir for r in results}
    mg = pd.read_csv(by_key[("pair_profile", "medan-gwangju--expand_annual-true")] / "tables" / "sector_counts.csv")
    sb = pd.read_csv(by_key[("pair_profile", "surabaya-busan")] / "tables" / "sector_counts.csv")
    assert not mg.equals(sb)
    m = json.loads((by_key[("pair_profile", "medan-gwangju--expand_annual-true")] / "manifest.json").read_text())
    assert m["parameters"]["expand_annual"] is True


def test_a_tie_without_dated_events_renders_and_says_so(rendered):
    _, results = rendered
    r = next(r for r in results if r.slug.startswith("alpha-beta--data-"))  # a --data run has its own folder
    assert r.ok, r.error
    report = (r.output_dir / "report.html").read_text(encoding="utf-8")
    assert "No dated events." in report
    assert "No dated events to count" in (r.output_dir / "figures" / "sector_by_type.svg").read_text()  # SVG keeps text as comments
    assert "no dated events in the window" in report
    assert pd.read_csv(r.output_dir / "tables" / "regression.csv").empty
    assert len(pd.read_csv(r.output_dir / "tables" / "activities.csv")) == 4


def test_plain_papermill_runs_from_any_directory(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "papermill", str(NOTEBOOKS_DIR / "pair_profile.ipynb"), str(tmp_path / "x.ipynb"),
           "-p", "tie", "medan-gwangju", "-p", "output_dir", str(out), "--no-progress-bar"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "tables" / "sector_counts.csv").exists()


def _probe(folder, code: str):
    """A two-cell notebook the runner can run: the runner's parameters, then ``code``."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[
        new_code_cell('data_dirs: list = []\noutput_dir: str = ""', metadata={"tags": ["parameters"]}),
        new_code_cell(code),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "probe.ipynb")
    return folder / "probe.ipynb"


def test_the_kernel_takes_over_the_bundle_the_runner_validated(tmp_path):
    from studylib.runner.execute import run_notebook

    probe = _probe(tmp_path, "import studylib\nfrom studylib.bundle.handover import handed_over\n"
                             "assert handed_over(output_dir, studylib.DATA_DIR, *data_dirs) is not None, 'not handed over'")
    result = run_notebook(probe, data_dirs=[write_bundle(tmp_path / "b")], out=tmp_path / "out")
    assert result.ok, result.error
    assert not (result.output_dir / HANDOVER_DIR).exists()


def test_parallel_kernels_get_one_blas_thread_each_unless_the_user_chose(tmp_path, monkeypatch):
    from studylib.runner.kernels import BLAS_THREAD_VARIABLES

    for name in BLAS_THREAD_VARIABLES:  # the user chose nothing (the suite itself sets one thread: tests/conftest.py)
        monkeypatch.delenv(name, raising=False)
    check = "import os\nassert os.environ.get('OPENBLAS_NUM_THREADS') == {!r}, os.environ.get('OPENBLAS_NUM_THREADS')"
    probe = _probe(tmp_path / "nb", check.format("1"))
    results = run_many([(probe, {}, [], tmp_path / f"out{i}") for i in range(2)], workers=2, progress=False)
    assert [r.error for r in results] == ["", ""]
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    probe = _probe(tmp_path / "nb3", check.format("3"))
    results = run_many([(probe, {}, [], tmp_path / f"own{i}") for i in range(2)], workers=2, progress=False)
    assert [r.error for r in results] == ["", ""]


class _RecordingExecutor(cf.ThreadPoolExecutor):
    """One worker thread that notes which task runs when."""

    def __init__(self):
        super().__init__(max_workers=1)
        self.ran = []

    def submit(self, fn, /, *args, **kwargs):
        def noted():
            self.ran.append(fn.__name__)
            return fn(*args, **kwargs)
        return super().submit(noted)


def test_notebooks_are_rendered_after_those_still_waiting_to_run(tmp_path):
    probe = _probe(tmp_path / "nb", "x = 1")
    jobs = [(probe, {}, [], tmp_path / "a"), (probe, {}, [], tmp_path / "a"), (probe, {}, [], tmp_path / "b")]
    with _RecordingExecutor() as executor:
        results = run_many(jobs, executor=executor, progress=False)
    assert executor.ran == ["_run_job"] * 3 + ["_render"] * 3  # an idle worker renders while others still run
    assert [r.ok for r in results] == [True, True, True]  # the same run twice: neither removes the other's folder
    assert [r.output_dir for r in results] == [tmp_path / "a" / "probe" / "default"] * 2 + [tmp_path / "b" / "probe" / "default"]
    assert not list((tmp_path / "a" / "probe").glob(".*"))


def test_reports_number_their_figures_and_tables_and_have_a_real_title(rendered):
    _, results = rendered
    for r in results:
        report = (r.output_dir / "report.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", report).group(1)
        assert title != "Notebook" and title.endswith(f" — {r.slug}"), title
        assert "[T." not in report, r.slug  # no raw patsy term: terms read in words
        m = json.loads((r.output_dir / "manifest.json").read_text())
        for kind, label in (("figures", "Figure"), ("tables", "Table")):
            assert [item["number"] for item in m[kind]] == list(range(1, len(m[kind]) + 1)), (r.slug, kind)
            for item in m[kind]:
                assert f"<strong>{label} {item['number']}.</strong>" in report, (r.slug, label, item)
                assert all((r.output_dir / f).is_file() for f in item["files"])
        if (r.output_dir / "figures").is_dir():
            saved = {f"figures/{p.name}" for p in (r.output_dir / "figures").glob("*.png")}
            assert saved == {f for item in m["figures"] for f in item["files"] if f.endswith(".png")}, r.slug
        assert "numbering.json" not in m["files"]
