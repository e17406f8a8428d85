"""'studylib package': the replication zip a data editor checks (README's list against the files, RO-Crate, lock)."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

from bundles import users_network_job
from studylib.runner.package import build_package


def test_package_zip_lists_every_figure_and_table(cjk_run, tmp_path):
    _, result = cjk_run
    assert result.ok, result.error
    outputs = result.output_dir.parents[1]
    target = build_package(tmp_path / "pkg.zip", outputs=outputs, notebooks=[], progress=False)
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "replication"
    for required in ("README.md", "CITATION.cff", "references.bib", "requirements-lock.txt", "ro-crate-metadata.json",
                     "src/studylib/bundle/codebook.yaml", "notebooks/pair_profile.ipynb", "data/sources.csv",
                     "data-layers/1-bandung-suwon/activities.csv",
                     f"outputs/pair_profile/{result.slug}/report.html",
                     f"outputs/pair_profile/{result.slug}/manifest.json",
                     f"outputs/pair_profile/{result.slug}/references.bib"):
        assert (root / required).is_file(), required
    readme = (root / "README.md").read_text(encoding="utf-8")
    for section in ("Data availability and provenance", "Computational requirements", "Instructions to replicators",
                    "List of tables and figures"):
        assert f"## {section}" in readme
    listed = set(re.findall(r"^\| (?:Figure|Table) \|.*\| `([^`]+)` \|$", readme, flags=re.M))
    outputs_in_zip = {n.removeprefix("replication/") for n in names
                      if re.search(r"/(figures/(print/)?[^/]+\.(png|svg|pdf)|tables/[^/]+\.(csv|tex))$", n)}
    assert listed and listed == outputs_in_zip
    assert any("/figures/print/" in n for n in listed), "the run printed its figures' print versions"
    assert all((root / path).is_file() for path in listed)
    assert "--data data-layers/1-bandung-suwon" in readme
    seconds = json.loads((root / f"outputs/pair_profile/{result.slug}/manifest.json").read_text())["duration_seconds"]
    assert f"| pair_profile | {result.slug} | {seconds:.1f} |" in readme
    assert "@misc{test-src," in (root / "references.bib").read_text(encoding="utf-8")
    crate = json.loads((root / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = {e["@id"]: e for e in crate["@graph"]}
    assert graph["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    parts = {p["@id"] for p in graph["./"]["hasPart"]}
    assert parts == {n.removeprefix("replication/") for n in names} - {"ro-crate-metadata.json"}
    assert all(p in graph for p in parts)
    assert {"name", "description", "datePublished", "license"} <= set(graph["./"])


def test_studylib_package_on_the_default_study(default_study, tmp_path, monkeypatch):
    """``studylib package --out replication.zip --runs '*'`` on the default study: it succeeds, and the README's
    commands are valid shell that run inside the unpacked package."""
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
    # every run there is (``--runs '*'``): without it the package would first render network_context on its true
    # defaults, which the corpus's study leaves out (bundles.STUDY_OVERRIDES); rendering what is missing is
    # tests/unit/runner/test_package.py's
    assert main(["package", "--out", str(target), "--jobs", "1", "--runs", "*"]) == 0
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


RENDER_CORPUS = {"users-network-file": users_network_job}


def test_a_users_network_file_goes_in_and_the_command_runs_from_the_package(render_corpus, tmp_path):
    """D7/D8: a run on a user's network file (a path with a space, a list parameter) is packaged with that file under
    inputs/, and its README command, pasted into bash inside the package, renders the same tables again."""
    import os
    import subprocess

    import pandas as pd

    job, result = render_corpus.jobs["users-network-file"], render_corpus["users-network-file"]
    path, mine = job.info["path"], job.info["mine"]
    outputs = render_corpus.root / job.group  # this run only
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


def _replicator_commands(readme: str) -> list[str]:
    """The indented command lines under "Instructions to replicators"."""
    block = readme.split("## Instructions to replicators", 1)[1].split("\n## ", 1)[0]
    return [line[4:] for line in block.splitlines() if line.startswith("    ") and line.strip()]


