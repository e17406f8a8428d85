"""The multiverse (#25): annual expansion off by default, factors crossed, batched fits equal to statsmodels',
window metrics equal to the one-at-a-time path, one definition of robust, variant folders that load."""

from __future__ import annotations

import pandas as pd
import pytest

import studylib as sl
from studylib.report.parameters import notebook_parameters

REPORTS = ["pair_profile", "compare_pairs", "seoul_tokyo_culture"]


# --- 1: annual expansion is a factor, never the headline ---------------------------------------------------------

@pytest.mark.parametrize("notebook", REPORTS)
def test_annual_expansion_is_off_by_default_in_every_report(notebook):
    spec = notebook_parameters(notebook)
    assert spec["expand_annual"]["default"] == "False"


def test_a_run_without_the_parameter_does_not_expand(tmp_path):
    from studylib.report.study import StudyRun

    b = sl.load_bundle()
    run = StudyRun("pair_profile", {"end_year": 2023}, b, tmp_path)
    events = run.events()
    assert not events["expanded"].any()
    assert "switched off" in run.method_section()
    on = StudyRun("pair_profile", {"end_year": 2023, "expand_annual": True}, b, tmp_path).events()
    assert on["expanded"].any() and len(on) > len(events)


def test_the_sensitivity_grid_starts_from_expansion_off():
    b = sl.load_bundle()
    variants = sl.assumption_variants(b.activities, end_year=2023)
    assert variants[0].expand_annual is False and variants[1].name == "annual expansion on"


# --- 2/3: the engine ---------------------------------------------------------------------------------------------

import re  # noqa: E402
import shutil  # noqa: E402

import numpy as np  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from bundles import _act, base_rows, expansion_only_activities, write_bundle  # noqa: E402

from studylib.inference.multiverse import (ROBUST_DEFINITION, batched_poisson_trend, multiverse,  # noqa: E402
                                           robustness, sensitivity_from_multiverse, shipped_variants,
                                           variants_touching)
from studylib.paths import DATA_DIR  # noqa: E402


def _bundle(folder, activities, signed="2000"):
    rows = base_rows()
    rows["ties"][0]["signed"] = signed
    rows["activities"] = activities
    for a in rows["activities"]:
        a.setdefault("stage", "implemented")
    return sl.load_bundle(write_bundle(folder, rows))


def _sign_change(folder):
    """A tie whose trend is down without annual expansion and flat or up with it, never significant."""
    return _bundle(folder, [
        _act("a1", "Agreement", "general", "agreement", "2000", direction="mutual"),
        _act("a2", "Festival", "culture", "festival", "2004"),
        _act("a3", "Visit", "culture", "delegation", "2006", direction="b_to_a"),
        _act("a4", "Teachers", "education", "exchange_programme", "2012", recurrence="annual", until="2016"),
        _act("a5", "Film", "culture", "festival", "2021")])


def test_batched_poisson_equals_statsmodels():
    rng = np.random.default_rng(4)
    years = np.arange(1994, 2024)
    Y = rng.poisson(np.exp(0.03 * (years - 2000))[None, :] * rng.uniform(0.3, 3, (40, 1))).astype(float)
    Y[:20, -5:] = np.nan  # a shorter window for half the rows
    Y[5, :10] = np.nan
    fit = batched_poisson_trend(Y, years, dispersion_threshold=None)
    scaled = batched_poisson_trend(Y, years, dispersion_threshold=0.0)  # always quasi-Poisson
    for i, row in enumerate(Y):
        keep = ~np.isnan(row)
        X = sm.add_constant(years[keep] - years[keep].min())
        ref = sm.GLM(row[keep], X, family=sm.families.Poisson()).fit(tol=1e-14)
        assert fit["slope"][i] == pytest.approx(ref.params[1], abs=1e-8)
        assert fit["se"][i] == pytest.approx(ref.bse[1], rel=1e-6)
        assert fit["p_value"][i] == pytest.approx(ref.pvalues[1], rel=1e-5, abs=1e-10)
        quasi = sm.GLM(row[keep], X, family=sm.families.Poisson()).fit(tol=1e-14, scale="X2")
        assert scaled["se"][i] == pytest.approx(quasi.bse[1], rel=1e-6)


