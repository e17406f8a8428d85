"""Re-running the study for a new city pair (the README's steps, literally) and batches of ties."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from unittest import mock

import pandas as pd
import pytest

from bundles import append_rows, tree_hashes
from studylib.paths import DATA_DIR, PROJECT_ROOT
from studylib.runner.batch import run_batch

STUDYLIB = [sys.executable, "-m", "studylib"]


def _hashes():
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA_DIR.glob("*.csv"))}


def _fill(folder):
    """Fill a scaffolded bandung-suwon folder the way a researcher would (made-up test rows)."""
    append_rows(folder / "sources.csv", [{"source_id": "test-src", "citation": "Test citation", "source_type": "news",
                                     "reliability": "news", "language": "en"}])
    ties = pd.read_csv(folder / "ties.csv", dtype=str, keep_default_na=False)
    ties.loc[0, ["tie_type", "signed", "status", "source_id", "locator"]] = ["sister", "1997", "active", "test-src", "p. 1"]
    ties.to_csv(folder / "ties.csv", index=False, lineterminator="\n")
    acts = [
        {"activity_id": "t-1", "tie_id": "bandung-suwon", "actor": "bandung", "title": "Agreement", "sector": "general",
         "activity_type": "agreement", "start": "1997", "recurrence": "once", "direction": "mutual",
         "source_id": "test-src", "locator": "p. 1", "certainty": "reported"},
        {"activity_id": "t-2", "tie_id": "bandung-suwon", "actor": "bandung", "title": "Student visits", "sector": "education",
         "activity_type": "exchange_programme", "start": "2005", "recurrence": "annual", "until": "2009",
         "direction": "a_to_b", "participants": "12", "participant_group": "students", "source_id": "test-src",
         "locator": "p. 2", "certainty": "reported"},
        {"activity_id": "t-3", "tie_id": "bandung-suwon", "actor": "suwon", "title": "Dance troupe", "sector": "culture",
         "activity_type": "festival", "start": "2008-05", "recurrence": "once", "direction": "b_to_a",
         "source_id": "test-src", "locator": "p. 3", "certainty": "reported"},
    ]
    append_rows(folder / "activities.csv", acts)


def test_readme_steps_for_a_new_pair(tmp_path):
    """Follows README 'Re-running the study for a new city pair' literally: scaffold, fill, validate, run."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Re-running the study for a new city pair")[1].split("\n## ")[0]
    commands = re.findall(r"^studylib .+$", section, re.M)
    assert [c.split()[1] for c in commands] == ["new-pair", "archive-source", "validate", "run"]
    before = _hashes()
    folder = tmp_path / "bandung-suwon"
    scaffold = subprocess.run([*STUDYLIB, "new-pair", "bandung", "suwon", "--into", str(folder)],
                              capture_output=True, text=True, timeout=120)
    assert scaffold.returncode == 0, scaffold.stderr
    assert f"studylib validate --data {folder}" in scaffold.stdout
    assert {p.name for p in folder.iterdir()} == {"sources.csv", "cities.csv", "ties.csv", "activities.csv",
                                                  "indicators.csv", "findings.csv", "README.md"}
    header = (folder / "activities.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "actor_type" in header and "stage" in header  # the codebook's coding columns come with the scaffold
    assert "participant_group" in (folder / "README.md").read_text()
    _fill(folder)
    original = tmp_path / "test-src.html"
    original.write_text("<html><body><p>p. 1: agreed in 1997.</p><p>p. 2: students.</p><p>p. 3: dance.</p></body></html>",
                        encoding="utf-8")
    archived = subprocess.run([*STUDYLIB, "archive-source", str(folder), "test-src", str(original)],
                              capture_output=True, text=True, timeout=120)
    assert archived.returncode == 0, archived.stderr
    assert (folder / "sources" / "test-src.txt").exists()
    check = subprocess.run([*STUDYLIB, "validate", "--data", str(folder)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "locators found in archived source texts" in check.stdout and "test-src" not in check.stdout  # checked
    out = tmp_path / "out"
    run = subprocess.run([*STUDYLIB, "run", "pair_profile", "--data", str(folder), "-p", "tie", "bandung-suwon",
                          "-p", "expand_annual", "True",  # expansion is off by default (#25); the counts below use it
                          "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    reports = list((out / "pair_profile").glob("bandung-suwon--*data-bandung-suwon-*"))  # --data: a folder of its own
    assert len(reports) == 1 and not (out / "pair_profile" / "bandung-suwon").exists()
    report = reports[0]
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert str((folder / "sources" / "test-src.txt").resolve()) in manifest["data_files"]  # every input file hashed
    counts = pd.read_csv(report / "tables" / "sector_counts.csv").set_index("sector")
    assert counts.loc["education", "events"] == 5 and counts.loc["education", "participants"] == 60
    assert counts.loc["culture", "events"] == 1 and counts.loc["general", "events"] == 1
    assert "Student visits" in (report / "report.html").read_text()
    assert _hashes() == before, "the study's data/ must not change"


def test_batch_keeps_going_and_summarises(batch):
    out, results = batch
    assert [r.ok for r in results] == [True, False, True]
    summary = out / "pair_profile" / "_summary"
    metrics = pd.read_csv(summary / "metrics.csv")
    assert list(metrics["tie_id"]) == ["surabaya-busan", "medan-gwangju"]
    failures = pd.read_csv(summary / "failures.csv")
    assert list(failures["tie"]) == ["no-such-tie"] and "unknown tie id" in failures["error"].iloc[0]
    assert (summary / "metrics.png").exists() and (summary / "metrics.svg").exists()


def test_failed_run_is_kept_and_previous_outputs_survive(batch, tmp_path):
    """A run that fails half-way leaves the previous outputs (the batch's Medan–Gwangju run, copied) as they were."""
    import shutil

    import nbformat

    from studylib.bundle.handover import HANDOVER_DIR
    from studylib.paths import NOTEBOOKS_DIR
    from studylib.runner.execute import run_notebook

    out, results = batch
    done = next(r for r in results if r.slug == "medan-gwangju")
    assert done.ok, done.error
    good = tmp_path / "out" / "pair_profile" / "medan-gwangju"
    shutil.copytree(done.output_dir, good)
    before = tree_hashes(good)
    assert "tables/sector_counts.csv" in before
    copy = tmp_path / "nb" / "pair_profile.ipynb"
    copy.parent.mkdir()
    copy.write_bytes((NOTEBOOKS_DIR / "pair_profile.ipynb").read_bytes())
    nb = nbformat.read(copy, as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell("raise RuntimeError('simulated failure half-way')"))
    nbformat.write(nb, copy)
    bad = run_notebook(copy, {"tie": "medan-gwangju"}, out=tmp_path / "out")
    assert not bad.ok and "simulated failure half-way" in bad.error
    assert bad.output_dir == tmp_path / "out" / "pair_profile" / "medan-gwangju.failed"
    kept = nbformat.read(bad.output_dir / "pair_profile.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in kept.cells for o in c.get("outputs", []))
    assert tree_hashes(good) == before
    assert not list((tmp_path / "out" / "pair_profile").glob(".*"))
    assert not (bad.output_dir / HANDOVER_DIR).exists() and not (good / HANDOVER_DIR).exists()


def test_dask_local_cluster_gives_the_same_tables(batch, tmp_path):
    """The batch on a Dask cluster: one process worker and two ties, one that renders and one that fails, take every
    path the process pool's batch takes (jobs and their rendering submitted to Dask's executor, a failed job's result,
    the summary); the tables are the process pool's, byte for byte."""
    distributed = pytest.importorskip("distributed")
    out, _ = batch
    # Dask's nanny writes its workers' variables (MALLOC_TRIM_THRESHOLD_, PYTHONHASHSEED...) into this process's
    # environment: left there, every later kernel in this worker would differ from the zygote's and start cold
    with mock.patch.dict(os.environ), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = run_batch("pair_profile", ["surabaya-busan", "no-such-tie"], out=tmp_path,
                            executor=client.get_executor(), progress=False)
    assert [r.ok for r in results] == [True, False]
    for table in ("sector_counts.csv", "metrics.csv", "regression.csv"):
        a = (out / "pair_profile" / "surabaya-busan" / "tables" / table).read_bytes()
        b = (tmp_path / "pair_profile" / "surabaya-busan" / "tables" / table).read_bytes()
        assert a == b, table
    summary = (tmp_path / "pair_profile" / "_summary" / "metrics.csv").read_text().splitlines()
    assert summary == (out / "pair_profile" / "_summary" / "metrics.csv").read_text().splitlines()[:2]  # its tie's row
    failures = pd.read_csv(tmp_path / "pair_profile" / "_summary" / "failures.csv")
    assert list(failures["tie"]) == ["no-such-tie"]
