"""Fixtures of the browser tests: one headless Chromium per module and a JupyterLab serving a workbench copy.

Outside CI these tests skip, with the reason, when Chromium or Playwright is missing; under ``CI=true`` a missing
browser is a failure.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from lab_driver import CHROMIUM_ARGS, _missing, _workbench_copy, in_ci, running_lab


@pytest.fixture(scope="module")
def browser():
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


@pytest.fixture
def lab(browser, tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    cells = len(nbformat.read(_workbench_copy(root, tmp_path / "snapshot"), as_version=4).cells)
    with running_lab(tmp_path, root, cells) as running:
        yield running
