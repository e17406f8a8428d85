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
from bundles import _act, expansion_only_activities, two_tie_rows, write_bundle  # noqa: E402
from bundles import tie_bundle as _bundle  # noqa: E402

from studylib.inference.multiverse import (ROBUST_DEFINITION, batched_poisson_trend, multiverse,  # noqa: E402
                                           robustness, sensitivity_from_multiverse, shipped_variants,
                                           variants_touching)
from studylib.paths import DATA_DIR  # noqa: E402




def _sign_change(folder):
    """A tie whose trend is down without annual expansion and flat or up with it, never significant."""
    return _bundle(folder, [
        _act("a1", "Agreement", "general", "agreement", "2000", direction="mutual"),
        _act("a2", "Festival", "culture", "festival", "2004"),
        _act("a3", "Visit", "culture", "delegation", "2006", direction="b_to_a"),
        _act("a4", "Teachers", "education", "exchange_programme", "2012", recurrence="annual", until="2016"),
        _act("a5", "Film", "culture", "festival", "2021")])


def _assert_rows_equal_statsmodels(Y, fit, scaled, covariate):
    """Each row of ``Y`` fitted by statsmodels' Poisson GLM on ``covariate(keep)`` (its non-missing years): the
    batched slope, SE and p, and the quasi-Poisson SE of ``scaled``, agree."""
    for i, row in enumerate(Y):
        keep = ~np.isnan(row)
        X = sm.add_constant(covariate(keep))
        ref = sm.GLM(row[keep], X, family=sm.families.Poisson()).fit(tol=1e-14)
        assert fit["slope"][i] == pytest.approx(ref.params[1], abs=1e-8)
        assert fit["se"][i] == pytest.approx(ref.bse[1], rel=1e-6)
        assert fit["p_value"][i] == pytest.approx(ref.pvalues[1], rel=1e-5, abs=1e-10)
        quasi = sm.GLM(row[keep], X, family=sm.families.Poisson()).fit(tol=1e-14, scale="X2")
        assert scaled["se"][i] == pytest.approx(quasi.bse[1], rel=1e-6)


def test_batched_poisson_equals_statsmodels():
    rng = np.random.default_rng(4)
    years = np.arange(1994, 2024)
    Y = rng.poisson(np.exp(0.03 * (years - 2000))[None, :] * rng.uniform(0.3, 3, (40, 1))).astype(float)
    Y[:20, -5:] = np.nan  # a shorter window for half the rows
    Y[5, :10] = np.nan
    fit = batched_poisson_trend(Y, years, dispersion_threshold=None)
    scaled = batched_poisson_trend(Y, years, dispersion_threshold=0.0)  # always quasi-Poisson
    _assert_rows_equal_statsmodels(Y, fit, scaled, lambda keep: years[keep] - years[keep].min())


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


def test_sensitivity_variants_read_in_the_reports_language_and_write_the_same_csv(tmp_path):
    from studylib.i18n import using_language
    from studylib.report.outputs import write_table

    mv = multiverse("alpha-beta", bundle=_bundle(tmp_path / "b", expansion_only_activities()), end_year=2023, draws=5)
    tables = {}
    for lang in ("en", "id"):
        with using_language(lang):
            tables[lang] = sensitivity_from_multiverse(mv, robustness(mv.table()))
            write_table(tables[lang], tmp_path / f"{lang}.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()
    english, indonesian = list(tables["en"]["variant"]), list(tables["id"]["variant"])
    assert english[0] == "main analysis (expansion off, window to 2023, undated left out, study data)"
    assert "annual expansion on" in english and "window to 2018" in english
    assert any(v.startswith("undated placed in their window: median of 5 draws (2.5–97.5%: ") for v in english)
    assert indonesian[0].startswith("analisis utama (perluasan ") and "sampai 2023" in indonesian[0]
    assert "jendela sampai 2018" in indonesian
    assert not set(english) & set(indonesian)  # every variant is named in Indonesian


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

def test_the_network_algorithm_gives_agrestis_job_satisfaction_p():
    """Its speed against the full enumeration is ``benchmarks/run.py --only exact``'s (the enumeration of this table
    takes minutes)."""
    from studylib.inference.exact_tests import _exact_rxc, _network_rxc

    agresti = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]])  # n = 96
    p = _network_rxc(agresti)
    assert p == pytest.approx(0.78268, abs=5e-6)  # R's fisher.test: 0.7827
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


