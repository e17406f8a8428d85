"""Panel building: expansion rule, explicit zeros, window edges, totals."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundles import _act, base_rows, typed_activities, write_bundle
from studylib import load_bundle
from studylib.analysis.panel import activity_panel, add_frames, expand_activities
from studylib.errors import ParameterError


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return load_bundle(write_bundle(tmp_path_factory.mktemp("b")))


def test_annual_programme_expands_to_until_and_marks_rows(bundle):
    ev = expand_activities(bundle.activities, end_year=2020, expand_annual=True)
    a2 = ev[ev["activity_id"] == "a2"]
    assert list(a2["year"]) == [2012, 2013, 2014]  # until = 2014 wins over end_year
    assert list(a2["expanded"]) == [False, True, True]


def test_open_annual_programme_runs_to_end_year(bundle):
    acts = bundle.activities.copy()
    acts.loc[acts["activity_id"] == "a2", "until"] = pd.NA
    ev = expand_activities(acts, end_year=2016, expand_annual=True)
    assert list(ev.loc[ev["activity_id"] == "a2", "year"]) == [2012, 2013, 2014, 2015, 2016]


def test_expansion_switch_off_counts_once(bundle):
    ev = expand_activities(bundle.activities, end_year=2020, expand_annual=False)
    assert (ev["activity_id"] == "a2").sum() == 1
    assert not ev["expanded"].any()


def test_events_after_end_year_dropped_and_undated_recorded(bundle):
    acts = bundle.activities.copy()
    acts.loc[acts["activity_id"] == "a4", ["start_year"]] = pd.NA
    ev = expand_activities(acts, end_year=2012, expand_annual=True)
    assert set(ev["year"]) <= set(range(2010, 2013))
    assert ev.attrs["undated"] == ["a4"]
    assert "a3" not in set(ev["activity_id"])  # 2013 > end_year


def test_panel_zeros_window_and_totals(bundle):
    panel = activity_panel(bundle.activities, by=["tie_id", "sector"], end_year=2016, ties=bundle.ties, expand_annual=True)
    assert panel["year"].min() == 2010 and panel["year"].max() == 2016  # signed 2010 to end_year
    assert len(panel) == 4 * 7  # 4 sectors x 7 years, zeros included
    assert panel["activities"].sum() == len(expand_activities(bundle.activities, end_year=2016, expand_annual=True))
    edu = panel[panel["sector"] == "education"].set_index("year")
    assert edu.loc[2011, "activities"] == 0 and edu.loc[2013, "activities"] == 1
    assert edu.loc[2013, "expanded"] == 1 and edu.loc[2012, "expanded"] == 0
    assert edu.loc[2013, "participants"] == 10 and edu.loc[2013, "participants_known"] == 1


def test_window_opens_at_first_event_when_before_signing(bundle):
    ties = bundle.ties.copy()
    ties["signed_year"] = pd.array([2013], dtype="Int64")
    panel = activity_panel(bundle.activities, by=["tie_id"], end_year=2014, ties=ties, expand_annual=True)
    assert panel["year"].min() == 2010


def test_panel_levels_include_unobserved_categories(bundle):
    panel = activity_panel(add_frames(bundle.activities), by=["actor", "axis"], end_year=2014,
                           levels={"axis": ["industry", "culture", "data", "inclusion"]})
    assert set(panel["axis"]) == {"industry", "culture", "data", "inclusion"}
    assert panel.loc[panel["axis"] == "data", "activities"].sum() == 0


def test_axis_override_wins_over_sector_default(bundle):
    acts = bundle.activities.copy()
    acts["axis"] = pd.Categorical([None, None, None, "data"], categories=["industry", "culture", "data", "inclusion"])
    framed = add_frames(acts)
    assert list(framed["axis"].astype(object))[1:] == ["inclusion", "culture", "data"]
    assert pd.isna(framed["axis"].iloc[0])  # 'general' maps to no axis


def test_unknown_group_column_is_a_parameter_error(bundle):
    with pytest.raises(ParameterError, match="no such column"):
        activity_panel(bundle.activities, by=["nope"], end_year=2014)


def _two_ties_rows():
    """The base bundle with a second tie, alpha-gamma, and one activity row to vary (as the property tests do)."""
    rows = base_rows()
    rows["cities"].append({**rows["cities"][1], "city_id": "gamma", "name": "Gamma", "name_local": ""})
    rows["ties"].append({**rows["ties"][0], "tie_id": "alpha-gamma", "city_b": "gamma", "signed": "2012"})
    rows["activities"] = [_act("x0", "Programme", "education", "festival", "2010")]
    return rows


@pytest.fixture(scope="module")
def undated_tie(tmp_path_factory):
    """The base bundle with the tie's signing date left blank: the window opens at the first event."""
    rows = base_rows()
    rows["ties"][0]["signed"] = ""
    return load_bundle(write_bundle(tmp_path_factory.mktemp("h"), rows))


@pytest.fixture(scope="module")
def two_ties(tmp_path_factory):
    return load_bundle(write_bundle(tmp_path_factory.mktemp("eq"), _two_ties_rows()))


