"""Models: certified reference results, the honest-limit guards, the count-family rule and LR tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.datasets import longley

from studylib import FitWarning, ModelError
from studylib.analysis.models import choose_count_family, fit_model, lr_test, overdispersion

# Most tests use small data on purpose; the few-observations FitWarning is tested on its own.
pytestmark = pytest.mark.filterwarnings("ignore::studylib.FitWarning")

TIDY = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
GLANCE = ["n", "df_model", "df_resid", "loglik", "aic", "deviance", "pearson_chi2_df", "r2"]

# NIST StRD Longley: certified values (estimate, standard error).
LONGLEY = {
    "Intercept": (-3482258.63459582, 890420.383607373),
    "GNPDEFL": (15.0618722713733, 84.9149257747669),
    "GNP": (-0.358191792925910e-01, 0.334910077722432e-01),
    "UNEMP": (-2.02022980381683, 0.488399681651699),
    "ARMED": (-1.03322686717359, 0.214274163161675),
    "POP": (-0.511041056535807e-01, 0.226073200069370),
    "YEAR": (1829.15146461355, 455.478499142212),
}


def _counts(n=300, alpha=None, seed=1):
    """Counts with log-mean 0.5 + 0.6 x (+ log exposure); NB2 with ``alpha`` if given, else Poisson."""
    rng = np.random.default_rng(seed)
    x, z, w = rng.normal(size=(3, n))
    exposure = rng.uniform(0.5, 2.0, size=n)
    mu = exposure * np.exp(0.5 + 0.6 * x)
    y = rng.poisson(mu) if alpha is None else rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    return pd.DataFrame({"y": y, "x": x, "z": z, "w": w, "e": exposure, "g": rng.integers(0, 30, size=n)})


@pytest.fixture(scope="module")
def longley_fit():
    return fit_model(longley.load_pandas().data, "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR")


@pytest.fixture(scope="module")
def dobson():
    data = pd.DataFrame({"counts": [18, 17, 15, 20, 10, 20, 25, 13, 12],
                         "outcome": [1, 2, 3] * 3, "treatment": [1] * 3 + [2] * 3 + [3] * 3})
    return fit_model(data, "counts ~ C(outcome) + C(treatment)", "poisson")


# --- reference results ---------------------------------------------------------------------------------------

def test_longley_matches_nist_certified_values(longley_fit):
    tidy = longley_fit.tidy().set_index("term")
    assert list(tidy.index) == list(LONGLEY)
    for term, (estimate, se) in LONGLEY.items():
        assert tidy.loc[term, "estimate"] == pytest.approx(estimate, rel=1e-6)
        assert tidy.loc[term, "std_error"] == pytest.approx(se, rel=1e-6)
    assert longley_fit.glance().loc[0, "r2"] == pytest.approx(0.995479004577296, rel=1e-9)
    assert longley_fit.nobs == 16


def test_dobson_poisson_matches_r_glm(dobson):
    est = dobson.tidy().set_index("term")["estimate"]
    assert est["Intercept"] == pytest.approx(3.0445, abs=1e-4)
    assert est["C(outcome)[T.2]"] == pytest.approx(-0.4543, abs=1e-4)
    assert est["C(outcome)[T.3]"] == pytest.approx(-0.2930, abs=1e-4)
    assert est["C(treatment)[T.2]"] == pytest.approx(0, abs=1e-8)
    assert est["C(treatment)[T.3]"] == pytest.approx(0, abs=1e-8)
    g = dobson.glance().iloc[0]
    assert g["deviance"] == pytest.approx(5.1291, abs=1e-3)
    assert g["df_resid"] == 4
    assert g["aic"] == pytest.approx(56.76, abs=1e-2)
    assert math.isnan(g["r2"])


# --- tidy, glance, summary, robust standard errors ------------------------------------------------------------

def test_tidy_and_glance_columns_and_irr(dobson, longley_fit):
    assert list(longley_fit.tidy().columns) == TIDY
    tidy = dobson.tidy()
    assert list(tidy.columns) == TIDY + ["irr", "irr_low", "irr_high"]
    np.testing.assert_allclose(tidy["irr"], np.exp(tidy["estimate"]))
    np.testing.assert_allclose(tidy["irr_low"], np.exp(tidy["conf_low"]))
    np.testing.assert_allclose(tidy["irr_high"], np.exp(tidy["conf_high"]))
    # 95% Wald interval
    np.testing.assert_allclose(tidy["conf_high"], tidy["estimate"] + stats.norm.ppf(0.975) * tidy["std_error"])
    for fit in (dobson, longley_fit):
        glance = fit.glance()
        assert list(glance.columns) == GLANCE and len(glance) == 1
    assert math.isnan(longley_fit.glance().loc[0, "deviance"])
    assert math.isnan(longley_fit.glance().loc[0, "pearson_chi2_df"])


def test_negbin_keeps_alpha_row_without_irr():
    nb = fit_model(_counts(alpha=1.0), "y ~ x", "negbin", exposure="e")
    tidy = nb.tidy().set_index("term")
    assert list(tidy.index) == ["Intercept", "x", "alpha"]
    assert math.isnan(tidy.loc["alpha", "irr"]) and math.isnan(tidy.loc["alpha", "irr_high"])
    assert tidy.loc["x", "irr"] == pytest.approx(math.exp(tidy.loc["x", "estimate"]))
    assert tidy.loc["x", "estimate"] == pytest.approx(0.6, abs=0.15)
    assert tidy.loc["alpha", "estimate"] == pytest.approx(1.0, abs=0.35)
    # Pearson chi2/df with the NB2 variance is close to 1 for NB2 data.
    assert nb.glance().loc[0, "pearson_chi2_df"] == pytest.approx(1.0, abs=0.3)


def test_exposure_is_a_log_offset():
    data = _counts().assign(log_e=lambda d: np.log(d["e"]))
    by_exposure = fit_model(data, "y ~ x", "poisson", exposure="e").tidy()["estimate"]
    by_offset = fit_model(data, "y ~ x", "poisson", offset="log_e").tidy()["estimate"]
    np.testing.assert_allclose(by_exposure, by_offset, rtol=1e-8)
    assert by_exposure[1] == pytest.approx(0.6, abs=0.1)
    with pytest.raises(ModelError, match="positive"):
        fit_model(data.assign(e=0.0), "y ~ x", "poisson", exposure="e")


@pytest.mark.parametrize("family", ["poisson", "negbin", "ols", "logit"])
def test_no_rows_is_said_plainly(family):
    empty = _counts().iloc[0:0]
    with pytest.raises(ModelError, match="no rows"):
        fit_model(empty, "y ~ x", family)
    with pytest.raises(ModelError, match="no rows"):
        choose_count_family(empty, "y ~ x")


def test_summary_text_has_no_date_or_time_and_is_stable(dobson, longley_fit):
    for fit in (dobson, longley_fit):
        text = fit.summary_text()
        assert not any(line.lstrip().startswith(("Date:", "Time:")) for line in text.splitlines())
        assert "Date:" not in text and "Time:" not in text
        assert "Log-Likelihood:" in text  # the right-hand entries on those lines are kept
        assert text == fit.summary_text()


def test_hc_standard_errors_are_the_sandwich_and_differ_from_classical():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 3, size=200)
    data = pd.DataFrame({"x": x, "y": 1 + 2 * x + rng.normal(scale=0.2 + x**2, size=200)})
    classical = fit_model(data, "y ~ x").tidy()["std_error"]
    hc0 = fit_model(data, "y ~ x", robust="HC0").tidy()["std_error"]
    hc3 = fit_model(data, "y ~ x", robust="HC3").tidy()["std_error"]
    assert not np.allclose(classical, hc0, rtol=0.05) and not np.allclose(hc0, hc3)
    X = np.column_stack([np.ones(200), x])
    bread = np.linalg.inv(X.T @ X)
    resid = data["y"] - X @ bread @ X.T @ data["y"]
    sandwich = bread @ (X.T * resid.to_numpy() ** 2) @ X @ bread
    np.testing.assert_allclose(hc0, np.sqrt(np.diag(sandwich)), rtol=1e-8)


def test_cluster_needs_groups_and_changes_standard_errors():
    data = _counts()
    with pytest.raises(ValueError, match="groups"):
        fit_model(data, "y ~ x", "poisson", robust="cluster")
    with pytest.raises(ValueError, match="groups"):
        fit_model(data, "y ~ x", "poisson", groups="g")
    with pytest.raises(ValueError, match="'gg'"):
        fit_model(data, "y ~ x", "poisson", robust="cluster", groups="gg")
    plain = fit_model(data, "y ~ x", "poisson").tidy()["std_error"]
    clustered = fit_model(data, "y ~ x", "poisson", robust="cluster", groups="g")
    assert clustered.result.cov_type == "cluster"
    assert not np.allclose(plain, clustered.tidy()["std_error"])


def test_hc1_to_hc3_refused_outside_ols():
    with pytest.raises(ValueError, match="OLS only"):
        fit_model(_counts(), "y ~ x", "poisson", robust="HC3")


# --- guards ---------------------------------------------------------------------------------------------------

def test_too_few_observations_raises_with_counts():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(6, 7)), columns=list("yabcdef"))
    with pytest.raises(ModelError, match="7 parameters but only 6 observations; at least 9"):
        fit_model(data, "y ~ a + b + c + d + e + f")


def test_rank_deficient_design_names_the_collinear_column():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    data = pd.DataFrame({"y": rng.normal(size=40), "x": x, "x2": 2 * x, "z": rng.normal(size=40)})
    with pytest.raises(ModelError, match=r"rank 3 but 4 columns.*'x2' is a linear combination of x\b"):
        fit_model(data, "y ~ x + z + x2")


def test_perfect_separation_in_logit_raises():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    data = pd.DataFrame({"y": (x > 0).astype(int), "x": x})
    with pytest.raises(ModelError, match="Perfect separation"):
        fit_model(data, "y ~ x", "logit")
    with pytest.raises(ModelError, match="both 0s and 1s"):
        fit_model(data.assign(y=1), "y ~ x", "logit")


def test_count_outcome_all_zero_raises():
    with pytest.raises(ModelError, match="zero"):
        fit_model(_counts().assign(y=0), "y ~ x", "poisson")
    with pytest.raises(ModelError, match="zero"):
        fit_model(_counts().assign(y=0), "y ~ x", "negbin")


def test_missing_column_is_named_and_locals_do_not_leak():
    data = _counts()
    with pytest.raises(ValueError, match="'xx', which is not a column.*did you mean 'x'"):
        fit_model(data, "y ~ xx", "poisson")
    # 'family' and 'formula' are local names inside fit_model; a formula must not pick them up
    with pytest.raises(ValueError, match="'family'"):
        fit_model(data, "y ~ x + family", "poisson")


def test_non_convergence_raises():
    with pytest.raises(ModelError, match="did not converge within 2 iterations"):
        fit_model(_counts(alpha=1.0), "y ~ x", "negbin", maxiter=2)


def test_small_n_warns_and_records():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"y": rng.normal(size=15), "x": rng.normal(size=15)})
    with pytest.warns(FitWarning, match="15 observations for 2 parameters"):
        fit = fit_model(data, "y ~ x")
    assert any("15 observations" in w for w in fit.warnings)
    big = pd.DataFrame({"y": rng.normal(size=40), "x": rng.normal(size=40)})
    assert fit_model(big, "y ~ x").warnings == []


def test_level_with_only_zero_counts_is_flagged():
    data = _counts(n=120).assign(sector=lambda d: np.repeat(list("abcd"), 30))
    data.loc[data["sector"] == "a", "y"] = 0
    with pytest.warns(FitWarning, match="30 observations have a fitted mean of almost zero"):
        fit_model(data, "y ~ C(sector)", "poisson")
    assert fit_model(_counts(n=120), "y ~ x", "poisson").warnings == []


def test_dropped_missing_rows_are_reported():
    data = _counts()
    data.loc[:4, "x"] = np.nan
    with pytest.warns(FitWarning, match="5 rows with missing values were dropped"):
        fit = fit_model(data, "y ~ x", "poisson")
    assert fit.nobs == len(data) - 5


def test_misuse_raises_value_or_type_error_not_model_error():
    """Misusing the API must fail a run; only data that cannot support a model is a ModelError (said in words)."""
    data = _counts()
    with pytest.raises(ValueError, match="Unknown model family") as info:
        fit_model(data, "y ~ x", "gamma")
    assert not isinstance(info.value, ModelError)
    with pytest.raises(ValueError, match="count models"):
        fit_model(data, "y ~ x", "ols", exposure="e")
    with pytest.raises(ValueError, match="count models.*not for OLS"):
        fit_model(data, "y ~ x").dispersion()
    with pytest.raises(TypeError, match="DataFrame"):
        fit_model(data.to_dict(), "y ~ x", "poisson")
    with pytest.raises(ValueError, match="threshold"):
        choose_count_family(data, "y ~ x", threshold=0)
    with pytest.raises(ValueError, match="'nope', which is not a column") as info:
        choose_count_family(data, "y ~ nope")
    assert not isinstance(info.value, ModelError)


# --- count family rule and LR test ----------------------------------------------------------------------------

def test_choose_count_family_picks_negbin_for_overdispersed_counts():
    fit = choose_count_family(_counts(alpha=1.0), "y ~ x", exposure="e")
    assert fit.family == "negbin"
    assert "NB2 is used if its Pearson χ²/df > 1.5" in fit.choice and "pre-test" in fit.choice
    assert fit.pretest_dispersion > 1.5
    ratio = float(fit.choice.split("= ")[1].split(" ")[0])
    poisson = fit_model(_counts(alpha=1.0), "y ~ x", "poisson", exposure="e")
    assert ratio > 1.5 and ratio == pytest.approx(poisson.dispersion(), abs=0.01)


def test_choose_count_family_keeps_poisson_for_poisson_counts():
    fit = choose_count_family(_counts(), "y ~ x", exposure="e")
    assert fit.family == "poisson"
    assert overdispersion(fit) < 1.5 and overdispersion(fit.result) == pytest.approx(fit.dispersion())
    assert "Poisson model is kept" in fit.choice
    assert not any("under-dispersed" in w for w in fit.warnings)


def test_choose_count_family_flags_under_dispersion():
    """Counts far more regular than Poisson (as the annual expansion makes them) are flagged, not ignored."""
    data = pd.DataFrame({"x": np.arange(40) % 10, "y": 3 + (np.arange(40) % 2)})
    with pytest.warns(FitWarning, match="under-dispersed"):
        fit = choose_count_family(data, "y ~ x")
    assert fit.family == "poisson" and fit.pretest_dispersion < 1 / 1.5
    assert "under-dispersed" in fit.choice and any("under-dispersed" in w for w in fit.warnings)
    assert "do not account for choosing the family" in fit.choice


def test_lr_test_matches_chi2_and_refuses_non_nested():
    data = _counts()
    restricted = fit_model(data, "y ~ x", "poisson")
    full = fit_model(data, "y ~ x + z + w", "poisson")
    test = lr_test(restricted, full)
    stat = 2 * (full.result.llf - restricted.result.llf)
    assert test.df_diff == 2
    assert test.lr_stat == pytest.approx(stat)
    assert test.p_value == pytest.approx(stats.chi2.sf(stat, 2))
    with pytest.raises(ValueError, match="not nested"):
        lr_test(fit_model(data, "y ~ z", "poisson"), fit_model(data, "y ~ x + w", "poisson"))
    with pytest.raises(ValueError, match="same family"):
        lr_test(restricted, fit_model(data, "y ~ x + z", "negbin"))
    with pytest.raises(ValueError, match="observations"):
        lr_test(fit_model(data.iloc[:200], "y ~ x", "poisson"), full)
    with pytest.raises(ValueError, match=r"not nested.*restricted model comes first"):
        lr_test(full, restricted)  # swapped
    with pytest.raises(ValueError, match="more parameters.*same terms in both"):
        lr_test(full, full)


# --- a long, sparse window: NB2 cannot be estimated (#30, D15) --------------------------------------------------

def _sparse_window():
    """A 1960 tie with six events in 64 years, five of them after 2014: what the new user's pair gave."""
    y = np.zeros(64)
    y[[0, 55, 57, 58, 59, 62]] = 1
    return pd.DataFrame({"activities": y, "years_since_start": np.arange(64)})


