"""Every metric on small hand-made data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundles import write_bundle
from studylib import load_bundle
from studylib.analysis.metrics import (axis_balance, compare_metrics, continuity, hhi, institutionalisation,
                                       people_exchanged, reciprocity, shannon_evenness, shares, tie_metrics)
from studylib.analysis.panel import expand_activities

K = 11  # codebook sectors less 'general'


def _events(sectors=(), directions=None, years=None, participants=None, axes=None):
    n = len(sectors)
    return pd.DataFrame({
        "activity_id": [f"a{i}" for i in range(n)],
        "tie_id": "alpha-beta",
        "actor": "alpha",
        "sector": pd.Categorical(list(sectors)),
        "direction": pd.Categorical(directions or ["mutual"] * n),
        "year": years or [2010] * n,
        "participants": pd.array(participants or [pd.NA] * n, dtype="Int64"),
        "axis": pd.Categorical(axes or [None] * n),
        "expanded": [False] * n,
    })


def test_evenness_and_hhi_known_values():
    one = _events(["culture"] * 4)
    assert shannon_evenness(one) == 0 and hhi(one) == 1
    two = _events(["culture", "education"])
    assert shannon_evenness(two) == pytest.approx(math.log(2) / math.log(K))
    assert hhi(two) == pytest.approx(0.5)
    with_general = _events(["culture", "education", "general", "general"])
    assert hhi(with_general) == pytest.approx(0.5)  # umbrella agreements are not a sector
    assert math.isnan(hhi(_events([])))


def test_reciprocity_shares_and_balance():
    ev = _events(["culture"] * 5, directions=["a_to_b", "a_to_b", "a_to_b", "b_to_a", "mutual"])
    r = reciprocity(ev)
    assert r["share_a_to_b"] == pytest.approx(0.6) and r["share_mutual"] == pytest.approx(0.2)
    assert r["balance"] == pytest.approx((3 - 1) / 4)
    assert math.isnan(reciprocity(_events(["culture"], directions=["mutual"]))["balance"])


def test_continuity_and_longest_gap():
    c = continuity([2010, 2011, 2015], first_year=2010, last_year=2016)
    assert c == {"years_in_window": 7, "years_with_activity": 3, "continuity": pytest.approx(3 / 7), "longest_gap": 3}


def test_institutionalisation_counts_by_type():
    acts = pd.DataFrame({"activity_type": pd.Categorical(["agreement", "agreement", "office", "naming", "festival", "research"])})
    out = institutionalisation(acts)
    assert out == {"agreements": 2, "offices": 1, "named_places": 1, "academic_ties": 1, "institutionalisation": 5}


def test_shares_sum_to_one_within_groups():
    ev = _events(["culture", "culture", "economy"])
    s = shares(ev, by="sector", within="tie_id")
    assert s["share"].sum() == pytest.approx(1)
    assert s.set_index("sector").at["culture", "share"] == pytest.approx(2 / 3)


def test_people_exchanged_by_direction():
    ev = _events(["education"] * 3, directions=["a_to_b", "a_to_b", "b_to_a"], years=[2010, 2010, 2011],
                 participants=[70, pd.NA, 14])
    out = people_exchanged(ev).set_index(["direction", "year"])["participants"]
    assert out[("a_to_b", 2010)] == 70 and out[("b_to_a", 2011)] == 14


def test_axis_balance_even_and_concentrated():
    even = axis_balance(_events(["x"] * 4, axes=["industry", "culture", "data", "inclusion"]))
    assert even.attrs["distance"] == pytest.approx(0)
    one = axis_balance(_events(["x"] * 3, axes=["industry"] * 3))
    assert one.attrs["distance"] == pytest.approx(0.75)
    assert list(one["axis"]) == ["industry", "culture", "data", "inclusion"]


def test_tie_metrics_on_bundle(tmp_path):
    b = load_bundle(write_bundle(tmp_path / "b"))
    ev = expand_activities(b.activities, end_year=2016, expand_annual=True)
    m = compare_metrics(ev, b.activities, ties=b.ties, tie_ids=["alpha-beta"], end_year=2016).iloc[0]
    assert m["activities"] == 4 and m["events"] == 6 and m["expanded_events"] == 2
    assert m["years_in_window"] == 7 and m["years_with_activity"] == 4 and m["longest_gap"] == 2
    assert m["rate_per_year"] == pytest.approx(6 / 7)
    assert m["people_per_year"] == pytest.approx(30 / 7)
    assert m["agreements"] == 1 and m["sectors"] == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["culture", "education", "economy", "sports", "general", "civic"]), min_size=1, max_size=30),
       st.lists(st.sampled_from(["a_to_b", "b_to_a", "mutual", "none"]), min_size=30, max_size=30))
def test_metric_bounds(sectors, directions):
    ev = _events(sectors, directions=directions[: len(sectors)])
    e, h = shannon_evenness(ev), hhi(ev)
    if not np.isnan(h):
        assert 0 <= e <= 1 + 1e-12 and 1 / K - 1e-12 <= h <= 1 + 1e-12
    r = reciprocity(ev)
    assert np.isnan(r["balance"]) or -1 <= r["balance"] <= 1
    shares_ = [r[k] for k in ("share_a_to_b", "share_b_to_a", "share_mutual")]
    assert all(np.isnan(s) for s in shares_) or sum(shares_) == pytest.approx(1)


def test_every_metric_has_a_definition_in_the_codebook(tmp_path):
    from studylib.analysis.metrics import METRIC_DEFINITIONS

    b = load_bundle(write_bundle(tmp_path / "b"))
    ev = expand_activities(b.activities, end_year=2016, expand_annual=True)
    row = tie_metrics(ev, b.activities, unit="actor", unit_id="alpha", end_year=2016)
    missing = [k for k in row if k != "actor" and k not in METRIC_DEFINITIONS]
    assert not missing
    assert all(v.strip() for v in METRIC_DEFINITIONS.values())


def test_sector_counts_tell_expanded_events_and_their_participants_apart():
    from studylib.analysis.metrics import sector_counts

    events = pd.DataFrame({"sector": ["education"] * 3 + ["culture"],
                           "expanded": [False, True, True, False],
                           "participants": [70, 70, np.nan, 5]})
    counts = sector_counts(events).set_index("sector")
    assert list(counts.index) == ["education", "culture"]
    assert counts.loc["education"].to_dict() == {"events": 3, "expanded_events": 2, "participants": 140,
                                                  "participants_expanded_years": 70}
    assert counts.loc["culture"].to_dict() == {"events": 1, "expanded_events": 0, "participants": 5,
                                                "participants_expanded_years": 0}


def test_metric_definitions_follow_the_report_language():
    from studylib.i18n import using_language

    from studylib.analysis.metrics import metric_definitions

    english = metric_definitions()
    with using_language("id"):
        indonesian = metric_definitions()
    assert set(english) == set(indonesian)
    assert english["continuity"].startswith("years_with_activity / years_in_window")
    assert "sampai" in indonesian["continuity"] and indonesian["continuity"] != english["continuity"]


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_ties_left_out_names_each_tie_and_why():
    import studylib as sl

    b = sl.load_bundle()
    events = sl.expand_activities(b.activities, end_year=2023)
    out = sl.ties_left_out(events, b.activities, ["surabaya-busan", "gangnam-haidian"], end_year=2023)
    assert list(out["tie_id"]) == ["gangnam-haidian"]
    assert out["reason"].iat[0] == "no event to count up to 2023: no coded activities"


def test_metrics_of_a_tie_without_coded_activities_are_zeros_not_an_error():
    import studylib as sl

    b = sl.load_bundle()
    events = sl.expand_activities(b.activities, end_year=2023)
    row = sl.tie_metrics(events, b.activities.iloc[:0], unit="tie_id", unit_id="gangnam-haidian", end_year=2023)
    assert row["undated"] == 0 and row["activities"] == 0
