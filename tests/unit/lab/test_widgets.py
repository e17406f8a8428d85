"""The explorer's state logic, without a browser: change the controls, check the selection, events and output."""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd
import pytest

import studylib as sl
from bundles import write_bundle
from studylib.lab.widgets import CHARTS, Explorer

ROOT = Path(__file__).resolve().parents[3]

END_YEAR = 2023


@pytest.fixture(scope="module")
def bundle():
    return sl.load_bundle()


@pytest.fixture
def explorer(bundle):
    return Explorer(bundle, ties=["surabaya-busan", "medan-gwangju"], end_year=END_YEAR, expand_annual=True)


def _png(ex: Explorer) -> bytes:
    images = [o["data"]["image/png"] for o in ex.output.outputs if "image/png" in o["data"]]
    assert len(images) == 1, "the output holds exactly one chart"
    return base64.b64decode(images[0])


def _message(ex: Explorer) -> str:
    return ex.output.outputs[0]["data"]["text/plain"]


def test_lazy_exports():
    assert sl.Explorer is Explorer
    assert "Explorer" in dir(sl) and "explore" in dir(sl)
    from studylib.lab import widgets

    assert set(widgets.__all__) >= {"Explorer", "explore"}


def test_initial_state_and_output(explorer):
    s = explorer.state()
    assert s["by"] == "tie_id" and s["ties"] == ["surabaya-busan", "medan-gwangju"]
    assert s["sectors"] == [] and s["chart"] == "timeline" and s["expand_annual"] is True
    assert s["years"][1] == END_YEAR and s["end_year"] == END_YEAR
    ev = explorer.filtered_events()
    assert set(ev["tie_id"]) == {"surabaya-busan", "medan-gwangju"}
    assert _png(explorer).startswith(b"\x89PNG")
    assert any("text/html" in o["data"] and "<table" in o["data"]["text/html"] for o in explorer.output.outputs)


