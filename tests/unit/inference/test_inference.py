"""Inference on the coded activity: exact composition tests, share intervals, the sensitivity grid."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import studylib as sl
from bundles import _act, base_rows, expansion_only_activities, write_bundle
from studylib import inference


def _acts(rows: list[tuple]) -> pd.DataFrame:
    """Activities with just the columns the composition functions read: (tie, sector, stage, start_year)."""
    return pd.DataFrame(rows, columns=["tie_id", "sector", "stage", "start_year"]).assign(
        activity_id=lambda d: [f"x{i}" for i in range(len(d))])


def _expansion_only_bundle(folder):
    """A tie whose yearly trend exists only because two annual programmes are expanded to end_year."""
    rows = base_rows()
    rows["ties"][0]["signed"] = "2000"
    rows["activities"] = expansion_only_activities()
    return write_bundle(folder, rows)


# --- composition ----------------------------------------------------------------------------------------------

def test_composition_test_counts_implemented_non_general_activities_dated_or_not():
    acts = _acts([
        ("t1", "culture", "implemented", 2001), ("t1", "culture", "implemented", None), ("t1", "education", "implemented", None),
        ("t1", "general", "implemented", 2000), ("t1", "economy", "planned", 2020),
        ("t2", "education", "implemented", 2003), ("t2", "education", "implemented", None), ("t2", "economy", "implemented", None),
        ("t3", "culture", "implemented", 2005),  # a tie not compared
    ])
    result = sl.composition_test(acts[acts["tie_id"].isin(["t1", "t2"])])
    assert result.n_activities == 6  # 3 + 3: general, planned and the other tie left out; undated rows in
    assert result.table.loc["t1"].to_dict() == {"culture": 2, "economy": 0, "education": 1}
    assert "exact" in result.method
    row = result.to_frame().iloc[0]
    assert {"method", "statistic", "p_value", "n_activities", "seed", "resamples"} <= set(row.index)
    assert row["n_activities"] == 6


def _brute_force_p(table: np.ndarray) -> float:
    """Fisher–Freeman–Halton p by listing every table with the margins (slow, independent of the library)."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = table.sum()

    def prob(t):
        return math.exp(sum(math.lgamma(x + 1) for x in (*rows, *cols)) - math.lgamma(n + 1)
                        - sum(math.lgamma(x + 1) for x in t.ravel()))

    p_obs, total = prob(table), 0.0
    r, c = table.shape
    for cells in itertools.product(range(n + 1), repeat=(r - 1) * (c - 1)):
        t = np.zeros((r, c), dtype=int)
        t[: r - 1, : c - 1] = np.array(cells).reshape(r - 1, c - 1)
        t[: r - 1, c - 1] = rows[: r - 1] - t[: r - 1, : c - 1].sum(axis=1)
        t[r - 1] = cols - t[: r - 1].sum(axis=0)
        if (t < 0).any():
            continue
        if prob(t) <= p_obs * (1 + 1e-7):
            total += prob(t)
    return total


def test_exact_test_matches_fisher_for_2x2_and_enumeration_for_rxc():
    two = np.array([[5, 3], [1, 6]])
    assert inference._exact_rxc(two, limit=10**6) == pytest.approx(stats.fisher_exact(two).pvalue)
    three = np.array([[4, 3, 3], [3, 1, 5]])
    assert inference._exact_rxc(three, limit=10**6) == pytest.approx(_brute_force_p(three))


def test_large_tables_use_a_seeded_recorded_permutation_test():
    rng = np.random.default_rng(1)
    rows = [(f"t{rng.integers(3)}", ["culture", "education", "economy"][rng.integers(3)], "implemented", None)
            for _ in range(60)]
    acts = _acts(rows)
    first = sl.composition_test(acts, exact_limit=10, seed=7, resamples=500)
    again = sl.composition_test(acts, exact_limit=10, seed=7, resamples=500)
    assert "permutation" in first.method and first.seed == 7 and first.resamples == 500
    assert first.p_value == again.p_value  # the seed makes it reproducible
    assert 0 < first.p_value <= 1
    assert first.statistic == pytest.approx(stats.chi2_contingency(first.table.to_numpy(), correction=False)[0])
    assert pd.notna(first.to_frame().loc[0, "seed"])


