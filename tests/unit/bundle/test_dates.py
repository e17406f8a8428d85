"""Uncertain dates (EDTF): parsed, bounded in years, validated where they stand, and kept out of yearly counts."""

from __future__ import annotations

import pandas as pd
import pytest

from bundles import base_rows, write_bundle
from studylib import ValidationError, load_bundle
from studylib.analysis.panel import expand_activities
from studylib.bundle.dates import date_problem, end_before_start, is_uncertain, parse_date, uncertain_dates, year_window


@pytest.mark.parametrize("value, window", [
    ("2012-11-03", (2012, 2012)), ("1994", (1994, 1994)), ("2007/2023", (2007, 2023)),
    ("2007-07/2008-02", (2007, 2008)), ("../2008", (None, 2008)), ("/2008", (None, 2008)),
    ("2008/..", (2008, None)), ("2008/", (2008, None)), ("2011~", (2010, 2012)), ("2011?", (2010, 2012)),
    ("2011-03%", (2010, 2012)), ("", (None, None)),
])
def test_year_window(value, window):
    assert year_window(value) == window


def test_approximate_width_is_a_parameter():
    assert year_window("2011~", approximate=0) == (2011, 2011)
    assert year_window("2011~", approximate=3) == (2008, 2014)
    assert year_window("2007/2023", approximate=3) == (2007, 2023)  # an interval is not widened
    with pytest.raises(ValueError):
        year_window("2011~", approximate=-1)


@pytest.mark.parametrize("value, fragment", [
    ("2023/2007", "end is before its start"), ("../..", "no known side"), ("2007-2023", "is not a date"),
    ("19/07/2019", "is not a date"), ("2013-14/2015", "no month 14"), ("2011-02-30?", "not a calendar date"),
    ("2999~", "outside"), ("2011~?", "is not a date"), ("2007/2008/2009", "one '/'"),
])
def test_malformed_dates_are_named(value, fragment):
    message = date_problem(value, min_year=1800, max_year=2036)
    assert message is not None and fragment in message and value in message
    if fragment != "outside":  # the year range is the validator's; year_window reads any four-digit year
        with pytest.raises(ValueError):
            year_window(value)


def test_plain_and_uncertain_are_told_apart():
    assert not is_uncertain("2012-11") and not is_uncertain("")
    assert is_uncertain("2007/2023") and is_uncertain("2011~")
    assert parse_date("2011?").qualifier == "?"
    assert parse_date("") is None


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]"])
def test_a_column_of_dates_is_told_apart_as_each_date_is(dtype):
    values = ["2012", "", None, "2007/2023", "2011~", "2012", None, " "]
    column = pd.Series(values, dtype=dtype)
    assert uncertain_dates(column).tolist() == [is_uncertain(v) for v in values]
    assert uncertain_dates(column, undated=True).tolist() == [False, True, True, True, True, False, True, False]
    assert uncertain_dates(column.iloc[:0]).tolist() == []


def test_end_is_compared_with_what_an_uncertain_start_allows():
    assert end_before_start("2007/2023", "2006")
    assert not end_before_start("2007/2023", "2007-12")  # inside the window: possible
    assert not end_before_start("../2008", "1990")  # an open start may be as early as wanted
    assert not end_before_start("2011~", "2009")  # within the approximate slack
    assert end_before_start("2011~", "2008")


def _bundle_with(tmp_path, **starts):
    rows = base_rows()
    for act in rows["activities"]:
        act.update(starts.get(act["activity_id"], {}))
    return load_bundle(write_bundle(tmp_path / "b", rows))


def test_uncertain_dates_load_with_their_window_and_no_single_year(tmp_path):
    acts = _bundle_with(tmp_path, a2={"start": "2011/2013", "until": ""}, a4={"start": "2014~"}).activities
    acts = acts.set_index("activity_id")
    assert acts.at["a2", "start"] == "2011/2013"  # kept as coded
    assert acts.at["a2", "start_precision"] == "uncertain" and acts.at["a4", "start_precision"] == "uncertain"
    assert acts["start_year"].isna().tolist() == [False, True, False, True]
    assert (acts.at["a2", "start_earliest"], acts.at["a2", "start_latest"]) == (2011, 2013)
    assert (acts.at["a4", "start_earliest"], acts.at["a4", "start_latest"]) == (2013, 2015)
    assert (acts.at["a1", "start_earliest"], acts.at["a1", "start_latest"]) == (2010, 2010)


def test_yearly_counts_leave_uncertain_dates_out_like_undated_rows(tmp_path):
    acts = _bundle_with(tmp_path, a2={"start": "2011/2013", "until": ""}).activities
    events = expand_activities(acts, end_year=2016)
    assert "a2" not in set(events["activity_id"])
    assert events.attrs["undated"] == ["a2"]


def test_uncertain_tie_date_opens_no_window(tmp_path):
    rows = base_rows()
    rows["ties"][0]["signed"] = "2008/2010"
    ties = load_bundle(write_bundle(tmp_path / "b", rows)).ties
    assert ties["signed_year"].isna().all() and ties.at[0, "signed_earliest"] == 2008


def test_an_end_certainly_before_an_uncertain_start_is_refused(tmp_path):
    rows = base_rows()
    rows["activities"][2].update(start="2014/2016", end="2013-05-04")
    with pytest.raises(ValidationError) as info:
        load_bundle(write_bundle(tmp_path / "b", rows))
    assert any(p.line == 4 and p.column == "end" and "earliest start" in p.message for p in info.value.problems)
    rows["activities"][2].update(start="2012/2016", end="2013-05-04")  # possible: accepted
    load_bundle(write_bundle(tmp_path / "c", rows))


def test_one_of_a_set_is_one_unknown_date_within_its_bounds():
    """EDTF level 2 '[2008..2023]': one date, one of 2008..2023 (seed 004's 'kemudian': after 2007)."""
    parsed = parse_date("[2008..2023]")
    assert parsed.kind == "one_of" and (parsed.lower, parsed.upper) == ("2008", "2023")
    assert year_window("[2008..2023]") == (2008, 2023) and is_uncertain("[2008..2023]")
    assert "before its first" in date_problem("[2023..2008]", min_year=1800, max_year=2036)
    assert "no month 13" in date_problem("[2008-13..2009]", min_year=1800, max_year=2036)
    assert date_problem("[2008..2009..2010]", min_year=1800, max_year=2036) is not None