def test_a_dense_specification_curve_is_an_image_in_its_vector_files_and_the_same_png(tmp_path):
    """Thousands of specifications: the marks go into the SVG and PDF as one image (they were ~2 MB of vectors), the
    axes, labels and caption stay text; a curve of a few specifications stays all vectors."""
    import matplotlib.pyplot as plt

    from studylib.charts.multiverse import RASTERIZE_ABOVE

    def table(n):
        rng = np.random.default_rng(0)
        return pd.DataFrame({"spec_id": range(n), "quantity": "balance", "estimate": rng.normal(size=n),
                             "expansion": np.where(np.arange(n) % 2, "on", "off")})

    sizes = {}
    for n in (RASTERIZE_ABOVE, 6 * RASTERIZE_ABOVE):
        ax = sl.charts.specification_curve(table(n), quantity="balance", null=0.0)
        paths = sl.charts.save_figure(ax, tmp_path / f"curve{n}")
        plt.close(ax.figure)
        svg = paths[1].read_text(encoding="utf-8")
        sizes[n] = len(svg)
        dense = n > RASTERIZE_ABOVE
        assert ("<image" in svg) == dense, n
        assert "specifications, sorted by estimate" in svg or "specifications, sorted" in svg  # text stays text
        pdf = (tmp_path / "print" / f"curve{n}.pdf").read_bytes()
        assert (b"/Subtype /Image" in pdf) == dense, n
    assert sizes[6 * RASTERIZE_ABOVE] < 2 * sizes[RASTERIZE_ABOVE]  # the marks no longer grow the file


# --- the Gangnam claim goes through the multiverse (#25) ---------------------------------------------------------

def _axis_bundle(folder, rows):
    """An actor's own activities (no tie) with the columns the claim needs: stage and, where a row sets it, axis."""
    acts = []
    for aid, sector, start, locator, extra in rows:
        a = {**_act(aid, aid, sector, "forum", start, tie=""), "locator": locator, "stage": "implemented", "axis": ""}
        acts.append({**a, **extra})
    b = _bundle(folder, acts)
    return sl.add_frames(b.activities), b.ties


CLAIM_ROWS = [  # economy -> industry, culture -> culture, civic -> inclusion
    ("c1", "economy", "2010", "p. 1", {}), ("c2", "economy", "2012", "p. 2", {}), ("c3", "economy", "2015", "p. 3", {}),
    ("c4", "economy", "2021", "p. 4", {}), ("c5", "economy", "2016", "p. 5", {"recurrence": "annual"}),
    ("c6", "culture", "2011", "p. 6", {}), ("c7", "civic", "", "p. 7", {}),
    ("c8", "economy", "2014", "p. 1", {}),  # the same passage on the same axis as c1: one unit
]
POOLED = "culture + inclusion share vs industry + data"


def _one_at_a_time(acts, *, expansion, end, undated):
    """The claim's units under one specification, computed the ordinary way (no layout)."""
    acts = acts.copy()
    start = acts["start_year"].astype("Float64")
    if undated == "left out":
        acts = acts[start.notna()]
        start = start[start.notna()]
    acts = acts[start.isna() | (start <= end)]
    if expansion == "on":  # a unit counts once a year its annual programme runs (its rows' most years)
        ev = sl.expand_activities(acts[acts["start_year"].notna()], end_year=end, expand_annual=True)
        years = acts["activity_id"].map(ev["activity_id"].value_counts()).fillna(1)
        acts = acts.assign(_w=years.to_numpy())
        units = acts.groupby(["source_id", "locator", "axis"], observed=True)["_w"].max().reset_index()
        return units["axis"].astype(str).repeat(units["_w"].astype(int).to_numpy()).value_counts()
    units = acts.drop_duplicates(subset=["source_id", "locator", "axis"])
    return units["axis"].astype(str).value_counts()