def test_when_nb2_cannot_be_estimated_the_rule_falls_back_to_robust_poisson_and_says_why():
    with pytest.raises(ModelError) as info:  # what the report used to print
        fit_model(_sparse_window(), "activities ~ years_since_start", "negbin")
    assert "raise maxiter" not in str(info.value)
    assert "The outcome totals 6 over 64 rows, 58 of them zero" in str(info.value)
    fit = choose_count_family(_sparse_window(), "activities ~ years_since_start")
    assert (fit.family, fit.robust, fit.label) == ("poisson", "HC0", "Poisson, robust (HC0) standard errors")
    assert "so the rule calls for the negative binomial (NB2) model, but it did not converge within 100 iterations." \
        in fit.choice
    assert "The Poisson model with robust (HC0, sandwich) standard errors is used instead" in fit.choice
    assert "maxiter" not in fit.choice and "nan" not in fit.choice
    sandwich = fit_model(_sparse_window(), "activities ~ years_since_start", "poisson", robust="HC0")
    np.testing.assert_allclose(fit.tidy()["std_error"], sandwich.tidy()["std_error"])
    classical = fit_model(_sparse_window(), "activities ~ years_since_start", "poisson")
    assert not np.allclose(fit.tidy()["std_error"], classical.tidy()["std_error"])
    assert classical.label == "Poisson" and classical.robust is None


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_the_nb2_alpha_interval_stays_positive():
    import numpy as np
    import pandas as pd

    from studylib.analysis.models import fit_model

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": np.repeat([0, 1], 6)})
    data["y"] = rng.negative_binomial(2, 0.5, size=12)  # small: the Wald interval of alpha runs below zero
    row = fit_model(data, "y ~ x", "negbin").tidy().set_index("term").loc["alpha"]
    assert 0 < row["conf_low"] < row["estimate"] < row["conf_high"]
