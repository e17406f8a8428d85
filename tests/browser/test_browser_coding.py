"""The coding workbench driven in JupyterLab by headless Chromium: search a seed, pick the passage, fill the form,
save; a bad date is refused without writing. Skips as the other browser tests do when the browser is missing."""

from __future__ import annotations

import re

import nbformat
import pytest

import studylib as sl
from lab_driver import cell_errors, open_and_run_all, sessions_of, watched_page
from studylib.paths import DATA_DIR, NOTEBOOKS_DIR

CHANGE_MS = 60_000


TALENT_SENTENCE = ("Kegiatan Talent Talk merupakan sarana sosialisasi program Talent Hub kepada generasi muda untuk "
                   "meningkatkan keterampilan di bidang teknologi digital dan kreatif.")


def _coding_copy(root, save_to, *, name="code_sources.ipynb", **values) -> None:
    """A copy of code_sources.ipynb in ``root``, saving into ``save_to`` (other parameters: ``values``): the
    project's notebook and data stay untouched."""
    from studylib.runner.kernels.warm import kernel_name

    nb = nbformat.read(NOTEBOOKS_DIR / "code_sources.ipynb", as_version=4)
    params = next(c for c in nb.cells if c.cell_type == "code")
    for param, value in {"save_to": str(save_to), **values}.items():
        params.source, n = re.subn(rf"^{param}: (\w+) = .*?(  #|$)", lambda m: f"{param}: {m[1]} = {value!r}{m[2]}",
                                   params.source, count=1, flags=re.M)
        assert n == 1, f"code_sources.ipynb's parameters cell must set {param}"
    nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], "name": kernel_name()}
    nbformat.write(nb, root / name)


@pytest.fixture
def coding_lab(lab_folder, tmp_path):
    """The shared JupyterLab with a copy of code_sources.ipynb in this test's folder, saving into tmp_path/coder."""
    _coding_copy(lab_folder.directory, tmp_path / "coder")
    return lab_folder


def _data_files():
    return {p: p.read_bytes() for p in sorted(DATA_DIR.rglob("*")) if p.is_file() and "local" not in p.parts}


def test_code_a_seed_passage_in_jupyterlab(browser, coding_lab, tmp_path):
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
        page.wait_for_function("s => document.querySelector('.studylib-field-locator textarea').value === s",
                               arg=TALENT_SENTENCE, timeout=CHANGE_MS)  # the sentence picked, not the search word
        marked = page.locator(".studylib-coding-text mark.studylib-locator")
        marked.first.wait_for(timeout=CHANGE_MS)  # the text widget is redrawn after the locator field changes
        # one place: the sentence, drawn in pieces where it crosses the search match and coded passages
        assert " ".join("".join(marked.all_inner_texts()).split()) == TALENT_SENTENCE

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
        page.locator(".studylib-coding-text mark[title*='coded: mgx-101']").first.wait_for(timeout=CHANGE_MS)
        assert locator.input_value() == TALENT_SENTENCE
        page.locator(".studylib-coding-text").evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(tmp_path / "code_sources.png"))
        errors = cell_errors(page)
        assert not errors, errors[0][-2000:]
        assert not page_errors, page_errors
        assert sessions_of(lab, "code_sources.ipynb") == [kernel_id]
    assert "Traceback" not in lab.log_text()
    bundle = sl.load_bundle(DATA_DIR, saved.parent)  # the saved row validates with the study data
    row = bundle.activities.set_index("activity_id").loc["mgx-101"]
    assert row["locator"] == TALENT_SENTENCE and row["start"] == "2022" and row["tie_id"] == "medan-gwangju"
    assert saved.read_text(encoding="utf-8").count("mgx-101") == 1
    assert _data_files() == data_before, "the study's data is never written"


UNIT = ("sb-002", "surabaya-busan", "rakhmadi-surabaya-medan", "peresmian Jalan Surabaya di Busan")


def _code_the_unit(lab, page, notebook, sector):
    """Open a coder's copy, check the unit is set and nothing of another coding shows, fill and save it."""
    open_and_run_all(lab, page, notebook)
    page.locator(".studylib-coding-text mark.studylib-unit").first.wait_for(timeout=CHANGE_MS)
    assert page.locator(".studylib-field-activity_id input").input_value() == "sb-002"
    assert page.locator(".studylib-field-locator textarea").input_value() == UNIT[3]
    assert "not coded yet" in page.locator(".studylib-coding-unit-info").inner_text()
    seen = {"coded": page.locator(".studylib-coding-text mark.studylib-coded").count(),
            "title": page.locator(".studylib-field-title textarea").input_value(),
            "sector": page.locator(".studylib-field-sector select").input_value(),
            "rows": page.locator(".studylib-coding-rows select option").count()}
    page.locator(".studylib-field-title textarea").fill(f"Jalan Surabaya ({sector})")
    for column, value in [("actor", "busan"), ("sector", sector), ("activity_type", "naming"),
                          ("recurrence", "once"), ("direction", "a_to_b"), ("certainty", "reported")]:
        page.locator(f".studylib-field-{column} select").select_option(value)
    page.locator("button.studylib-coding-save").click()
    page.locator(".studylib-coding-status", has_text="Saved sb-002").wait_for(timeout=CHANGE_MS)
    page.locator(".studylib-coding-text mark[title*='coded: sb-002']").first.wait_for(timeout=CHANGE_MS)
    errors = cell_errors(page)
    assert not errors, errors[0][-2000:]
    return seen


def test_two_coders_code_the_same_unit_blind_in_jupyterlab(browser, lab_folder, tmp_path):
    round_ = tmp_path / "round"
    round_.mkdir()
    (round_ / "units.csv").write_text("activity_id,tie_id,source_id,locator\n" + ",".join(UNIT) + "\n",
                                      encoding="utf-8")
    data_before = _data_files()
    seen = {}
    for coder, sector in (("coder1", "culture"), ("coder2", "tourism")):
        # each coder in a folder, a page and a kernel of their own, the second after the first has saved
        lab = lab_folder.inside(lab_folder.directory / coder)
        _coding_copy(lab.directory, round_ / coder, name=f"{coder}.ipynb", blind=True,
                     units=str(round_ / "units.csv"))
        (tmp_path / coder).mkdir()
        with watched_page(browser, tmp_path / coder, height=1600) as (page, page_errors):
            seen[coder] = _code_the_unit(lab, page, f"{coder}.ipynb", sector)
            assert "Blind coding" in page.locator(".studylib-coding-where").inner_text()
            assert not page_errors, page_errors
        assert "Traceback" not in lab.log_text()
    assert seen["coder1"] == {"coded": 0, "title": "", "sector": "", "rows": 1}  # not even the study's own coding
    assert seen["coder2"] == {"coded": 0, "title": "", "sector": "", "rows": 1}, "coder 2 sees nothing of coder 1"
    rows = {c: sl.load_bundle(DATA_DIR, round_ / c, replace=True).activities.set_index("activity_id").loc["sb-002"]
            for c in ("coder1", "coder2")}
    assert (rows["coder1"]["sector"], rows["coder2"]["sector"]) == ("culture", "tourism")
    assert all(r["locator"] == UNIT[3] for r in rows.values())
    assert [p.name for p in (round_ / "coder2").iterdir()] == ["activities.csv"]
    assert _data_files() == data_before, "the study's data is never written"