def test_the_axis_claim_in_every_specification_equals_the_one_at_a_time_tests(tmp_path):
    coded, ties = _axis_bundle(tmp_path / "b", CLAIM_ROWS)
    table = sl.axis_claim_multiverse({"study data": coded}, end_year=2023, ties=ties, draws=5)
    assert set(table["quantity"]) == {POOLED, "culture + inclusion share vs industry",
                                      "even split over the four axes (distance)"}
    specs = table[table["quantity"] == POOLED]
    main = specs.iloc[0]
    assert (main["spec_id"], main["expansion"], main["window"], main["undated"]) == (0, "off", "to 2023", "counted")
    assert len(specs) == 2 * 2 * (1 + 1 + 5)  # expansion × window × (counted, left out, 5 placements)
    checked = 0
    for r in specs[specs["draw"] == -1].itertuples():
        end = int(r.window.split()[-1])
        counts = _one_at_a_time(coded, expansion=r.expansion, end=end, undated=r.undated)
        c = sl.contrast_test(counts, first=["culture", "inclusion"], second=["industry", "data"])
        assert (r.count_first, r.n_units) == (c["first"], c["n"]), r
        assert r.p_value == pytest.approx(c["p_value"], abs=1e-12) and r.conf_high == pytest.approx(c["conf_high"])
        even = table[(table["spec_id"] == r.spec_id) & (table["quantity"].str.startswith("even"))].iloc[0]
        four = [int(counts.get(a, 0)) for a in ("industry", "culture", "data", "inclusion")]
        assert even["p_value"] == pytest.approx(sl.even_split_test(four))
        checked += 1
    assert checked == 8
    assert main["n_units"] == 7 and main["n_activities"] == 8  # c1 and c8 are one passage


def test_the_axis_claim_that_rests_on_a_coding_is_not_robust_and_says_so_with_counts(tmp_path):
    coded, ties = _axis_bundle(tmp_path / "b", [(f"i{i}", "economy", str(2000 + i), f"p. {i}", {}) for i in range(12)]
                               + [("k1", "culture", "2005", "p. 20", {})])
    # the variant moves ten industry rows to the culture axis (as the Gangnam axis overrides do, the other way)
    variant = coded.copy()
    variant.loc[variant.index[:10], "axis"] = "culture"
    table = sl.axis_claim_multiverse({"study data": coded, "overrides off": variant}, end_year=2023, ties=ties,
                                     draws=0)
    r = sl.robustness(table).set_index("quantity")
    main = table[(table["spec_id"] == 0) & (table["quantity"] == POOLED)].iloc[0]
    assert main["p_value"] < 0.05 and main["estimate"] < 0.5  # 1 of 13: weaker in the main analysis
    assert not r.at[POOLED, "robust"] and r.at[POOLED, "depends_on"] == "coding variant"
    assert "direction changes" in r.at[POOLED, "reason"]
    assert "(study data: negative, significant; overrides off: positive, significant)" in r.at[POOLED, "reason"]


def test_the_axis_claim_rejects_misuse(tmp_path):
    coded, ties = _axis_bundle(tmp_path / "b", CLAIM_ROWS)
    with pytest.raises(ValueError, match="at least one coding"):
        sl.axis_claim_multiverse({}, end_year=2023)
    with pytest.raises(ValueError, match="not among the axes"):
        sl.axis_claim_multiverse({"x": coded}, end_year=2023, first=("sport",))
    with pytest.raises(ValueError, match="draws"):
        sl.axis_claim_multiverse({"x": coded}, end_year=2023, draws=-1)


def test_gangnam_axis_overrides_off_is_a_variant_of_the_actor_and_adds_no_row():
    b = sl.load_bundle()
    folders = sl.resolve_variants(["shipped"], [], base=b.activities, actors=["gangnam"])
    assert "gangnam-axis-overrides-off" in {f.name for f in folders}
    alt = sl.variant_bundles([f for f in folders if f.name == "gangnam-axis-overrides-off"])
    (vb,) = alt.values()
    assert set(vb.activities["activity_id"]) == set(b.activities["activity_id"])  # it changes rows, adds none
    with pytest.raises(TypeError):
        sl.variants_touching([], actors="gangnam")


# --- robustness.csv's reason gives counts, not rounded shares ----------------------------------------------------

