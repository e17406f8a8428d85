"""Warm kernels (studylib.runner.kernels): forked kernels behave as fresh ones, and nothing is left behind.

The ``registered`` fixture (tests/conftest.py) installs the warm kernel spec into a temporary Jupyter path and
registers the provisioner through a temporary ``.dist-info`` on ``sys.path``, so the tests run the worktree's code
without reinstalling the package.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from studylib.paths import PROJECT_ROOT
from studylib.runner.kernels import warm

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm kernels fork: Linux only")


def test_installed_kernel_spec_selects_the_provisioner(registered):
    spec = json.loads((registered["jupyter"] / "kernels" / warm.WARM_KERNEL / "kernel.json").read_text())
    assert spec["display_name"] == "Python (studylib, warm)"
    assert spec["argv"][0] == sys.executable and spec["argv"][-4:] == ["-m", "ipykernel_launcher", "-f",
                                                                       "{connection_file}"]
    assert spec["metadata"]["kernel_provisioner"]["provisioner_name"] == warm.PROVISIONER
    assert warm.warm_unavailable() is None and warm.kernel_name() == warm.WARM_KERNEL


def test_pyproject_registers_the_provisioner_and_make_installs_the_spec():
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["jupyter_client.kernel_provisioners"] == {
        warm.PROVISIONER: "studylib.runner.kernels.warm:WarmProvisioner"}
    assert "-m studylib.runner.kernels.warm install" in (PROJECT_ROOT / "Makefile").read_text()


def test_without_linux_or_when_asked_the_runner_uses_ordinary_kernels(registered, monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert "macOS" in warm.warm_unavailable() and warm.kernel_name() != warm.WARM_KERNEL
    monkeypatch.setattr(sys, "platform", "win32")
    assert "fork" in warm.warm_unavailable() and warm.kernel_name() != warm.WARM_KERNEL
    monkeypatch.setattr(warm, "_ANNOUNCED", [])
    warm.announce()
    warm.announce()
    assert capsys.readouterr().err.count("ordinary kernels") == 1  # one line, once
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv(warm.COLD_ENV, "1")
    assert warm.kernel_name() != warm.WARM_KERNEL
    monkeypatch.setattr(warm, "_ANNOUNCED", [])
    warm.announce()
    assert capsys.readouterr().err == ""  # asked for: nothing to say


def test_cold_kernels_flag_reaches_the_runner(monkeypatch):
    from studylib.cli import _cold_kernels, build_parser

    monkeypatch.delenv(warm.COLD_ENV, raising=False)
    for argv in (["run", "pair_profile", "--cold-kernels"], ["study", "--cold-kernels"]):
        args = build_parser().parse_args(argv)
        _cold_kernels(args)
        assert os.environ.pop(warm.COLD_ENV) == "1"


def test_bench_case_says_when_warm_kernels_cannot_be_measured(monkeypatch):
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import run as bench

    monkeypatch.setattr(warm, "warm_unavailable", lambda: "ordinary kernels: test")
    [row] = bench.bench_warm(1, 0)
    assert not row.passed and "not measured: ordinary kernels: test" in row.note
    assert "warm" in bench.CASES


def test_the_suite_sets_the_runners_blas_thread_variables():
    """tests/conftest.py gives the suite one BLAS thread per kernel with its own copy of the variables' names (it
    stays light): the copy is the runner's list, so that in-process runs and pools share one zygote."""
    import conftest

    from studylib.runner.kernels import BLAS_THREAD_VARIABLES

    assert conftest.BLAS_THREAD_VARIABLES == BLAS_THREAD_VARIABLES
    assert all(os.environ.get(name) for name in BLAS_THREAD_VARIABLES)
