"""'studylib package': the replication zip a data editor checks (README's list against the files, RO-Crate, lock)."""

from __future__ import annotations

import json
import re

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


def test_package_runs_pattern_that_selects_nothing_is_an_error(tmp_path):
    from studylib import StudyError

    with pytest.raises(StudyError, match="no rendered run matches"):
        build_package(tmp_path / "pkg.zip", outputs=tmp_path, notebooks=[], runs=["pair_profile/nowhere"],
                      progress=False)
