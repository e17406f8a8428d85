"""'studylib package': the replication zip a data editor checks (README's list against the files, RO-Crate, lock)."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from studylib.runner.package import build_package, lock_file, stale_reason


def test_lock_file_pins_exact_versions():
    lines = [line for line in lock_file().splitlines() if not line.startswith("#")]
    assert any(re.fullmatch(r"pandas==\d+\.\d+.*", line) for line in lines)
    assert all("==" in line for line in lines)
    assert not any(line.lower().startswith("studylib==") for line in lines)  # installed from the package itself


def test_a_run_whose_data_changed_is_stale(tmp_path):
    from studylib.provenance import git_state

    data = tmp_path / "x.csv"
    data.write_text("a\n1\n")
    manifest = {"git": {"commit": git_state()[0]}, "data_files": {str(data): "0" * 64}}
    assert "changed since the run" in stale_reason(manifest)
    assert "rendered at commit" in stale_reason({**manifest, "git": {"commit": "f" * 40}})


def test_package_zip_lists_every_figure_and_table(tmp_path):
    from test_pdf import new_pair_with_cjk

    folder = new_pair_with_cjk(tmp_path / "bandung-suwon")
    outputs = tmp_path / "out"
    from studylib.runner.execute import run_notebook

    assert run_notebook("pair_profile", {"tie": "bandung-suwon"}, data_dirs=[folder], out=outputs).ok
    target = build_package(tmp_path / "pkg.zip", outputs=outputs, notebooks=[], progress=False)
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "replication"
    for required in ("README.md", "CITATION.cff", "references.bib", "requirements-lock.txt", "ro-crate-metadata.json",
                     "src/studylib/bundle/codebook.yaml", "notebooks/pair_profile.ipynb", "data/sources.csv",
                     "data-layers/1-bandung-suwon/activities.csv",
                     "outputs/pair_profile/bandung-suwon/report.html",
                     "outputs/pair_profile/bandung-suwon/manifest.json",
                     "outputs/pair_profile/bandung-suwon/references.bib"):
        assert (root / required).is_file(), required
    readme = (root / "README.md").read_text(encoding="utf-8")
    for section in ("Data availability and provenance", "Computational requirements", "Instructions to replicators",
                    "List of tables and figures"):
        assert f"## {section}" in readme
    listed = set(re.findall(r"^\| (?:Figure|Table) \|.*\| `([^`]+)` \|$", readme, flags=re.M))
    outputs_in_zip = {n.removeprefix("replication/") for n in names
                      if re.search(r"/(figures/(print/)?[^/]+\.(png|svg|pdf)|tables/[^/]+\.(csv|tex))$", n)}
    assert listed and listed == outputs_in_zip
    assert all((root / path).is_file() for path in listed)
    assert "--data data-layers/1-bandung-suwon" in readme
    seconds = json.loads((root / "outputs/pair_profile/bandung-suwon/manifest.json").read_text())["duration_seconds"]
    assert f"| pair_profile | bandung-suwon | {seconds:.1f} |" in readme
    assert "@misc{test-src," in (root / "references.bib").read_text(encoding="utf-8")
    crate = json.loads((root / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = {e["@id"]: e for e in crate["@graph"]}
    assert graph["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    parts = {p["@id"] for p in graph["./"]["hasPart"]}
    assert parts == {n.removeprefix("replication/") for n in names} - {"ro-crate-metadata.json"}
    assert all(p in graph for p in parts)
    assert {"name", "description", "datePublished", "license"} <= set(graph["./"])


def test_package_refuses_a_name_that_is_not_a_zip(tmp_path):
    from studylib import StudyError

    with pytest.raises(StudyError, match="zip"):
        build_package(tmp_path / "pkg.tar", outputs=tmp_path, notebooks=[], progress=False)


def test_missing_and_stale_runs_are_rendered_first(tmp_path, monkeypatch):
    """The runs to render: a study notebook without its default run, and a run whose code or data changed."""
    from studylib.provenance import git_state
    from studylib.runner import package
    from studylib.runner.render import RunResult

    layer = tmp_path / "layer"
    layer.mkdir()
    stale = tmp_path / "out" / "pair_profile" / "bandung-suwon"
    stale.mkdir(parents=True)
    params = {"tie": "bandung-suwon", "end_year": 2023, "expand_annual": True, "data_dirs": [str(layer)]}
    (stale / "manifest.json").write_text(json.dumps({"notebook": "pair_profile", "status": "ok", "parameters": params,
                                                     "git": {"commit": "0" * 40}, "data_files": {}}))
    current = tmp_path / "out" / "seoul_tokyo_culture" / "seoul-tokyo"
    current.mkdir(parents=True)
    (current / "manifest.json").write_text(json.dumps({"notebook": "seoul_tokyo_culture", "status": "ok",
                                                       "parameters": {}, "git": {"commit": git_state()[0]},
                                                       "data_files": {}}))
    jobs = []

    def fake_run_many(batch, **options):
        jobs.extend(batch)
        return [RunResult(nb, "x", "ok", tmp_path, 0.0) for nb, *_ in batch]

    monkeypatch.setattr("studylib.runner.batch.run_many", fake_run_many)
    done = package._render_missing(tmp_path / "out", notebooks=["pair_profile", "seoul_tokyo_culture"], workers=1,
                                   progress=False)
    out = str(tmp_path / "out")
    assert ("pair_profile", {}, [], out) in jobs  # its default run (surabaya-busan) is missing
    assert ("pair_profile", {k: v for k, v in params.items() if k != "data_dirs"}, [str(layer)], out) in jobs
    assert len(jobs) == 2 and any("rendered at commit 000000000000" in line for line in done)


# ------------------------------------------------------------------- the real notebooks (issue 27)


def _replicator_commands(readme: str) -> list[str]:
    """The indented command lines under "Instructions to replicators"."""
    block = readme.split("## Instructions to replicators", 1)[1].split("\n## ", 1)[0]
    return [line[4:] for line in block.splitlines() if line.startswith("    ") and line.strip()]


def test_workbench_notebooks_are_never_rendered_for_a_package(tmp_path, monkeypatch):
    """D1: the default path (notebooks=None) checks the defaults of every study notebook, never a workbench's."""
    from studylib.runner import package
    from studylib.runner.render import RunResult

    jobs = []
    monkeypatch.setattr("studylib.runner.batch.run_many",
                        lambda batch, **o: jobs.extend(batch) or [RunResult(nb, "x", "ok", tmp_path, 0.0)
                                                                  for nb, *_ in batch])
    package._render_missing(tmp_path / "out", notebooks=None, workers=1, progress=False)
    rendered = {nb for nb, *_ in jobs}
    assert "pair_profile" in rendered and "compare_pairs" in rendered
    assert not rendered & {"explore", "code_sources"}