def test_batched_poisson_leaves_rows_it_cannot_fit_empty():
    years = np.arange(2000, 2010)
    Y = np.zeros((3, 10))
    Y[1, 9] = 3  # every event in one year: no trend to fit
    Y[2, [1, 5]] = 1
    fit = batched_poisson_trend(Y, years)
    assert np.isnan(fit["irr"][:2]).all() and np.isfinite(fit["irr"][2])


def test_factors_are_crossed_and_the_main_analysis_comes_first(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    alt = b.activities.assign(direction=b.activities["direction"].astype(str).replace({"b_to_a": "mutual"}))
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=7, codings={"alt": alt})
    assert len(mv) == 2 * 2 * (1 + 7) * 2
    combos = mv.specs.groupby(["expansion", "window", "undated", "coding"]).size()
    assert len(combos) == 16 and set(combos.to_numpy()) == {1, 7}
    main = mv.specs.iloc[0]
    assert (main["expansion"], main["window"], main["undated"], main["coding"]) == ("off", "to 2023", "left out",
                                                                                   "study data")
    assert set(mv.specs["window"]) == {"to 2023", "to 2018"}


def test_every_specification_equals_the_one_at_a_time_path(tmp_path):
    b = _bundle(tmp_path / "b", [*expansion_only_activities(),
                                 _act("a6", "Open programme", "culture", "festival", "", recurrence="annual",
                                      participants="12")])
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=5)
    v = mv.values()
    for spec_id in v["spec_id"]:
        acts, settings = mv.spec_activities(spec_id)
        ev = sl.expand_activities(acts, **settings)
        m = sl.compare_metrics(ev, acts, ties=b.ties, tie_ids=["alpha-beta"], end_year=settings["end_year"]).iloc[0]
        row = v.iloc[spec_id]
        for q in ["events", "activities", "rate_per_year", "continuity", "longest_gap", "evenness", "hhi", "balance",
                  "share_a_to_b", "share_b_to_a", "share_mutual"]:
            assert row[q] == pytest.approx(m[q], nan_ok=True), (spec_id, q)
        assert row["participants"] == ev["participants"].dropna().sum()
        panel = sl.activity_panel(ev, by=["tie_id"], end_year=settings["end_year"], ties=b.ties)
        X = sm.add_constant(panel["year"] - panel["year"].min())
        ref = sm.GLM(panel["activities"].astype(float), X, family=sm.families.Poisson()).fit(tol=1e-14)
        assert np.log(row["trend"]) == pytest.approx(ref.params.iloc[1], abs=1e-8), spec_id


def test_placements_are_seeded_and_within_the_possible_window(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    one = multiverse("alpha-beta", bundle=b, end_year=2023, draws=10, seed=3).values()
    two = multiverse("alpha-beta", bundle=b, end_year=2023, draws=10, seed=3).values()
    pd.testing.assert_frame_equal(one, two)
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=10, seed=3)
    for spec_id in mv.specs.index[mv.specs["undated"] == "placed"]:
        acts, settings = mv.spec_activities(spec_id)
        year = acts.set_index("activity_id").at["a5", "start_year"]
        assert 2000 <= year <= settings["end_year"]


# --- 5: one definition of robust ---------------------------------------------------------------------------------

def test_a_trend_that_changes_direction_is_not_robust_and_names_its_factor(tmp_path):
    mv = multiverse("alpha-beta", bundle=_sign_change(tmp_path / "b"), end_year=2023, draws=0)
    r = robustness(mv.table()).set_index("quantity")
    v = mv.values()
    assert (v["trend_p"] >= 0.05).all()  # never significant...
    assert (v["trend"] < 0.99).any() and (v["trend"] >= 0.99).any()  # ...but the direction changes
    assert not r.at["trend", "robust"]
    assert "direction changes" in r.at["trend", "reason"] and r.at["trend", "depends_on"] == "annual expansion"
    sens = sensitivity_from_multiverse(mv, robustness(mv.table()))
    assert not sens.loc[sens["quantity"] == "trend", "robust"].any()


