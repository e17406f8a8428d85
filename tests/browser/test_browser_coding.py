"""The coding workbench driven in JupyterLab by headless Chromium: search a seed, pick the passage, fill the form,
save; a bad date is refused without writing. Skips as the other browser tests do when the browser is missing."""

from __future__ import annotations

import re

import nbformat
import pytest

import studylib as sl
from lab_driver import _api, cell_errors, open_and_run_all, running_lab, watched_page
from studylib.paths import DATA_DIR, NOTEBOOKS_DIR

CHANGE_MS = 60_000


def _coding_copy(root, save_to):
    """A copy of code_sources.ipynb saving into ``save_to``: the project's notebook and data stay untouched."""
    from studylib.runner.kernels.warm import kernel_name

    nb = nbformat.read(NOTEBOOKS_DIR / "code_sources.ipynb", as_version=4)
    params = next(c for c in nb.cells if c.cell_type == "code")
    params.source, n = re.subn(r'^save_to: str = "[^"]*"', f"save_to: str = {str(save_to)!r}", params.source,
                               flags=re.M)
    assert n == 1, "code_sources.ipynb's parameters cell must set save_to"
    nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], "name": kernel_name()}
    nbformat.write(nb, root / "code_sources.ipynb")
    return len(nb.cells)


@pytest.fixture
def coding_lab(browser, tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    cells = _coding_copy(root, tmp_path / "coder")
    with running_lab(tmp_path, root, cells) as lab:
        yield lab


def _data_files():
    return {p: p.read_bytes() for p in sorted(DATA_DIR.rglob("*")) if p.is_file() and "local" not in p.parts}


def test_code_a_seed_passage_in_jupyterlab(browser, coding_lab, tmp_path):  # noqa: F811
    lab, saved = coding_lab, tmp_path / "coder" / "activities.csv"
    data_before = _data_files()
    with watched_page(browser, tmp_path, height=1600) as (page, page_errors):
        kernel_id = open_and_run_all(lab, page, "code_sources.ipynb")
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
        errors = cell_errors(page)
        assert not errors, errors[0][-2000:]
        assert not page_errors, page_errors
        assert [x["kernel"]["id"] for x in _api(lab, "/api/sessions") if x["path"] == "code_sources.ipynb"] == [kernel_id]
    assert "Traceback" not in lab.log.read_text(errors="replace")
    bundle = sl.load_bundle(DATA_DIR, saved.parent)  # the saved row validates with the study data
    row = bundle.activities.set_index("activity_id").loc["mgx-101"]
    assert row["locator"] == "Talent Hub" and row["start"] == "2022" and row["tie_id"] == "medan-gwangju"
    assert saved.read_text(encoding="utf-8").count("mgx-101") == 1
    assert _data_files() == data_before, "the study's data is never written"
