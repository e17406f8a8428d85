"""The coding workbench driven in JupyterLab by headless Chromium: search a seed, pick the passage, fill the form,
save; a bad date is refused without writing. Skips as tests/test_browser.py does when the browser is missing."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess

import nbformat
import pytest
from test_browser import (ALL_CELLS_RAN, ERROR_OUTPUT, LAB_START_SECONDS, NOTEBOOK_READY, RUN_ALL_SECONDS, Lab,
                          _api, _free_port, _jupyter, _lab_settings, _start_session, _stop, _wait_for_kernel,
                          _wait_for_status, browser)  # noqa: F401 - browser is a fixture

import studylib as sl
from studylib.paths import DATA_DIR, NOTEBOOKS_DIR

pytestmark = pytest.mark.slow
CHANGE_MS = 60_000


def _coding_copy(root, save_to):
    """A copy of code_sources.ipynb saving into ``save_to``: the project's notebook and data stay untouched."""
    from studylib.kernel import kernel_name

    nb = nbformat.read(NOTEBOOKS_DIR / "code_sources.ipynb", as_version=4)
    params = next(c for c in nb.cells if c.cell_type == "code")
    params.source, n = re.subn(r'^save_to: str = "[^"]*"', f"save_to: str = {str(save_to)!r}", params.source,
                               flags=re.M)
    assert n == 1, "code_sources.ipynb's parameters cell must set save_to"
    nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], "name": kernel_name()}
    nbformat.write(nb, root / "code_sources.ipynb")
    return len(nb.cells)


@pytest.fixture
def coding_lab(browser, tmp_path):  # noqa: F811 - the imported fixture
    from studylib.kernel import kernel_name

    root = tmp_path / "lab"
    root.mkdir()
    cells = _coding_copy(root, tmp_path / "coder")
    env = {**os.environ,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(_lab_settings(tmp_path / "lab-settings")),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces")}
    log = tmp_path / "lab.log"
    token = secrets.token_hex(16)
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        port = _free_port()
        cmd = [_jupyter(), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", f"--MultiKernelManager.default_kernel_name={kernel_name()}"]
        with open(log, "ab") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=root)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for_status(url, token, proc, log)
            yield Lab(url, token, log, root, cells)
            return
        except RuntimeError:
            if attempt == 2 or "already in use" not in log.read_text():
                raise
        finally:
            _stop(proc)


def _data_files():
    return {p: p.read_bytes() for p in sorted(DATA_DIR.rglob("*")) if p.is_file() and "local" not in p.parts}


def test_code_a_seed_passage_in_jupyterlab(browser, coding_lab, tmp_path):  # noqa: F811
    lab, saved = coding_lab, tmp_path / "coder" / "activities.csv"
    data_before = _data_files()
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        kernel_id = _start_session(lab, "code_sources.ipynb")
        page.goto(f"{lab.url}/lab/tree/code_sources.ipynb?token={lab.token}")
        page.wait_for_function(NOTEBOOK_READY, arg=lab.cells, timeout=LAB_START_SECONDS * 1000)
        _wait_for_kernel(lab, kernel_id)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_ALL_SECONDS * 1000)
        page.locator(".studylib-coding-text mark.studylib-coded").first.wait_for(timeout=CHANGE_MS)
        assert page.locator(".studylib-coding-source select").input_value() == "rakhmadi-surabaya-medan"

        # find the passage and pick it: it becomes the locator
        page.locator(".studylib-coding-search input").fill("talent hub")
        options = page.locator(".studylib-coding-matches select option")
        options.first.wait_for(timeout=CHANGE_MS)
        assert options.count() == 1 and "[Talent Hub]" in options.first.inner_text().replace("\xa0", " ")
        page.locator(".studylib-coding-matches select").select_option(index=0)
        locator = page.locator(".studylib-field-locator textarea")
        page.wait_for_function("() => document.querySelector('.studylib-field-locator textarea').value === 'Talent Hub'",
                               timeout=CHANGE_MS)
        marked = page.locator(".studylib-coding-text mark.studylib-locator")
        marked.first.wait_for(timeout=CHANGE_MS)  # the text widget is redrawn after the locator field changes
        assert marked.count() == 1

        # the form; a date in the wrong form is flagged as typed and refused on save
        page.locator(".studylib-field-activity_id input").fill("mgx-101")
        page.locator(".studylib-field-title textarea").fill("Talent Hub programme presented to young people")
        for column, value in [("tie_id", "medan-gwangju"), ("actor", "medan"), ("sector", "education"),
                              ("activity_type", "training"), ("recurrence", "once"), ("direction", "none"),
                              ("certainty", "reported")]:
            page.locator(f".studylib-field-{column} select").select_option(value)
        page.locator(".studylib-field-start input").fill("2022-13")
        page.locator(".studylib-check-start", has_text="no month 13").wait_for(timeout=CHANGE_MS)
        page.locator("button.studylib-coding-save").click()
        page.locator(".studylib-coding-status", has_text="nothing was written").wait_for(timeout=CHANGE_MS)
        assert "column 'start': '2022-13' has no month 13" in page.locator(".studylib-coding-status").inner_text()
        assert not saved.exists(), "a refused row writes nothing"

        page.locator(".studylib-field-start input").fill("2022")
        page.locator(".studylib-check-start", has_text="✓").wait_for(timeout=CHANGE_MS)
        page.locator("button.studylib-coding-save").click()
        page.locator(".studylib-coding-status", has_text="Saved mgx-101").wait_for(timeout=CHANGE_MS)
        page.locator(".studylib-coding-text mark[title*='coded: mgx-101']").wait_for(timeout=CHANGE_MS)
        assert locator.input_value() == "Talent Hub"
        page.locator(".studylib-coding-text").evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(tmp_path / "code_sources.png"))
        errors = [t for t in page.locator(ERROR_OUTPUT).all_inner_texts() if "Traceback" in t or "Error" in t]
        assert not errors, errors[0][-2000:]
        assert not page_errors, page_errors
        assert [x["kernel"]["id"] for x in _api(lab, "/api/sessions") if x["path"] == "code_sources.ipynb"] == [kernel_id]
    except BaseException:
        with contextlib.suppress(Exception):  # what the browser showed, for the failure report
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        raise
    finally:
        page.close()
    assert "Traceback" not in lab.log.read_text(errors="replace")
    bundle = sl.load_bundle(DATA_DIR, saved.parent)  # the saved row validates with the study data
    row = bundle.activities.set_index("activity_id").loc["mgx-101"]
    assert row["locator"] == "Talent Hub" and row["start"] == "2022" and row["tie_id"] == "medan-gwangju"
    assert saved.read_text(encoding="utf-8").count("mgx-101") == 1
    assert _data_files() == data_before, "the study's data is never written"