def test_activities_built_in_memory_are_those_load_bundle_reads(two_ties, tmp_path):
    changes = [
        {"activity_id": "m1", "tie_id": "alpha-gamma", "sector": "culture", "start": "2013-05-02", "recurrence": "once",
         "until": "", "participants": ""},
        {"activity_id": "m2", "tie_id": "alpha-beta", "sector": "economy", "start": "2011-07", "recurrence": "annual",
         "until": "2015", "participants": "0"},
        {"activity_id": "m3", "tie_id": "alpha-beta", "sector": "education", "start": "", "recurrence": "annual",
         "until": "", "participants": "250"},
    ]
    rows = _two_ties_rows()
    rows["activities"] = [{**rows["activities"][0], **c} for c in changes]
    on_disk = load_bundle(write_bundle(tmp_path / "b", rows)).activities
    pd.testing.assert_frame_equal(typed_activities(two_ties.activities, changes), on_disk)
    with pytest.raises(ValueError, match="sector"):
        typed_activities(two_ties.activities, [{"sector": "educaton"}])


@settings(max_examples=40, deadline=None)
@given(
    starts=st.lists(st.integers(2000, 2020), min_size=1, max_size=12),
    annual=st.lists(st.booleans(), min_size=12, max_size=12),
    end_year=st.integers(2005, 2025),
)
def test_panel_total_equals_expanded_events(undated_tie, starts, annual, end_year):
    template = undated_tie.activities.iloc[[1]]  # a2, the annual teacher visits
    activities = typed_activities(template, [
        {"activity_id": f"x{i}", "start": str(y), "recurrence": "annual" if annual[i] else "once", "until": ""}
        for i, y in enumerate(starts)
    ])
    ev = expand_activities(activities, end_year=end_year, expand_annual=True)
    expected = sum((end_year - y + 1) if a else 1 for y, a in zip(starts, annual) if y <= end_year)
    assert len(ev) == expected
    panel = activity_panel(activities, by=["tie_id", "sector"], end_year=end_year, ties=undated_tie.ties, expand_annual=True)
    assert panel["activities"].sum() == expected
    assert (panel["activities"] >= panel["expanded"]).all()


@settings(max_examples=30, deadline=None)
@given(
    acts=st.lists(st.tuples(st.sampled_from(["alpha-beta", "alpha-gamma"]), st.sampled_from(["education", "culture", "economy"]),
                            st.one_of(st.just(""), st.integers(2005, 2022).map(str)), st.booleans(),
                            st.one_of(st.just(""), st.integers(0, 6)), st.one_of(st.just(""), st.integers(0, 500).map(str))),
                  min_size=1, max_size=15),
    end_year=st.integers(2008, 2024),
    by=st.sampled_from([["tie_id", "sector"], ["tie_id"], ["actor", "axis"], ["tie_id", "direction", "sector"]]),
)
def test_counting_path_gives_exactly_the_groupby_panel(two_ties, acts, end_year, by):
    from studylib.analysis.panel import _counted_panel, _grouped_panel

    activities = typed_activities(two_ties.activities, [
        {"activity_id": f"x{i}", "tie_id": tie, "sector": sector, "start": start,
         "recurrence": "annual" if annual else "once",
         "until": str(int(start) + extra) if start and annual and extra != "" else "", "participants": people}
        for i, (tie, sector, start, annual, extra, people) in enumerate(acts)
    ])
    for data in (activities, expand_activities(activities, end_year=end_year, expand_annual=True)):
        fast = _counted_panel(data, by=by, end_year=end_year, ties=two_ties.ties, expand_annual=True, levels=None)
        assert fast is not None  # the counting path applies here: compare it, not its fallback, with the reference
        slow = _grouped_panel(data, by=by, end_year=end_year, ties=two_ties.ties, expand_annual=True, levels=None)
        pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("signed", [2013, 2008, None])
def test_one_window_rule_for_the_panel_and_the_metrics(bundle, signed):
    """observation_windows (the panel's zeros) and window_start (the metrics' continuity) open a tie's window in the
    same year: the earlier of its signing year and its first event (window_opens)."""
    from studylib.analysis.metrics import window_start
    from studylib.analysis.panel import observation_windows, window_opens

    ties = bundle.ties.copy()
    ties["signed_year"] = pd.array([signed] * len(ties), dtype="Int64")
    events = expand_activities(bundle.activities, end_year=2014, expand_annual=True)
    tie = str(events["tie_id"].iloc[0])
    first_event = int(events.loc[events["tie_id"] == tie, "year"].min())
    expected = first_event if signed is None else min(first_event, signed)
    windows = observation_windows(events, key="tie_id", end_year=2014, ties=ties).set_index("tie_id")
    assert windows.loc[tie, "first_year"] == expected
    assert window_start(events, ties, tie) == expected
    assert window_opens(events, key="tie_id", ties=ties).loc[tie] == expected
    # a tie without events: the panel has no window for it, the metrics open it at its signing year (or nowhere)
    none = events.iloc[0:0]
    assert window_start(none, ties, tie) == signed
    assert tie not in set(observation_windows(none, key="tie_id", end_year=2014, ties=ties)["tie_id"])


def test_annual_expansion_is_off_unless_asked_for_in_every_library_function(bundle):
    """#25: the expansion is one factor of the multiverse, never a library default."""
    import inspect

    from studylib.analysis.panel import _Expansion
    from studylib.lab.widgets import Explorer

    for fn in (expand_activities, activity_panel, _Expansion.__init__, Explorer.__init__):
        assert inspect.signature(fn).parameters["expand_annual"].default is False, fn
    ev = expand_activities(bundle.activities, end_year=2020)
    assert not ev["expanded"].any() and list(ev.loc[ev["activity_id"] == "a2", "year"]) == [2012]
    panel = activity_panel(bundle.activities, by=["tie_id"], end_year=2020, ties=bundle.ties)
    assert panel["activities"].sum() == len(ev) and panel["expanded"].sum() == 0