@pytest.mark.slow
def test_studylib_package_on_the_default_study(default_study, tmp_path, monkeypatch):
    """``studylib package --out replication.zip`` on the default study: it succeeds, and the README's commands are
    valid shell that run inside the unpacked package."""
    import os
    import shlex
    import subprocess
    import sys

    from studylib.cli import main
    from studylib.report.parameters import WORKBENCH_NOTEBOOKS, list_notebooks

    out, results = default_study
    assert all(r.ok for r in results)
    monkeypatch.setattr("studylib.runner.package.OUTPUTS_DIR", out)  # the study's outputs/ (rendered once)
    target = tmp_path / "replication.zip"
    assert main(["package", "--out", str(target), "--jobs", "1"]) == 0
    with zipfile.ZipFile(target) as zf:
        names = {n.removeprefix("replication/") for n in zf.namelist()}
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "replication"
    for nb in set(list_notebooks()) - set(WORKBENCH_NOTEBOOKS):
        assert any(n.startswith(f"outputs/{nb}/") and n.endswith("/report.html") for n in names), nb
    readme = (root / "README.md").read_text(encoding="utf-8")
    commands = _replicator_commands(readme)
    assert any(c.startswith("studylib run compare_pairs") for c in commands)
    script = "\n".join(commands) + "\n"
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    assert "-p network_file  " not in readme and "-p network_file ''" not in readme
    assert str(out) not in readme and str(tmp_path) not in readme  # paths are the package's, never this machine's
    # each command's words are what `studylib run` parses: run the cheapest one inside the package
    line = next(c for c in commands if c.startswith("studylib run seoul_tokyo_culture"))
    env = {**os.environ, "STUDYLIB_ROOT": str(root)}
    argv = shlex.split(line)
    done = subprocess.run([sys.executable, "-m", "studylib", *argv[1:], "--jobs", "1"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list((root / "outputs" / "seoul_tokyo_culture").glob("*/tables/*.csv"))


@pytest.mark.slow
def test_a_users_network_file_goes_in_and_the_command_runs_from_the_package(tmp_path):
    """D7/D8: a run on a user's network file (a path with a space, a list parameter) is packaged with that file under
    inputs/, and its README command, pasted into bash inside the package, renders the same tables again."""
    import os
    import subprocess

    import pandas as pd

    from test_network import ROWS, _pairs

    from studylib.runner.execute import run_notebook

    rows = list(ROWS) + [f"Town {a},Japan,Town {b},{'France' if b % 2 else 'Japan'},{30 + a / 10},"
                         f"{130 + a / 10},{40 + b / 10},{b / 10}" for a, b in _random_pairs()]
    mine = tmp_path / "my files"
    mine.mkdir()
    path = _pairs(mine, rows, name="my pairs.csv")
    outputs = tmp_path / "out"
    ties = ["surabaya-busan", "seoul-tokyo", "medan-gwangju"]
    result = run_notebook("network_context", {"network_file": str(path), "controls_per_tie": 1, "ties": ties},
                          out=outputs)
    assert result.ok, result.error
    manifest = json.loads((result.output_dir / "manifest.json").read_text(encoding="utf-8"))
    assert str(path) in manifest["data_files"]  # the network file is hashed: a changed file makes the run stale
    target = build_package(tmp_path / "pkg.zip", outputs=outputs, runs=["network_context"], workers=1,
                           progress=False)
    with zipfile.ZipFile(target) as zf:
        names = {n.removeprefix("replication/") for n in zf.namelist()}
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "replication"
    assert "inputs/1-my pairs.csv" in names
    assert (root / "inputs/1-my pairs.csv").read_bytes() == path.read_bytes()
    assert not any(n.startswith("outputs/pair_profile/") for n in names)  # --runs chose network_context only
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert str(mine) not in readme
    line = next(c for c in _replicator_commands(readme) if c.startswith("studylib run network_context"))
    assert "-p ties surabaya-busan,seoul-tokyo,medan-gwangju" in line and "'inputs/1-my pairs.csv'" in line
    env = {**os.environ, "STUDYLIB_ROOT": str(root), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", line + " --jobs 1"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    again, = [t for t in (root / "outputs" / "network_context").glob("*/tables/focal_ties.csv")
              if t.parent.parent.name != result.output_dir.name]  # the packaged run is there too
    pd.testing.assert_frame_equal(pd.read_csv(again), pd.read_csv(result.output_dir / "tables" / "focal_ties.csv"))


def test_package_runs_pattern_that_selects_nothing_is_an_error(tmp_path):
    from studylib import StudyError

    with pytest.raises(StudyError, match="no rendered run matches"):
        build_package(tmp_path / "pkg.zip", outputs=tmp_path, notebooks=[], runs=["pair_profile/nowhere"],
                      progress=False)


def _random_pairs():
    import numpy as np

    rng = np.random.default_rng(0)
    return [tuple(rng.choice(60, 2, replace=False)) for _ in range(120)]