def test_a_trend_only_under_annual_expansion_is_not_robust(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=20)
    v, r = mv.values(), robustness(mv.table()).set_index("quantity")
    assert (v.loc[v["expansion"] == "on", "trend_p"] < 0.05).any() and (v.loc[v["expansion"] == "off", "trend_p"] >= 0.05).all()
    assert not r.at["trend", "robust"] and "annual expansion" in r.at["trend", "reason"]
    assert 0 < r.at["trend", "share_significant"] < 1


def test_a_null_result_is_never_called_robust():
    table = pd.DataFrame({"spec_id": range(4), "expansion": ["off", "off", "on", "on"], "window": "to 2023",
                          "undated": "left out", "coding": "study data", "draw": -1, "quantity": "trend",
                          "estimate": [1.2, 1.3, 1.25, 1.4], "conf_low": np.nan, "conf_high": np.nan,
                          "p_value": [0.3, 0.4, 0.2, 0.5]})
    r = robustness(table).iloc[0]
    assert not r["robust"] and r["reason"].startswith("no difference shown in 4 of 4 specifications")
    table["p_value"] = 0.01
    r = robustness(table).iloc[0]
    assert r["robust"] and r["share_significant"] == 1 and r["share_same_direction"] == 1
    table.loc[3, "p_value"] = 0.2  # the verdict changes: not robust
    assert not robustness(table).iloc[0]["robust"]


def test_a_negligible_wobble_does_not_break_robustness_but_a_real_change_does():
    def table(q, values):
        return pd.DataFrame({"spec_id": range(len(values)), "expansion": ["off", "on"] * (len(values) // 2),
                             "window": "to 2023", "undated": "left out", "coding": "study data", "draw": -1,
                             "quantity": q, "estimate": values, "conf_low": np.nan, "conf_high": np.nan,
                             "p_value": np.nan})
    assert robustness(table("balance", [0.0, -0.034, 0.05, 0.0])).iloc[0]["robust"]  # even everywhere
    assert not robustness(table("balance", [0.889, 0.0, 0.9, 0.0])).iloc[0]["robust"]
    assert robustness(table("continuity", [0.6, 0.65, 0.55, 0.6])).iloc[0]["robust"]
    r = robustness(table("continuity", [0.1, 0.6, 0.1, 0.6])).iloc[0]
    assert not r["robust"] and r["depends_on"] == "annual expansion"


def test_sensitivity_agrees_with_robustness_and_the_definition_is_printed(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=10)
    r = robustness(mv.table())
    sens = sensitivity_from_multiverse(mv, r, quantities=("trend", "balance", "continuity"))
    verdict = r.set_index("quantity")["robust"]
    assert (sens["robust"] == sens["quantity"].map(verdict)).all()
    assert {"annual expansion on", "window to 2018"} <= set(sens["variant"])
    assert "never robust" in ROBUST_DEFINITION and "no difference shown in N of N" in ROBUST_DEFINITION


# --- 2: the shipped coding variants ------------------------------------------------------------------------------

def test_every_shipped_variant_loads_cites_the_log_and_varies_only_its_columns():
    base = pd.read_csv(DATA_DIR / "activities.csv", dtype=str, keep_default_na=False).set_index("activity_id")
    folders = shipped_variants()
    names = {f.name for f in folders}
    assert {"reciprocity-collapsed", "direction-none-dropped", "mg-010-off-tie", "agreed-as-implemented",
            "gangnam-axis-overrides-off", "sb-005-counted"} <= names
    for folder in folders:
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert "CODING_LOG.md" in readme
        varied = {c.strip() for c in re.search(r"Columns varied: (.+)", readme).group(1).split(",")}
        sl.load_bundle(DATA_DIR, folder)  # valid as a layered folder
        rows = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False).set_index("activity_id")
        assert (rows["override"] == "yes").all()
        for aid, row in rows.drop(columns="override").iterrows():
            if aid in base.index:
                differ = {c for c in row.index if row[c] != base.at[aid, c]}
                assert differ <= varied, (folder.name, aid, differ - varied)