def test_the_reason_counts_specifications_rather_than_rounding_shares():
    # expansion off: 2 of 402 specifications like the main analysis (significant, up); on: 201 of 201
    est = np.r_[np.full(402, 1.2), np.full(201, 1.2)]
    p = np.r_[[0.01, 0.01], np.full(400, 0.5), np.full(201, 0.01)]
    table = pd.DataFrame({"spec_id": range(603), "expansion": ["off"] * 402 + ["on"] * 201, "window": "to 2023",
                          "undated": "left out", "coding": "study data", "draw": -1, "quantity": "trend",
                          "estimate": est, "conf_low": np.nan, "conf_high": np.nan, "p_value": p})
    reason = robustness(table).iloc[0]["reason"]
    assert "off: 2 of 402" in reason and "on: 201 of 201" in reason, reason
    assert "0%" not in reason and "100%" not in reason


def test_the_reason_counts_on_a_small_bundle(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=20)
    r = robustness(mv.table()).set_index("quantity")
    fragile = r[~r["robust"] & r["reason"].str.contains("depends mostly")]
    assert len(fragile)
    for reason in fragile["reason"]:
        how = reason[reason.index("depends mostly"):]  # the band of a level rule may be a percentage; the split not
        assert re.search(r": \d+ of \d+", how) and not re.search(r"\d%", how), reason


# --- the tie × sector interaction, batched over the specifications (#25) -----------------------------------------

def _two_tie_bundle(folder):
    rows = two_tie_rows(gamma_signed="2004")
    rows["activities"] = [
        *expansion_only_activities(),
        _act("b6", "Exhibition", "culture", "festival", "2015"),
        _act("b7", "Delegation", "economy", "delegation", "2018"),
        _act("g1", "Agreement", "general", "agreement", "2004", tie="alpha-gamma", direction="mutual"),
        _act("g2", "Dance troupe", "culture", "festival", "", tie="alpha-gamma"),
        _act("g3", "Film week", "culture", "festival", "2009", tie="alpha-gamma", recurrence="annual", until="2016"),
        _act("g4", "Business forum", "economy", "delegation", "2011", tie="alpha-gamma"),
        _act("g5", "Students", "education", "exchange_programme", "2012", tie="alpha-gamma"),
        _act("g6", "Trade fair", "economy", "trade_fair", "2020", tie="alpha-gamma"),
    ]
    for a in rows["activities"]:
        a["stage"] = "implemented"
    return sl.load_bundle(write_bundle(folder, rows))


def _statsmodels_lr(universes, key):
    """The interaction's LR statistic for one joint specification, fitted the ordinary way."""
    import statsmodels.formula.api as smf

    events, end = [], None
    for u in universes:
        s = u.specs
        hit = s[(s["coding"] == key["coding"]) & (s["expansion"] == key["expansion"]) & (s["window"] == key["window"])
                & (s["undated"] == key["undated"]) & (s["draw"] == key["draw"])]
        if hit.empty:
            hit = s[(s["coding"] == key["coding"]) & (s["expansion"] == key["expansion"])
                    & (s["window"] == key["window"]) & (s["undated"] == "left out")]
        acts, settings = u.spec_activities(int(hit["spec_id"].iloc[0]))
        events.append(sl.expand_activities(acts, **settings))
        end = settings["end_year"]
    ev = pd.concat(events, ignore_index=True)
    panel = sl.activity_panel(ev, by=["tie_id", "sector"], end_year=end, ties=universes[0].ties_table)
    panel = panel[panel["sector"].astype(str) != "general"]
    keep, _ = sl.common_levels(panel, group="tie_id", level="sector")
    panel = panel[panel["sector"].isin(keep)].assign(sector=lambda d: d["sector"].astype(str))
    fam = sm.families.Poisson()
    full = smf.glm("activities ~ C(tie_id) * C(sector)", panel, family=fam).fit()
    restricted = smf.glm("activities ~ C(tie_id) + C(sector)", panel, family=fam).fit()
    return 2 * (full.llf - restricted.llf), len(keep)


