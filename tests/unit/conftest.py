"""The unit tier: in-process tests only. A unit test that starts a process, a kernel or a notebook fails at once,
naming the tier it belongs in, so the fast tier stays fast (``make test-fast`` runs this folder alone)."""

from __future__ import annotations

import subprocess

import pytest

MOVE = "this test belongs in tests/process (processes, kernels) or tests/render (rendered runs), not tests/unit"


class HeavyTestError(AssertionError):
    pass


def _refuse(*args, **kwargs):
    raise HeavyTestError(MOVE)


@pytest.fixture(scope="session", autouse=True)
def _git_state_read_once():
    """The run's git state (``git rev-parse``/``git status``) is read once per process and cached; read it here, before
    the guard, so that a unit test writing a manifest does not count as starting a process."""
    from studylib.provenance import git_state

    git_state()


@pytest.fixture(autouse=True)
def _in_process_only(_git_state_read_once, monkeypatch):
    monkeypatch.setattr(subprocess.Popen, "_execute_child", _refuse)
    monkeypatch.setattr("os.fork", _refuse)
    try:
        import jupyter_client.manager
    except ImportError:  # pragma: no cover - a dependency of the project
        pass
    else:
        monkeypatch.setattr(jupyter_client.manager.KernelManager, "_async_launch_kernel", _refuse)
    yield
