"""Composition of coded activities by a category (actor type by default) within each tie."""

from __future__ import annotations

import pandas as pd
import pytest

from bundles import base_rows, write_bundle
from studylib import ParameterError, load_bundle, load_codebook
from studylib.analysis.compose import composition


@pytest.fixture
def acts(tmp_path):
    rows = base_rows()
    kinds = {"a1": ("government", "implemented", "2010"), "a2": ("school", "implemented", ""),
             "a3": ("government", "implemented", "2013/2015"), "a4": ("firm", "planned", "2014")}
    for act in rows["activities"]:
        act["actor_type"], act["stage"], act["start"] = kinds[act["activity_id"]]
        act["end"] = ""
    return load_bundle(write_bundle(tmp_path / "b", rows)).activities


def test_counts_activities_incl_undated_with_every_category(acts):
    out = composition(acts)
    assert list(out.columns) == ["tie_id", "actor_type", "activities", "share", "undated"]
    assert list(out["actor_type"]) == load_codebook().vocabulary("actor_type")  # absent types show as 0
    got = out.set_index("actor_type")
    assert got.at["government", "activities"] == 2 and got.at["school", "activities"] == 1
    assert got.at["firm", "activities"] == 0  # planned: not counted by default
    assert got.at["government", "undated"] == 1 and got.at["school", "undated"] == 1  # uncertain and empty dates
    assert got["share"].sum() == pytest.approx(1.0)
    assert got.at["government", "share"] == pytest.approx(2 / 3)
    assert out.attrs["excluded"] == 1


def test_all_stages_and_another_column(acts):
    out = composition(acts, stages=None).set_index("actor_type")
    assert out.at["firm", "activities"] == 1 and out["activities"].sum() == 4
    by_sector = composition(acts, by="sector", within=None, stages=None)
    assert "tie_id" not in by_sector.columns and by_sector["activities"].sum() == 4
    assert by_sector.set_index("sector").at["education", "activities"] == 1


def test_groups_are_separate_and_rows_without_a_tie_left_out(acts):
    more = acts.copy()
    more["tie_id"] = ["alpha-beta", "alpha-beta", "gamma-delta", ""]
    more["stage"] = "implemented"
    out = composition(more)
    assert sorted(out["tie_id"].unique()) == ["alpha-beta", "gamma-delta"]
    per_tie = out.groupby("tie_id")["activities"].sum()
    assert per_tie.to_dict() == {"alpha-beta": 2, "gamma-delta": 1}
    assert out.groupby("tie_id")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_misuse_fails_loudly(acts):
    with pytest.raises(ParameterError):
        composition(acts, by="no_such_column")
    with pytest.raises(ParameterError):
        composition(acts, by="tie_id", within="tie_id")
    with pytest.raises(ParameterError):
        composition(acts, levels=["government"])  # a value outside the levels is not silently dropped


def test_no_rows_give_an_empty_table():
    frame = pd.DataFrame({"tie_id": pd.Series([], dtype=str), "actor_type": pd.Series([], dtype=str),
                          "start": pd.Series([], dtype=str)})
    out = composition(frame, levels=["government"])
    assert out.empty