def test_filtered_events_are_the_library_events(explorer, bundle):
    """No second code path: the events shown are expand_activities' rows for the selection."""
    ev = sl.expand_activities(bundle.activities, end_year=END_YEAR, expand_annual=True)
    expected = ev[ev["tie_id"].isin(["surabaya-busan", "medan-gwangju"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(explorer.filtered_events(), expected)


def test_tie_selection_changes_state_events_and_figure(explorer):
    before = _png(explorer)
    renders = explorer.renders
    explorer.ties.value = ("seoul-tokyo",)  # as the widget would set it
    assert explorer.renders == renders + 1
    assert explorer.state()["ties"] == ["seoul-tokyo"]
    assert set(explorer.filtered_events()["tie_id"]) == {"seoul-tokyo"}
    assert _png(explorer) != before


def test_sector_filter(explorer):
    before, n = _png(explorer), len(explorer.filtered_events())
    explorer.sectors.value = ("education",)
    ev = explorer.filtered_events()
    assert explorer.state()["sectors"] == ["education"]
    assert 0 < len(ev) < n and set(ev["sector"].astype(str)) == {"education"}
    assert _png(explorer) != before
    explorer.sectors.value = ()  # nothing selected means every sector
    assert len(explorer.filtered_events()) == n


def test_year_range(explorer):
    explorer.years.value = (2000, 2010)
    ev = explorer.filtered_events()
    assert explorer.state()["years"] == (2000, 2010)
    assert ev["year"].between(2000, 2010).all() and len(ev)


def test_expand_annual_switch(explorer):
    expanded = explorer.filtered_events()
    explorer.expand.value = False
    once = explorer.filtered_events()
    assert explorer.state()["expand_annual"] is False
    assert len(once) < len(expanded) and not once["expanded"].any()


@pytest.mark.parametrize("chart", list(CHARTS))
def test_every_chart_draws(explorer, chart):
    before = _png(explorer) if chart != "timeline" else b""
    explorer.chart.value = chart
    assert explorer.state()["chart"] == chart
    assert _png(explorer) != before
    assert not explorer.view().table.empty


def test_irr_uses_the_count_model_on_the_panel(explorer, bundle):
    explorer.set(chart="irr")
    v = explorer.view()
    assert {"term", "irr", "irr_low", "irr_high"} <= set(v.table.columns)
    assert any(t.startswith("C(tie_id)") for t in v.table["term"]) and any(t.startswith("C(sector)") for t in v.table["term"])
    panel = sl.activity_panel(explorer.filtered_events(), by=["tie_id", "sector"], end_year=END_YEAR, ties=bundle.ties)
    panel = panel[panel["year"] >= explorer.state()["years"][0]]
    fit = sl.choose_count_family(panel, "activities ~ C(tie_id) + C(sector)")
    assert v.table["irr"].tolist() == pytest.approx(fit.tidy()["irr"].tolist())


def test_irr_shows_the_reason_when_the_model_cannot_be_estimated(explorer):
    explorer.set(ties=["surabaya-busan"], sectors=["education"], chart="irr")
    assert explorer.view().figure is None
    assert "was not estimated" in _message(explorer)
    assert not any("image/png" in o["data"] for o in explorer.output.outputs)


def test_model_error_from_the_data_is_shown(explorer):
    explorer.set(years=(END_YEAR, END_YEAR), chart="irr")  # one year: fewer observations than the model needs
    assert explorer.view().figure is None
    assert "was not estimated" in _message(explorer) and "observations" in _message(explorer)


def test_model_error_message_is_shown(explorer, monkeypatch):
    """A ModelError from the library is shown as its plain-language message, not raised."""
    import studylib.analysis.models

    def refuse(*args, **kwargs):
        raise sl.ModelError("Too few observations for this model.")

    monkeypatch.setattr(studylib.analysis.models, "choose_count_family", refuse)
    explorer.set(chart="irr")
    assert "Too few observations for this model." in _message(explorer)


def test_actor_selection(explorer, bundle):
    explorer.set(actor="gangnam", chart="heatmap")
    s = explorer.state()
    assert s["by"] == "actor" and s["actor"] == "gangnam"
    assert explorer.ties.disabled and not explorer.actor.disabled
    ev = explorer.filtered_events()
    assert len(ev) and (ev["actor"] == "gangnam").all()
    explorer.by.value = "tie_id"  # back to the tie selection, which was kept
    assert not explorer.ties.disabled and explorer.actor.disabled
    assert set(explorer.filtered_events()["tie_id"]) == {"surabaya-busan", "medan-gwangju"}


def test_set_redraws_once(explorer):
    renders = explorer.renders
    explorer.set(ties=["medan-gwangju"], sectors=["education", "culture"], years=(1997, 2020), chart="shares")
    assert explorer.renders == renders + 1
    assert explorer.state() | {"data_dirs": []} == {
        "by": "tie_id", "ties": ["medan-gwangju"], "actor": explorer.actor.value, "sectors": ["education", "culture"],
        "years": (1997, 2020), "chart": "shares", "expand_annual": True, "end_year": END_YEAR, "data_dirs": []}


def test_empty_selection_draws_nothing_but_says_so(explorer):
    explorer.set(ties=["surabaya-busan"], sectors=["sports"])
    assert explorer.filtered_events().empty
    assert "Nothing to draw" in _message(explorer)
    assert not any("image/png" in o["data"] for o in explorer.output.outputs)


@pytest.mark.parametrize("change", [
    {"ties": ["surabaya-tokyo"]},
    {"ties": "nope"},
    {"actor": "atlantis"},
    {"sectors": ["cooking"]},
    {"chart": "pie"},
    {"years": (1800, 2000)},
    {"years": (2010, 2000)},
])
def test_bad_values_raise_parameter_error_and_change_nothing(explorer, change):
    before = explorer.state()
    with pytest.raises(sl.ParameterError):
        explorer.set(**change)
    assert explorer.state() == before


def test_unknown_tie_lists_the_valid_ones(bundle):
    with pytest.raises(sl.ParameterError, match="surabaya-busan"):
        sl.explore(bundle, ties=["surabaya-bussan"])


def test_static_figure_and_table(explorer):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = explorer.figure()
    assert isinstance(fig, Figure)
    plt.close(fig)
    explorer.set(ties=["surabaya-busan"], sectors=["sports"])
    fig = explorer.figure()  # a note figure, never None, so a report always has a plain figure
    assert isinstance(fig, Figure)
    plt.close(fig)
    assert explorer.table().empty


def test_render_leaves_no_open_figures(explorer):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    for chart in CHARTS:
        explorer.chart.value = chart
    assert len(plt.get_fignums()) == before


def test_fallback_for_reports_without_widget_state(explorer):
    data = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "JupyterLab" in data["text/html"]


def test_load_data_layers_a_bundle_and_reports_bad_folders(tmp_path, bundle):
    from bundles import base_rows, write_bundle

    ex = Explorer(bundle, end_year=END_YEAR, expand_annual=True)
    folder = write_bundle(tmp_path / "pair", base_rows())  # a new pair, alpha-beta, over the study data
    ex.data_folder.value = str(folder)
    ex.load_button.click()
    assert "Loaded" in ex.data_status.value
    assert ex.state()["data_dirs"] == [str(folder.resolve())]
    ex.set(ties=["alpha-beta"])
    assert set(ex.filtered_events()["activity_id"]) == {"a1", "a2", "a3", "a4"}
    ex.data_folder.value = str(tmp_path / "missing")
    ex.load_button.click()
    assert "no such data folder" in ex.data_status.value
    assert ex.state()["ties"] == ["alpha-beta"], "a failed load changes nothing"


def test_data_dirs_layer_a_bundle_from_the_start(tmp_path):
    from bundles import base_rows, write_bundle

    folder = write_bundle(tmp_path / "pair", base_rows())
    ex = sl.explore(data_dirs=[folder], ties=["alpha-beta"], end_year=2020, expand_annual=True)
    assert ex.state()["data_dirs"] == [str(folder.resolve())]
    assert set(ex.filtered_events()["activity_id"]) == {"a1", "a2", "a3", "a4"}
    ex.set(ties=["surabaya-busan"])  # the study data are still there underneath
    assert len(ex.filtered_events())


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_the_workbench_does_not_say_loaded_for_an_empty_folder(tmp_path):
    from studylib.lab.widgets import Explorer

    (tmp_path / "empty").mkdir()
    ex = Explorer()
    ex.data_folder.value = str(tmp_path / "empty")
    ex._load_clicked()
    assert "Loaded" not in ex.data_status.value and "no table found" in ex.data_status.value


# ------------------------------------------------------------- 8: the workbench's folder box starts at the root
def test_the_workbench_resolves_relative_folders_from_the_project_root(tmp_path, monkeypatch):
    from studylib.lab.widgets import Explorer

    monkeypatch.chdir(ROOT / "notebooks")  # where JupyterLab runs the kernel
    rel = "data/local/_test-defects-pair"
    folder = write_bundle(ROOT / rel)
    try:
        ex = Explorer()
        ex.data_folder.value = rel
        ex._load_clicked()
        assert ex.data_status.value.startswith("Loaded"), ex.data_status.value
        assert str(folder) in ex.data_dirs
    finally:
        import shutil

        shutil.rmtree(folder)
