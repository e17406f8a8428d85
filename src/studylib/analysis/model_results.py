"""What a fitted model gives back: :class:`ModelResult` (tidy tables, dispersion, a run-independent summary text)
and the comparisons of fits (:func:`lr_test`, :func:`overdispersion`). Models are fitted in :mod:`studylib.analysis.models`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelError
from ..i18n import _

__all__ = ["ModelResult", "LRTest", "overdispersion", "lr_test", "COUNT_FAMILIES", "FAMILY_NAMES", "family_name"]

COUNT_FAMILIES = ("poisson", "negbin")
FAMILY_NAMES = {"ols": "OLS", "poisson": "Poisson", "negbin": "negative binomial (NB2)", "logit": "logit"}


def family_name(family: str) -> str:
    """:data:`FAMILY_NAMES`' name of ``family`` in the report language (an unknown family as it is)."""
    names = {"ols": "OLS", "poisson": "Poisson", "negbin": _("negative binomial (NB2)"), "logit": "logit"}
    return names.get(family, family)


@dataclass(repr=False, eq=False)
class ModelResult:
    """A fitted model: the statsmodels result plus tidy tables and the caveats found while fitting.

    Attributes
    ----------
    family : str
        One of ``"ols"``, ``"poisson"``, ``"negbin"``, ``"logit"``.
    formula : str
        The model formula.
    result : statsmodels results object
        The underlying statsmodels result, for anything this facade does not cover.
    warnings : list of str
        Caveats found while fitting (few observations, dropped rows, few clusters).
    choice : str or None
        For models picked by :func:`choose_count_family`, the sentence stating the rule and the decision.
    pretest_dispersion : float or None
        For models picked by :func:`choose_count_family`, the Poisson pre-test's Pearson χ²/df.
    robust : str or None
        The robust standard errors the model was fitted with (``"HC0"``, ``"cluster"``...), None for classical ones.
    """

    family: str
    formula: str
    result: object
    warnings: list[str] = field(default_factory=list)
    choice: str | None = None
    pretest_dispersion: float | None = None
    robust: str | None = None

    @property
    def label(self) -> str:
        """The model in words, as tables name it: its family and, if not classical, its standard errors
        (e.g. 'Poisson, robust (HC0) standard errors')."""
        name = family_name(self.family)
        if self.robust == "cluster":
            return _("{name}, cluster-robust standard errors").format(name=name)
        return _("{name}, robust ({kind}) standard errors").format(name=name, kind=self.robust) if self.robust else name

    def __repr__(self) -> str:
        return f"ModelResult(family={self.family!r}, formula={self.formula!r}, nobs={self.nobs})"

    @property
    def nobs(self) -> int:
        """Number of observations used in the fit (after rows with missing values were dropped)."""
        return int(self.result.nobs)

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Predicted means (expected counts for count models) for the rows of ``data``."""
        return pd.Series(np.asarray(self.result.predict(data)), index=data.index, name="predicted")

    def tidy(self) -> pd.DataFrame:
        """One row per coefficient, with a 95% confidence interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``; count models add
            incidence-rate ratios ``irr, irr_low, irr_high`` (the exponentiated estimate and bounds). The
            negative binomial's dispersion parameter is kept as the row ``alpha``, with NaN ratios and its interval
            computed on the log scale (so that it stays above zero).
        """
        res = self.result
        ci = np.asarray(res.conf_int(alpha=0.05))
        table = pd.DataFrame({
            "term": [str(name) for name in res.params.index],
            "estimate": np.asarray(res.params), "std_error": np.asarray(res.bse),
            "statistic": np.asarray(res.tvalues), "p_value": np.asarray(res.pvalues),
            "conf_low": ci[:, 0], "conf_high": ci[:, 1],
        })
        if self.family in COUNT_FAMILIES:
            coef = table["term"] != "alpha"
            # alpha > 0: a Wald interval on its own scale can run below zero (e.g. -16.2 to 29.8); the interval of
            # log(alpha) (delta method, se / alpha), taken back by exp, stays positive
            a, se = table.loc[~coef, "estimate"], table.loc[~coef, "std_error"]
            with np.errstate(divide="ignore", invalid="ignore"):
                half = stats.norm.ppf(0.975) * se / a
                table.loc[~coef, "conf_low"] = np.where(a > 0, a * np.exp(-half), np.nan)
                table.loc[~coef, "conf_high"] = np.where(a > 0, a * np.exp(half), np.nan)
            for name, source in [("irr", "estimate"), ("irr_low", "conf_low"), ("irr_high", "conf_high")]:
                table[name] = np.where(coef, np.exp(table[source].where(coef, 0.0)), np.nan)
        return table

    def glance(self) -> pd.DataFrame:
        """One row of model-level statistics.

        Returns
        -------
        pandas.DataFrame
            Columns ``n, df_model, df_resid, loglik, aic, deviance, pearson_chi2_df, r2``, NaN where a
            statistic does not apply: ``deviance`` for Poisson only, ``pearson_chi2_df`` for count models,
            ``r2`` for OLS only. ``aic`` is statsmodels' (for OLS it does not count the error variance as a
            parameter, so it is 2 lower than R's ``AIC(lm(...))``).
        """
        res = self.result
        return pd.DataFrame([{
            "n": self.nobs, "df_model": float(res.df_model), "df_resid": float(res.df_resid),
            "loglik": float(res.llf), "aic": float(res.aic),
            "deviance": float(res.deviance) if self.family == "poisson" else np.nan,
            "pearson_chi2_df": self.dispersion() if self.family in COUNT_FAMILIES else np.nan,
            "r2": float(res.rsquared) if self.family == "ols" else np.nan,
        }])

    def dispersion(self) -> float:
        """Pearson χ² divided by the residual degrees of freedom (count models only).

        For the negative binomial the Pearson residuals use the NB2 variance ``mu + alpha * mu**2``. A ratio
        well above 1 means the data are more variable than the model assumes.
        """
        res = self.result
        if self.family == "poisson":
            return float(res.pearson_chi2 / res.df_resid)
        if self.family == "negbin":
            mu, alpha = res.predict(), res.params["alpha"]
            return float(np.sum((res.model.endog - mu) ** 2 / (mu + alpha * mu**2)) / res.df_resid)
        raise ValueError(f"Pearson χ²/df is defined for count models (poisson, negbin), not for "
                         f"{FAMILY_NAMES[self.family]} models.")

    def summary_text(self) -> str:
        """The statsmodels summary as text, without its ``Date:`` and ``Time:`` entries.

        The remaining header entries are moved up, so the text is identical on every run.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. scipy's "kurtosistest only valid for n>=20"
            summary = self.result.summary()
        header = summary.tables[0]
        left = [(row[0].data, row[1].data) for row in header if row[0].data not in ("Date:", "Time:")]
        left += [("", "")] * (len(header) - len(left))
        for row, (label, value) in zip(header, left):
            row[0].data, row[1].data = label, value
        while header and not any(str(cell.data).strip() for cell in header[-1]):
            del header[-1]
        return summary.as_text()


