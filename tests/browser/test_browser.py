"""Tested as a person would: the workbench in JupyterLab and a rendered report, each in headless Chromium."""

from __future__ import annotations

import hashlib

import pytest

from lab_driver import CHANGE_SECONDS, IMG_CHANGED, _widget_src, cell_errors, open_and_run_all, sessions_of, watched_page
from studylib.paths import NOTEBOOKS_DIR


def test_workbench_in_jupyterlab(browser, lab, tmp_path):
    committed = hashlib.sha256((NOTEBOOKS_DIR / "explore.ipynb").read_bytes()).hexdigest()
    with watched_page(browser, tmp_path, height=1400) as (page, page_errors):
        kernel_id = open_and_run_all(lab, page, "explore.ipynb")
        page.wait_for_function(IMG_CHANGED, arg="", timeout=CHANGE_SECONDS * 1000)
        first = _widget_src(page)
        assert first.startswith("data:image/png;base64,")

        # the tie: one tie instead of the two of the parameters (option values are the tie labels)
        page.locator(".studylib-ties select").select_option(["Medan–Gwangju"])
        page.wait_for_function(IMG_CHANGED, arg=first, timeout=CHANGE_SECONDS * 1000)
        by_tie = _widget_src(page)
        summary = page.locator(".studylib-explorer-output").inner_text()
        assert "Medan–Gwangju" in summary and "Surabaya–Busan" not in summary

        # the sector filter
        page.locator(".studylib-sectors select").select_option(["education"])
        page.wait_for_function(IMG_CHANGED, arg=by_tie, timeout=CHANGE_SECONDS * 1000)
        by_sector = _widget_src(page)
        assert len({first, by_tie, by_sector}) == 3, "each change draws a new chart"
        assert "Medan–Gwangju; education" in page.locator(".studylib-explorer-output").inner_text()

        page.locator(".studylib-by").evaluate("e => e.scrollIntoView({block: 'start'})")  # the workbench in view
        page.screenshot(path=str(tmp_path / "explore.png"))
        assert sessions_of(lab, "explore.ipynb") == [kernel_id], "the notebook ran on the kernel started for it"
        errors = cell_errors(page)
        assert not errors, errors[0][-2000:]
        assert not page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count()
        assert not page_errors, page_errors
    server_log = lab.log_text()
    # the kernel logs an exception raised in a widget callback to the server's output, not to a cell
    assert "Traceback" not in server_log, server_log[-3000:]
    assert (tmp_path / "explore.png").stat().st_size > 10_000
    assert hashlib.sha256((NOTEBOOKS_DIR / "explore.ipynb").read_bytes()).hexdigest() == committed


# ------------------------------------------------------------------------------------------ report.html


@pytest.mark.xdist_group("render_corpus")  # asked for below, not as an argument: see SHARED_RUNS in tests/conftest.py
def test_report_opens_offline_with_every_figure_drawn(browser, request, tmp_path):
    # the session's run of the study on its defaults, asked for after the browser: none is rendered when it is missing
    _, results = request.getfixturevalue("default_study")
    result = next(r for r in results if r.notebook == "pair_profile")
    assert result.ok, result.error
    report = result.output_dir / "report.html"

    context = browser.new_context(offline=True)
    page = context.new_page()
    blocked: list[str] = []
    console_errors: list[str] = []

    def only_files(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", only_files)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(report.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => ({src: e.src.slice(0, 60), complete: e.complete, width: e.naturalWidth}))")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    finally:
        context.close()
    assert len(images) >= 3, "pair_profile's report carries its figures"
    not_drawn = [i for i in images if not (i["complete"] and i["width"] > 0)]
    assert not not_drawn, not_drawn
    assert not blocked, f"the report asked the network for {blocked}"
    assert not console_errors, console_errors