def test_a_table_with_one_group_is_not_tested_and_says_why():
    result = sl.composition_test(_acts([("t1", "culture", "implemented", None), ("t1", "education", "implemented", None)]))
    assert not result.run and math.isnan(result.p_value) and "group" in result.reason


def test_share_intervals_are_jeffreys_and_list_zero_shares():
    acts = _acts([("t1", "culture", "implemented", None)] * 3 + [("t2", "education", "implemented", None)])
    shares = sl.share_intervals(acts).set_index(["tie_id", "sector"])
    assert shares.loc[("t1", "education"), "activities"] == 0
    assert shares.loc[("t1", "culture"), "share"] == 1.0
    low = stats.beta.ppf(0.025, 3.5, 0.5)
    assert shares.loc[("t1", "culture"), "conf_low"] == pytest.approx(low)
    assert shares.loc[("t1", "culture"), "conf_high"] == 1.0
    assert shares.loc[("t1", "education"), "conf_low"] == 0.0
    assert shares.loc[("t1", "education"), "conf_high"] == pytest.approx(stats.beta.ppf(0.975, 0.5, 3.5))


def test_composition_is_generic_over_the_column():
    acts = _acts([("t1", "culture", "implemented", None)] * 2).assign(actor_type=["school", "ngo"])
    assert list(sl.composition_table(acts, by="actor_type").columns) == ["ngo", "school"]
    with pytest.raises(ValueError, match="actor_type"):
        sl.composition_table(acts.drop(columns="actor_type"), by="actor_type")


def test_even_split_and_contrast_tests_are_exact():
    assert sl.even_split_test([3, 0, 0, 0]) == pytest.approx(4 / 64)  # the four one-axis tables, each (1/4)^3
    assert sl.even_split_test([1, 1, 1, 1]) == pytest.approx(1.0)
    assert math.isnan(sl.even_split_test([0, 0, 0, 0]))
    counts = pd.Series({"industry": 3, "data": 1, "culture": 0})
    pooled = sl.contrast_test(counts, first=["culture", "inclusion"], second=["industry", "data"])
    unpooled = sl.contrast_test(counts, first=["culture", "inclusion"], second=["industry"])
    assert (pooled["n"], unpooled["n"]) == (4, 3)
    assert pooled["p_value"] == pytest.approx(stats.binomtest(0, 4, 0.5).pvalue)
    assert pooled["share_first"] == 0 and pooled["conf_high"] < 1


def test_frame_origin_names_rows_that_set_their_own_axis():
    acts = pd.DataFrame({"axis": ["industry", "", None]})
    assert list(sl.frame_origin(acts)) == ["row", "sector mapping", "sector mapping"]


# --- sensitivity ----------------------------------------------------------------------------------------------

def test_a_trend_that_exists_only_under_annual_expansion_is_not_robust(tmp_path):
    b = sl.load_bundle(_expansion_only_bundle(tmp_path / "b"))
    variants = sl.assumption_variants(b.activities, end_year=2023, expand_annual=True, imputations=2)
    names = [v.name for v in variants]
    assert names[1] == "annual expansion off" and "end_year = 2012" in names  # the last reported event
    assert sum("undated placed" in n for n in names) == 2
    grid = sl.sensitivity_grid(b.activities, {"trend": sl.trend_quantity("alpha-beta", ties=b.ties)}, variants,
                               ties=b.ties)
    assert list(grid.columns[:8]) == ["quantity", "variant", "estimate", "conf_low", "conf_high", "p_value",
                                      "conclusion", "robust"]
    main, off = grid.iloc[0], grid.set_index("variant").loc["annual expansion off"]
    assert main["estimate"] > 1 and main["p_value"] < 0.05  # a 'significant' trend with expansion...
    assert off["p_value"] >= 0.05  # ...and none without it
    assert not grid["robust"].any()
    assert grid.duplicated(["quantity", "variant"]).sum() == 0


