"""Fixtures of the browser tests: one headless Chromium and one JupyterLab for the session, in which each
test works in a folder of its own (a workbench copy for ``lab``).

Outside CI these tests skip, with the reason, when Chromium or Playwright is missing; under ``CI=true`` a missing
browser is a failure.
"""

from __future__ import annotations

import shutil

import pytest

from lab_driver import CHROMIUM_ARGS, _missing, _workbench_copy, in_ci, running_lab, shut_down_sessions


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of this worker (each test opens its own pages or context)."""
    missing = _missing()
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if in_ci():
            pytest.fail(f"{reason}; CI is set, so the browser tests must run", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One JupyterLab for every browser test (the server, and the zygote its warm kernels fork from, start once);
    every test that uses it runs on one xdist worker (``SHARED_RUNS`` in tests/conftest.py)."""
    tmp = tmp_path_factory.mktemp("lab-server")
    root = tmp / "root"
    root.mkdir()
    with running_lab(tmp, root) as running:
        yield running


@pytest.fixture
def lab_folder(browser, lab_server, tmp_path):
    """The shared JupyterLab seen from a folder of this test's own (its notebooks, its part of the server log); the
    test's sessions and kernels are shut down after it."""
    lab = lab_server.inside(lab_server.root / tmp_path.name)
    yield lab
    shut_down_sessions(lab)


@pytest.fixture
def lab(lab_folder, tmp_path):
    """The shared JupyterLab with a copy of explore.ipynb in this test's folder (its snapshot goes to tmp_path)."""
    _workbench_copy(lab_folder.directory, tmp_path / "snapshot")
    return lab_folder
