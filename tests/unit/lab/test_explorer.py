"""What the explorer shows, as plain functions: a selection in, a view out, no widgets involved."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import studylib as sl  # noqa: E402
from studylib.lab.explorer import Selection, explorer_view, latest_year, model_formula, select_events  # noqa: E402

END_YEAR = 2023

TIES = ("surabaya-busan", "medan-gwangju")


@pytest.fixture(scope="module")
def data():
    bundle = sl.load_bundle()
    return bundle, sl.expand_activities(bundle.activities, end_year=END_YEAR, expand_annual=True)


def test_select_events_picks_ties_sectors_and_years(data):
    bundle, events = data
    s = Selection(years=(2015, 2020), ties=TIES, sectors=("education",))
    out = select_events(events, s)
    assert len(out) and set(out["tie_id"]) <= set(TIES)
    assert set(out["sector"].astype(str)) == {"education"} and out["year"].between(2015, 2020).all()
    expected = events[events["tie_id"].isin(TIES) & (events["sector"].astype(str) == "education")
                      & events["year"].between(2015, 2020)]
    assert len(out) == len(expected) and out.attrs["end_year"] == 2020


@pytest.mark.parametrize("chart", ["timeline", "shares", "heatmap", "irr"])
def test_explorer_view_is_a_pure_function_of_the_selection(data, chart):
    bundle, events = data
    s = Selection(years=(2000, END_YEAR), ties=TIES, chart=chart)
    first, again = explorer_view(bundle, events, s), explorer_view(bundle, events, s)
    assert first.figure is not None and isinstance(first.figure, plt.Figure)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.message == again.message and "Surabaya" in first.message
    plt.close(first.figure)
    plt.close(again.figure)


def test_explorer_view_says_why_there_is_nothing_to_draw(data):
    bundle, events = data
    v = explorer_view(bundle, events, Selection(years=(2000, END_YEAR), ties=()))
    assert v.figure is None and v.table.empty and "Nothing to draw" in v.message
    v = explorer_view(bundle, events, Selection(years=(2000, END_YEAR), ties=TIES[:1], sectors=("education",),
                                                chart="irr"))
    assert v.figure is None and "was not estimated" in v.message


def test_explorer_shell_shows_the_pure_view(data):
    bundle, events = data
    ex = sl.Explorer(bundle, ties=list(TIES), end_year=END_YEAR, chart="shares", expand_annual=True)
    s = ex.selection()
    assert s == Selection(years=ex.state()["years"], ties=TIES, chart="shares", actor=s.actor)
    v = explorer_view(bundle, events, s)
    pd.testing.assert_frame_equal(ex.view().table, v.table)
    assert ex.labels() == sl.display_labels(bundle) and ex.labels()["surabaya-busan"] == bundle.tie_label("surabaya-busan")
    plt.close("all")


def test_latest_year_counts_only_implemented_activities():
    acts = pd.DataFrame({"start_year": pd.array([2010, 2030], dtype="Int64"), "until": pd.array([2012, None], dtype="Int64"),
                         "stage": pd.Categorical(["implemented", "planned"])})
    assert latest_year(acts) == 2012  # the planned 2030 activity is not observed
    assert latest_year(acts.assign(stage=pd.Categorical([None, "implemented"]))) == 2030  # missing stage: implemented
    assert latest_year(acts, end_year=2015) == 2015


def test_model_formula_keeps_terms_with_two_levels():
    panel = pd.DataFrame({"tie_id": ["a", "b"], "sector": ["x", "x"]})
    assert model_formula(panel, unit="tie_id") == "activities ~ C(tie_id)"
    assert model_formula(panel.assign(tie_id="a"), unit="tie_id") == "activities ~ 1"


def test_check_choices_names_what_is_wrong_and_lists_what_is_valid():
    from studylib.lab.explorer import check_choices

    offer = dict(known_ties=["a-b", "c-d", "e-f"], tie_options=["a-b", "c-d"], actor_options=["a"],
                 sector_options=["culture", "education"], year_bounds=(2000, 2020))
    assert check_choices(ties="a-b", sectors="culture", years=(2001, 2002), chart="irr", **offer) == \
        {"ties": ("a-b",), "actor": None, "sectors": ("culture",), "years": (2001, 2002), "chart": "irr"}
    with pytest.raises(sl.ParameterError, match=r"unknown tie id 'x-y'\. Valid: a-b, c-d, e-f"):
        check_choices(ties=["x-y"], **offer)
    with pytest.raises(sl.ParameterError, match=r"'e-f' has no dated events to explore; ties with events: a-b, c-d"):
        check_choices(ties=["e-f"], **offer)
    with pytest.raises(sl.ParameterError, match=r"unknown sector 'sport'"):
        check_choices(sectors=["sport"], **offer)
    with pytest.raises(sl.ParameterError, match=r"years must run from 2000 to 2020"):
        check_choices(years=(1999, 2005), **offer)
    with pytest.raises(sl.ParameterError, match=r"unknown chart 'pie'"):
        check_choices(chart="pie", **offer)