@dataclass(frozen=True)
class LRTest:
    """A likelihood-ratio test of a restricted model against a fuller one."""

    lr_stat: float
    df_diff: int
    p_value: float

    def __str__(self) -> str:
        return f"LR χ²({self.df_diff}) = {self.lr_stat:.3f}, p = {self.p_value:.4g}"


def overdispersion(result) -> float:
    """Pearson χ²/df of a count model: a :class:`ModelResult` or a statsmodels GLM result.

    Values well above 1 indicate overdispersion (see :func:`choose_count_family` for the study's rule).
    """
    if isinstance(result, ModelResult):
        return result.dispersion()
    if hasattr(result, "pearson_chi2") and hasattr(result, "df_resid"):
        return float(result.pearson_chi2 / result.df_resid)
    raise TypeError(f"Cannot compute overdispersion of a {type(result).__name__}; pass a ModelResult or a "
                     "statsmodels GLM result.")


def lr_test(restricted: ModelResult, full: ModelResult) -> LRTest:
    """Likelihood-ratio test of a restricted model nested in a fuller one.

    The statistic ``2 * (llf_full - llf_restricted)`` is referred to a chi-squared distribution with as many
    degrees of freedom as the full model has extra parameters.

    Raises
    ------
    TypeError
        If either argument is not a :class:`ModelResult`.
    ValueError
        If the models differ in family, outcome or observations, the restricted model's terms are not all in
        the full model, or the full model has no extra parameters (misuse: the models are not nested).
    ModelError
        If the full model fits worse than the restricted one (a failed fit).
    """
    if not (isinstance(restricted, ModelResult) and isinstance(full, ModelResult)):
        raise TypeError("lr_test compares two ModelResult objects returned by fit_model.")
    r, f = restricted.result, full.result
    if restricted.family != full.family:
        raise ValueError(f"A likelihood-ratio test needs models of the same family; got {restricted.family} "
                         f"and {full.family}.")
    if restricted.nobs != full.nobs or not np.array_equal(r.model.endog, f.model.endog):
        raise ValueError(f"The models are not nested: they use different observations or outcomes "
                         f"({restricted.nobs} and {full.nobs} observations). Drop missing values first so "
                         "both models see the same rows.")
    extra_terms = set(r.params.index) - set(f.params.index)
    if extra_terms:
        raise ValueError(f"The models are not nested: the restricted model has terms the full model lacks "
                         f"({', '.join(sorted(extra_terms))}). The restricted model comes first: "
                         f"lr_test(restricted, full).")
    df_diff = int(round(f.df_model - r.df_model))
    if df_diff <= 0:
        raise ValueError(f"The full model must have more parameters than the restricted one; the difference is "
                         f"{df_diff}, with the same terms in both, so there is nothing to test.")
    stat = 2.0 * (f.llf - r.llf)
    if stat < -1e-6 * max(1.0, abs(f.llf)):
        raise ModelError("The full model fits worse than the restricted one, so they are not nested (or a fit "
                         "failed).")
    stat = max(stat, 0.0)
    return LRTest(lr_stat=float(stat), df_diff=df_diff, p_value=float(stats.chi2.sf(stat, df_diff)))
