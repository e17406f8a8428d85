"""Warm kernels (studylib.runner.kernels.warm, studylib.runner.kernels.zygote): forked kernels behave as fresh ones, and nothing is left behind.

The warm kernel spec is installed into a temporary Jupyter path and the provisioner registered through a
temporary ``.dist-info`` on ``sys.path`` (the entry point ``pip install -e .`` writes), so the tests run the
worktree's code without reinstalling the package.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from studylib.runner.kernels import warm

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm kernels fork: Linux only")


def _register(root: Path) -> tuple[Path, Path]:
    """Install the warm kernel spec under ``root`` and an entry point for the provisioner; return (jupyter, site)."""
    warm.install_kernel_spec(prefix=str(root))
    site = root / "site"
    info = site / "studylib_warm_tests-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: studylib-warm-tests\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_client.kernel_provisioners]\nstudylib-warm = studylib.runner.kernels.warm:WarmProvisioner\n")
    return root / "share" / "jupyter", site


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """The warm kernel, usable from this process and from subprocesses (JUPYTER_PATH, PYTHONPATH)."""
    # Earlier tests' notebooks ran warm kernels: their zygote has the suite's environment, not this module's, and
    # would serve every kernel here as an ordinary one ("its environment differs").
    warm.shutdown_zygotes()
    jupyter, site = _register(tmp_path_factory.mktemp("warm"))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(jupyter), os.environ.get("JUPYTER_PATH")])))
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(site)])))
    mp.setenv("OPENBLAS_NUM_THREADS", "1")  # as the runner's workers set it
    mp.delenv(warm.COLD_ENV, raising=False)
    mp.syspath_prepend(str(site))
    yield {"jupyter": jupyter, "site": site}
    warm.shutdown_zygotes()
    mp.undo()


def _has_cold() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager

    return warm.COLD_KERNEL in KernelSpecManager().find_kernel_specs()


def test_study_notebook_outputs_are_byte_identical_to_ordinary_kernels(registered, tmp_path):
    from studylib.runner.execute import run_notebook

    runs = {}
    for name in (warm.COLD_KERNEL if _has_cold() else "python3", warm.WARM_KERNEL):
        result = run_notebook("pair_profile", out=tmp_path / name, kernel=name)
        assert result.ok, result.error
        runs[name] = result.output_dir
    cold, hot = runs.values()
    files = sorted(str(p.relative_to(cold)) for p in cold.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert files == sorted(str(p.relative_to(hot)) for p in hot.rglob("*") if p.is_file() and p.name != "manifest.json")
    for f in files:
        if f.endswith(".ipynb"):  # papermill stamps each cell's start and end time: compare the cells' contents
            cells = [_cells(d / f) for d in (cold, hot)]
            assert cells[0] == cells[1]
        elif not f.endswith((".html", ".pdf")):  # the HTML embeds the notebook's timing metadata, the PDF (printed
            # from that HTML) its creation time
            assert hashlib.sha256((cold / f).read_bytes()).digest() == hashlib.sha256((hot / f).read_bytes()).digest(), f


def _cells(path: Path) -> list:
    """Each cell's source, execution count and outputs; the run's own staging folder (injected as ``output_dir``,
    a new name for every run) written as ``<staging>``."""
    nb = nbformat.read(str(path), as_version=4)
    staging = next(v for k, v in nb.metadata.papermill.parameters.items() if k == "output_dir")
    return [json.dumps([c.source, c.get("execution_count"), c.get("outputs")], sort_keys=True).replace(staging, "<staging>")
            for c in nb.cells]
