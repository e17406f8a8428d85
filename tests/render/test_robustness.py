"""Robustness of rendered runs: byte-identical re-runs, hostile strings, data never evaluated, a large bundle."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from bundles import CorpusJob, study_jobs, tree_hashes
from studylib import expand_activities, load_bundle
from studylib.paths import PROJECT_ROOT
from studylib.runner.batch import run_many
from studylib.runner.kernels import warm

HOSTILE_TITLE = 'He said "hi" \\ back </script><script>alert(1)</script> 서울 مرحبا 🎉 $x$'

SCRIPT = "<script>alert(1)</script>"


# Cells that do something when a program evaluates them: each would create a file in CANARY (an absolute folder)
PAYLOADS = {
    "python": "__import__('os').system('touch CANARY/python')",
    "yaml": "!!python/object/apply:os.system ['touch CANARY/yaml']",
    "shell": "$(touch CANARY/shell)",
    "formula": "=cmd|' /C touch CANARY/formula'!A0",  # a spreadsheet's DDE formula (CSV injection)
    "template": "{{ 7 * 191 }} ${7 * 191} %(x)s",
}

LOOKS_TYPED = ["0012", "1e5", "True", "None", "+1-1"]  # locators that a guessing reader would turn into other values


def _payloads(canary: Path) -> dict[str, str]:
    return {name: payload.replace("CANARY", str(canary)) for name, payload in PAYLOADS.items()}


def _cells(path: Path) -> list:
    """Each cell's source, execution count and outputs; the run's own staging folder (injected as ``output_dir``,
    a new name for every run) written as ``<staging>``."""
    nb = nbformat.read(str(path), as_version=4)
    staging = next(v for k, v in nb.metadata.papermill.parameters.items() if k == "output_dir")
    return [json.dumps([c.source, c.get("execution_count"), c.get("outputs")], sort_keys=True).replace(staging, "<staging>")
            for c in nb.cells]


def test_the_study_is_byte_identical_run_again_on_ordinary_kernels(default_study, tmp_path, monkeypatch):
    """One re-run serves two checks: two runs of the study give the same bytes, and forked warm kernels (the session's
    run, where this machine has them) give what ordinary kernels give."""
    first, results = default_study  # the session's run of the study, then a second one here
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    if sys.platform == "linux":  # make installs the warm kernel: the session's run used it
        reason = warm.warm_unavailable()
        assert reason is None, f"the session's study ran on {reason}: nothing would compare warm with ordinary kernels"
    monkeypatch.setenv(warm.COLD_ENV, "1")
    assert warm.kernel_name() != warm.WARM_KERNEL
    second = tmp_path / "two"
    results = run_many([(nb, p, [], second) for nb, p in study_jobs()], workers=2, progress=False)  # the same runs
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    pattern = re.compile(r"(tables/.+\.(csv|tex)|figures/.+\.(png|svg)|references\.(bib|json))$")
    one = {k: v for k, v in tree_hashes(first).items() if pattern.search(k)}
    two = {k: v for k, v in tree_hashes(second).items() if pattern.search(k)}
    assert len(one) > 40 and one == two
    notebooks = sorted(p.relative_to(first) for p in first.glob("*/*/*.ipynb"))
    assert len(notebooks) == len(results)
    for nb in notebooks:  # papermill stamps each cell's start and end time: compare the cells' contents
        assert _cells(first / nb) == _cells(second / nb), nb
    for path in first.rglob("regression.csv"):
        assert "Date:" not in path.read_text() and "Time:" not in path.read_text()


def _hostile_bundle(folder: Path, canary: Path) -> Path:
    folder.mkdir()
    rows = {
        "cities.csv": [["city_id", "name", "name_local", "country", "level", "parent_id", "lat", "lon"],
                       ["nan", "Nan", "น่าน", "TH", "city", "", "", ""],
                       ["evil", f"Evil {SCRIPT}", "مرحبا 🎉 서울", "XX", "city", "", "", ""]],
        "sources.csv": [["source_id", "citation", "source_type", "reliability", "url_or_doi", "language"],
                        ["hostile-src", f'Citation with "quotes" and {SCRIPT}', "news", "news", "", "en"]],
        "ties.csv": [["tie_id", "city_a", "city_b", "tie_type", "signed", "status", "source_id", "note"],
                     ["nan-evil", "nan", "evil", "sister", "2001", "disputed", "hostile-src", f"Note {SCRIPT} \\ 'q'"]],
        "activities.csv": [
            ["activity_id", "tie_id", "actor", "title", "sector", "activity_type", "start", "end", "recurrence", "until",
             "direction", "participants", "participant_group", "institution", "source_id", "locator", "certainty"],
            ["h-1", "nan-evil", "nan", HOSTILE_TITLE, "culture", "festival", "2005", "", "once", "", "a_to_b", "3",
             "artists", "Université \"Nan\"", "hostile-src", f"§ {SCRIPT}", "disputed"],
            ["h-2", "nan-evil", "evil", "Second", "education", "exchange_programme", "2006", "", "annual", "2008",
             "b_to_a", "", "", "", "hostile-src", "p. 2", "reported"],
            *[[f"p-{name}", "nan-evil", "nan", payload, "culture", "festival", "2007", "", "once",
               "", "mutual", "", "", "", "hostile-src", locator, "reported"]
              for (name, payload), locator in zip(_payloads(canary).items(), LOOKS_TYPED)],
        ],
    }
    for name, data in rows.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(data)
    return folder


def _hostile_job(tmp: Path) -> CorpusJob:
    canary = tmp / "canary"
    canary.mkdir()
    return CorpusJob("pair_profile", {"tie": "nan-evil"}, [_hostile_bundle(tmp / "hostile", canary)], canary=canary)


#: The end-to-end path on a large synthetic bundle (the million-row run is ``benchmarks/run.py --only scale``).
#: 2,000 activities take every path 20,000 took, whose cost only grows with the rows: the fast CSV reader, each
#: row's locator checked against the archived source text, the count model, the multiverse and the report's tables
#: longer than it shows (60 rows) over thousands of rows.
LARGE_ROWS = 2_000


def _large_job(tmp: Path) -> CorpusJob:
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    from synthetic import synthetic_bundle

    return CorpusJob("pair_profile", {}, [synthetic_bundle(tmp / "big", LARGE_ROWS, standalone=False)])


RENDER_CORPUS = {"hostile": _hostile_job, "large": _large_job}


@pytest.fixture(scope="module")
def hostile_run(render_corpus):
    """pair_profile rendered once on the hostile bundle (in the render corpus); returns ``(bundle folder, result,
    canary folder)``."""
    job = render_corpus.jobs["hostile"]
    return Path(job.data_dirs[0]), render_corpus["hostile"], job.info["canary"]


def test_hostile_strings_are_escaped_in_html_and_unchanged_in_csv(hostile_run):
    folder, result, _ = hostile_run
    assert result.ok, result.error
    for page in ("report.html", "notebook.html"):
        html = (result.output_dir / page).read_text(encoding="utf-8")
        assert SCRIPT not in html, page
        assert "alert(1)" in html and "&lt;script&gt;" in html  # shown, escaped
        assert "Nan" in html
    with open(result.output_dir / "tables" / "activities.csv", newline="", encoding="utf-8") as fh:
        rows = {r["activity_id"]: r for r in csv.DictReader(fh)}
    assert rows["h-1"]["title"] == HOSTILE_TITLE
    assert rows["h-1"]["locator"] == f"§ {SCRIPT}"
    b = load_bundle(PROJECT_ROOT / "data", folder)
    assert b.cities.set_index("city_id").at["nan", "name"] == "Nan"


def _live(payloads: dict[str, str], canary: Path) -> set[str]:
    """Which payloads do act when evaluated by what they target (the test's control: they are not duds)."""
    import jinja2
    import yaml

    eval(payloads["python"])  # noqa: S307 - the control: this is what evaluating a cell would do
    yaml.unsafe_load(payloads["yaml"])
    subprocess.run(["sh", "-c", f"echo {payloads['shell']}"], check=True, capture_output=True)
    acted = {p.name for p in canary.iterdir()}
    if "1337" in jinja2.Template(payloads["template"]).render():
        acted.add("template")
    return acted


def test_data_files_are_never_evaluated(hostile_run, tmp_path):
    folder, result, canary = hostile_run
    payloads = _payloads(canary)
    control = tmp_path / "control"
    control.mkdir()
    assert _live(_payloads(control), control) == \
        {"python", "yaml", "shell", "template"}  # the formula needs a spreadsheet: kept verbatim is what is checked

    activities = load_bundle(PROJECT_ROOT / "data", folder).activities.set_index("activity_id")
    assert result.ok, result.error
    with open(result.output_dir / "tables" / "activities.csv", newline="", encoding="utf-8") as fh:
        table = {r["activity_id"]: r for r in csv.DictReader(fh)}
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    for (name, payload), locator in zip(payloads.items(), LOOKS_TYPED):
        loaded, written = activities.loc[f"p-{name}"], table[f"p-{name}"]  # read, then written by the notebook
        assert (loaded["title"], loaded["locator"]) == (written["title"], written["locator"]) == (payload, locator)
        assert html.escape(payload, quote=False) in report, name  # shown as text, not run or rendered
    assert not list(canary.iterdir()), "a cell of a data file was executed"


def test_a_large_bundle_validates_and_renders_with_counts_that_agree(render_corpus):
    """The end-to-end path at ``LARGE_ROWS`` synthetic activities; ``benchmarks/run.py --only scale`` runs it at a
    million."""
    folder, = render_corpus.jobs["large"].data_dirs
    bundle = load_bundle(PROJECT_ROOT / "data", folder)
    assert len(bundle.activities) > LARGE_ROWS
    result = render_corpus["large"]
    assert result.ok, result.error
    counts = pd.read_csv(result.output_dir / "tables" / "sector_counts.csv")
    events = expand_activities(bundle.activities, end_year=2023, expand_annual=False)  # the report's default
    assert counts["events"].sum() == (events["tie_id"] == "surabaya-busan").sum()
    assert (result.output_dir / "report.html").stat().st_size < 20_000_000