def test_the_batched_interaction_lr_equals_statsmodels_in_every_checked_specification(tmp_path):
    b = _two_tie_bundle(tmp_path / "b")
    universes = [multiverse(t, bundle=b, end_year=2023, draws=4) for t in ("alpha-beta", "alpha-gamma")]
    for u in universes:
        u.ties_table = b.ties
    lr = sl.interaction_lr(universes)
    assert lr["spec_id"].iloc[0] == 0 and tuple(lr.iloc[0][["expansion", "window", "undated"]]) == (
        "off", "to 2023", "left out")
    assert len(lr) == 2 * 2 * (1 + 4)  # alpha-beta has no undated activity: its 'left out' stands in for placements
    estimated = 0
    for _, row in lr.iterrows():
        stat, k = _statsmodels_lr(universes, row)
        assert row["n_sectors"] == k
        if k >= 2:
            assert row["estimate"] == pytest.approx(stat, abs=1e-8, rel=1e-8)
            assert row["p_value"] == pytest.approx(float(stats_chi2.sf(stat, k - 1)), abs=1e-8)
            estimated += 1
        else:
            assert np.isnan(row["estimate"])
    assert estimated >= 10
    assert (lr["estimate"].dropna() > 0).any()  # a statistic that is not trivially zero was compared


def test_the_batched_interaction_lr_rejects_misuse(tmp_path):
    b = _two_tie_bundle(tmp_path / "b")
    one = multiverse("alpha-beta", bundle=b, end_year=2023, draws=0)
    with pytest.raises(ValueError, match="at least two"):
        sl.interaction_lr([one])
    with pytest.raises(TypeError):
        sl.interaction_lr([one, "alpha-gamma"])
    with pytest.raises(ValueError, match="share"):
        sl.interaction_lr([one, multiverse("alpha-gamma", bundle=b, end_year=2020, draws=0)])


from scipy.stats import chi2 as stats_chi2  # noqa: E402


# --- a yearly covariate (the Seoul–Tokyo tension years), batched over the specifications (#25) -------------------

def test_the_batched_covariate_equals_statsmodels_row_by_row():
    rng = np.random.default_rng(7)
    years = np.arange(1994, 2024)
    tension = np.isin(years, [1996, 2001, 2005, 2012, 2019]).astype(float)
    Y = rng.poisson(np.exp(0.4 * tension)[None, :] * rng.uniform(0.5, 3, (30, 1))).astype(float)
    Y[:15, -6:] = np.nan
    fit = sl.batched_poisson_covariate(Y, tension, dispersion_threshold=None)
    scaled = sl.batched_poisson_covariate(Y, tension, dispersion_threshold=0.0)
    _assert_rows_equal_statsmodels(Y, fit, scaled, lambda keep: tension[keep])
    flat = sl.batched_poisson_covariate(Y, np.zeros(len(years)))  # a covariate that never varies: no estimate
    assert np.isnan(flat["irr"]).all()
    with pytest.raises(ValueError, match="one value per column"):
        sl.batched_poisson_covariate(Y, tension[:-1])


def test_the_tension_covariate_in_every_specification_equals_the_one_at_a_time_fit(tmp_path):
    import statsmodels.formula.api as smf

    b = _sign_change(tmp_path / "b")
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=3)
    tension_years = {2004, 2012, 2013, 2021}
    rows = mv.covariate("tension", tension_years, dispersion_threshold=None)
    assert list(rows.columns) == ["spec_id", "expansion", "window", "undated", "coding", "draw", "quantity",
                                  "estimate", "conf_low", "conf_high", "p_value"]
    assert len(rows) == len(mv) and (rows["quantity"] == "tension").all()
    compared = 0
    for r in rows.itertuples():
        acts, settings = mv.spec_activities(r.spec_id)
        ev = sl.expand_activities(acts, **settings)
        panel = sl.activity_panel(ev, by=["tie_id"], end_year=settings["end_year"], ties=b.ties)
        panel = panel.assign(tension=panel["year"].isin(tension_years).astype(int))
        if np.isnan(r.estimate):
            continue
        ref = smf.glm("activities ~ tension", panel, family=sm.families.Poisson()).fit(tol=1e-14)
        assert r.estimate == pytest.approx(np.exp(ref.params["tension"]), rel=1e-8)
        assert r.p_value == pytest.approx(ref.pvalues["tension"], rel=1e-5, abs=1e-10)
        compared += 1
    assert compared >= len(rows) // 2
    with pytest.raises(TypeError):
        mv.covariate("tension", "2004")

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