def test_the_sb005_variant_means_the_same_with_or_without_sb005_in_the_study_data(tmp_path):
    folder = DATA_DIR / "variants" / "sb-005-counted"
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("variants", "reliability", "external"))
    acts = pd.read_csv(data / "activities.csv", dtype=str, keep_default_na=False)
    acts[acts["activity_id"] != "sb-005"].to_csv(data / "activities.csv", index=False)
    without = sl.load_bundle(data, folder).activities.set_index("activity_id")
    with_it = sl.load_bundle(DATA_DIR, folder).activities.set_index("activity_id")
    assert without.at["sb-005", "stage"] == with_it.at["sb-005", "stage"] == "implemented"


def test_a_report_gets_the_variants_that_touch_its_ties():
    names = {f.name for f in variants_touching(["surabaya-busan"])}
    assert {"reciprocity-collapsed", "direction-none-dropped", "sb-005-counted"} <= names
    assert not names & {"mg-010-off-tie", "agreed-as-implemented", "gangnam-axis-overrides-off"}
    assert "mg-010-off-tie" in {f.name for f in variants_touching(["medan-gwangju"])}


def test_the_study_tie_has_hundreds_of_specifications_and_a_spec_curve(tmp_path):
    b = sl.load_bundle()
    codings = {n: x.activities for n, x in sl.variant_bundles(variants_touching(["surabaya-busan"])).items()}
    mv = multiverse("surabaya-busan", bundle=b, end_year=2023, codings=codings)
    r = robustness(mv.table()).set_index("quantity")
    assert (r["n_specifications"] >= 200).all()
    assert {"trend", "rate_per_year", "continuity", "hhi", "balance"} <= set(r.index)
    assert r.at["trend", "estimate_main"] == pytest.approx(0.971, abs=5e-4)  # the referee's IRR without expansion
    ax = sl.charts.specification_curve(mv.table(), quantity="trend", null=1, log=True)
    assert len(ax.figure.axes) == 2 and ax.figure.caption


def test_a_test_with_no_direction_is_judged_by_its_verdict_alone():
    table = pd.DataFrame({"spec_id": range(3), "expansion": ["off", "on", "off"], "window": "to 2023",
                          "undated": "left out", "coding": "study data", "draw": -1,
                          "quantity": "sector interaction (LR test)", "estimate": [0.0, 0.4, 2.0], "conf_low": np.nan,
                          "conf_high": np.nan, "p_value": [0.9, 0.8, 0.3]})
    r = robustness(table).iloc[0]
    assert not r["robust"] and r["reason"].startswith("no difference shown in 3 of 3")
    table.loc[1, "p_value"] = 0.01
    r = robustness(table).iloc[0]
    assert not r["robust"] and r["depends_on"] == "annual expansion"


# --- 3: exact tests fast enough for the multiverse ----------------------------------------------------------------

def test_the_network_algorithm_gives_agrestis_job_satisfaction_p_in_seconds():
    import time

    from studylib.inference.exact_tests import _exact_rxc, _network_rxc

    agresti = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]])  # n = 96
    start = time.perf_counter()
    p = _network_rxc(agresti)
    assert p == pytest.approx(0.78268, abs=5e-6)  # R's fisher.test: 0.7827
    assert time.perf_counter() - start < 30  # the full enumeration takes minutes
    rng = np.random.default_rng(2)
    for _ in range(25):
        table = rng.integers(0, 5, (int(rng.integers(2, 4)), int(rng.integers(2, 5))))
        if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
            continue
        assert _network_rxc(table) == pytest.approx(_exact_rxc(table, limit=10**7), abs=1e-8)