def test_robust_only_when_every_variant_agrees():
    table = pd.DataFrame({"quantity": ["a", "a", "b", "b", "c"], "variant": ["x", "y", "x", "y", "x"],
                          "conclusion": ["above 1", "above 1", "above 1", "not significant at 5%", "not estimated"]})
    marked = sl.mark_robust(table).set_index(["quantity", "variant"])["robust"]
    assert marked.loc["a"].all() and not marked.loc["b"].any() and not marked.loc["c"].any()


def test_imputation_is_seeded_and_stays_in_the_window(tmp_path):
    b = sl.load_bundle(_expansion_only_bundle(tmp_path / "b"))
    window = sl.possible_years(b.activities, ties=b.ties, end_year=2023).set_index("activity_id")
    assert tuple(window.loc["a5"]) == (2000, 2023) and tuple(window.loc["a2"]) == (2010, 2010)
    one = sl.impute_undated(b.activities, ties=b.ties, end_year=2023, seed=3)
    two = sl.impute_undated(b.activities, ties=b.ties, end_year=2023, seed=3)
    year = one.set_index("activity_id").loc["a5", "start_year"]
    assert year == two.set_index("activity_id").loc["a5", "start_year"] and 2000 <= year <= 2023
    assert one.set_index("activity_id").loc["a5", "start_precision"] == "imputed"
    assert b.activities.set_index("activity_id").loc["a5", "start"] == ""  # the input is not changed
    pd.testing.assert_series_equal(one["start_year"].drop(index=one.index[one["activity_id"] == "a5"]),
                                   b.activities["start_year"].drop(index=one.index[one["activity_id"] == "a5"]))


def test_model_units_separates_cells_events_and_activities(tmp_path):
    b = sl.load_bundle(_expansion_only_bundle(tmp_path / "b"))
    events = sl.expand_activities(b.activities, end_year=2023)
    panel = sl.activity_panel(events, by=["tie_id"], end_year=2023, ties=b.ties)
    units = sl.model_units(events, panel, activities=b.activities).iloc[0]
    assert units["cells"] == 24 and units["activities"] == 4 and units["undated_left_out"] == 1
    assert units["reported_events"] == 4 and units["expanded_events"] == units["events"] - 4


def test_an_uncertainly_dated_activity_is_imputed_only_within_its_coded_window(tmp_path):
    rows = base_rows()
    rows["ties"][0]["signed"] = "2000"
    rows["activities"] = [
        _act("a1", "Agreement", "general", "agreement", "2000", direction="mutual"),
        _act("a2", "Visits, started 'later' than 2007", "education", "exchange_programme", "2007/2012"),
        _act("a3", "Before 2004", "culture", "festival", "../2004"),
        _act("a4", "About 2015", "culture", "festival", "2015~"),
    ]
    b = sl.load_bundle(write_bundle(tmp_path / "b", rows))
    window = sl.possible_years(b.activities, ties=b.ties, end_year=2023).set_index("activity_id")
    assert tuple(window.loc["a2"]) == (2007, 2012)  # the interval coded, not the whole tie window
    assert tuple(window.loc["a3"]) == (2000, 2004)  # open start: from the signing year
    assert tuple(window.loc["a4"]) == (2014, 2016)  # approximate: a year either side
    for seed in range(20):
        years = sl.impute_undated(b.activities, ties=b.ties, end_year=2023, seed=seed).set_index("activity_id")
        assert 2007 <= years.at["a2", "start_year"] <= 2012 and 2000 <= years.at["a3", "start_year"] <= 2004