def test_above_the_stated_size_the_p_value_is_seeded_monte_carlo_with_its_error():
    acts = pd.DataFrame({"tie_id": ["a"] * 6 + ["b"] * 6, "sector": ["culture", "education"] * 6,
                         "stage": "implemented"})
    exact = sl.composition_test(acts)
    assert "exact" in exact.method and np.isnan(exact.p_value_se)
    mc = sl.composition_test(acts, exact_limit=5, seed=3, resamples=400)
    assert "permutation" in mc.method and mc.p_value_se == pytest.approx(np.sqrt(mc.p_value * (1 - mc.p_value) / 400))
    assert "p_value_se" in mc.to_frame().columns


# --- 4: the specification curve -----------------------------------------------------------------------------------

def test_the_specification_curve_sorts_estimates_marks_factors_and_draws_into_a_given_axes(tmp_path):
    import matplotlib.pyplot as plt

    mv = multiverse("alpha-beta", bundle=_bundle(tmp_path / "b", expansion_only_activities()), end_year=2023, draws=3)
    table = mv.table()
    ax = sl.charts.specification_curve(table, quantity="trend", null=1.0, log=True, title="Trend")
    points = ax.lines[0].get_ydata()
    assert len(points) == len(mv) and (np.diff(points) >= 0).all()  # sorted
    below = ax.figure.axes[1]
    labels = [t.get_text() for t in below.get_yticklabels()]
    assert "expansion: off" in labels and "undated: placed" in labels
    assert "95% interval" in ax.figure.caption
    plt.close(ax.figure)
    fig, (left, right) = plt.subplots(1, 2)
    out = sl.charts.specification_curve(table, quantity="balance", null=0.0, ax=right, title="Balance")
    assert out is right and right.get_title(loc="left") == "Balance" and not left.has_data()
    plt.close(fig)
    empty = sl.charts.specification_curve(table.iloc[0:0], quantity="trend")
    assert any(t.get_text().startswith("No ") for t in empty.texts)
    plt.close(empty.figure)


# --- a later window start (pair_profile's start_year, #30) -------------------------------------------------------

def test_a_later_window_start_is_the_one_at_a_time_path_with_the_same_start(tmp_path):
    """Every specification with start_year = 2011 (a tie signed 2000) equals compare_metrics and the Poisson trend
    on the panel from 2011, as pair_profile computes them; the agreement of 2000 and the 2001 festival are out."""
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, start_year=2011, draws=5)
    v = mv.values()
    assert (v.loc[v["window"] == "to 2023", "years_in_window"] == 13).all()  # 2011-2023
    for spec_id in v["spec_id"]:
        acts, settings = mv.spec_activities(spec_id)
        ev = sl.expand_activities(acts, **settings)
        ev = ev[ev["year"] >= 2011]
        m = sl.compare_metrics(ev, acts, ties=b.ties, tie_ids=["alpha-beta"], end_year=settings["end_year"],
                               start_year=2011).iloc[0]
        row = v.iloc[spec_id]
        for q in ["events", "activities", "years_in_window", "rate_per_year", "continuity", "longest_gap", "hhi",
                  "balance"]:
            assert row[q] == pytest.approx(m[q], nan_ok=True), (spec_id, q)
        panel = sl.activity_panel(ev, by=["tie_id"], end_year=settings["end_year"], ties=b.ties)
        panel = panel[panel["year"] >= 2011]
        if m["events"] < 2 or m["years_with_activity"] < 2:  # no trend to fit (batched_poisson_trend's rule)
            assert np.isnan(row["trend"]), spec_id
            continue
        X = sm.add_constant(panel["year"] - panel["year"].min())
        ref = sm.GLM(panel["activities"].astype(float), X, family=sm.families.Poisson()).fit(tol=1e-14)
        assert np.log(row["trend"]) == pytest.approx(ref.params.iloc[1], abs=1e-6), spec_id
    assert v["trend"].notna().any()  # some specifications do fit a trend from 2011
