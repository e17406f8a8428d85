"""Regression models for the study: a thin, honest facade over the statsmodels formula API.

:func:`fit_model` fits OLS, Poisson (GLM), negative binomial (NB2) or logit models from a formula and a
DataFrame. Before fitting it checks that the model can be estimated honestly from the data (enough
observations, a full-rank design, a usable outcome) and raises :class:`~studylib.errors.ModelError` with a
plain sentence when it cannot; misuse of the API (an unknown family, a formula naming a missing column, a bad
argument) raises ``ValueError`` or ``TypeError`` instead, so that a notebook that misuses it fails. After fitting it refuses results that did not converge or that suffer from
perfect separation. Results come back as a :class:`ModelResult` with tidy tables and a run-independent
summary text (defined, with :func:`lr_test` and :func:`overdispersion`, in :mod:`studylib.analysis.model_results`).
"""

from __future__ import annotations

import difflib
import re
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.genmod.families import Poisson
from statsmodels.tools.sm_exceptions import (ConvergenceWarning, HessianInversionWarning, PerfectSeparationError,
                                             PerfectSeparationWarning)

from ..errors import FitWarning, ModelError
from ..i18n import _, localize_number_text
from .model_results import COUNT_FAMILIES, FAMILY_NAMES, LRTest, ModelResult, family_name, lr_test, overdispersion

__all__ = [
    "FAMILIES", "ModelResult", "LRTest", "fit_model", "choose_count_family", "overdispersion",
    "lr_test",
]

FAMILIES = ("ols", "poisson", "negbin", "logit")
HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
MIN_OBS_PER_PARAMETER = 10
MIN_CLUSTERS = 20
# Formulas see the data's columns and numpy as ``np`` -- never the local variables of this module.
FORMULA_ENV = {"np": np}
_MISSING_NAME = re.compile(r"name '([^']+)' is not defined|`([^`]+)` is not present")


def fit_model(data: pd.DataFrame, formula: str, family: str = "ols", *, robust: str | None = None,
              groups: str | None = None, exposure: str | None = None, offset: str | None = None,
              maxiter: int = 100) -> ModelResult:
    """Fit a regression model from a formula, refusing models the data cannot support.

    Parameters
    ----------
    data : pandas.DataFrame
        The data; rows with a missing value in any variable the model uses are dropped (with a warning).
    formula : str
        A formula such as ``"count ~ C(sector) + np.log(population)"`` (patsy syntax, as in
        :mod:`statsmodels.formula.api`). It sees the data's columns, patsy's ``C``, ``I`` and ``Q``, and
        numpy as ``np`` -- not the caller's variables.
    family : {"ols", "poisson", "negbin", "logit"}
        ``ols``: linear regression; ``poisson``: Poisson GLM with log link; ``negbin``: NB2 negative
        binomial by maximum likelihood (estimates the dispersion ``alpha``); ``logit``: logistic regression
        of a 0/1 outcome.
    robust : {None, "HC0", "HC1", "HC2", "HC3", "cluster"}
        Standard errors: classical (None), heteroskedasticity-robust, or cluster-robust by ``groups``.
        HC1-HC3 are OLS-only: statsmodels computes plain HC0 for the other families whatever the label.
    groups : str, optional
        Column identifying the clusters; required by, and only used with, ``robust="cluster"``.
    exposure : str, optional
        Column of positive exposures (count models only); ``log(exposure)`` enters as an offset.
    offset : str, optional
        Column added to the linear predictor with coefficient 1 (count models only).
    maxiter : int
        Maximum iterations of the estimation algorithm (not used for OLS).

    Returns
    -------
    ModelResult

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``formula`` not a string.
    ValueError
        If an argument is invalid (unknown family, robust type, a column that is not in the data, a formula
        naming a variable that is not a column): misuse of the API, which must fail the run.
    ModelError
        If the data cannot support the model: there are no rows, not at least
        ``parameters + 2`` observations, the design is rank-deficient, a count outcome is all zero or
        negative, a logit outcome is perfectly separated, or the estimation does not converge.

    Warns
    -----
    FitWarning
        When rows were dropped for missing values, there are fewer than 10 observations per parameter, there
        are fewer than 20 clusters, or a count model fits some observations as surely zero (a level with only
        zero counts); the same sentences are kept in ``ModelResult.warnings``.
    """
    _check_arguments(data, formula, family, robust, groups, exposure, offset)
    extra = [c for c in (groups, exposure, offset) if c is not None]
    frame = data.dropna(subset=extra) if extra else data
    if not frame.index.is_unique:
        frame = frame.reset_index(drop=True)
    if exposure is not None and not (frame[exposure] > 0).all():
        raise ModelError(_("The exposure column '{exposure}' must be positive in every row; its logarithm is used as "
                           "an offset.").format(exposure=exposure))
    model = _build_model(frame, formula, family, exposure, offset)
    notes = _check_design(model, family, dropped=len(data) - model.exog.shape[0])
    cov = {} if robust is None else {"cov_type": robust}
    if robust == "cluster":
        codes = pd.factorize(frame.loc[model.data.row_labels, groups])[0]
        cov["cov_kwds"] = {"groups": codes}
        if codes.max() + 1 < MIN_CLUSTERS:
            notes.append(_("Only {k} clusters in '{groups}'; cluster-robust standard errors are unreliable with fewer "
                           "than {minimum} clusters.").format(k=codes.max() + 1, groups=groups, minimum=MIN_CLUSTERS))
    result = _fit(model, family, cov, maxiter)
    if family in COUNT_FAMILIES:
        notes += _zero_cells(result)
    for note in notes:
        warnings.warn(note, FitWarning, stacklevel=2)
    return ModelResult(family=family, formula=formula, result=result, warnings=notes, robust=robust)


def choose_count_family(data: pd.DataFrame, formula: str, *, threshold: float = 1.5, exposure: str | None = None,
                        **options) -> ModelResult:
    """Fit a count model by the study's rule: Poisson unless Pearson χ²/df > 1.5, then NB2.

    A Poisson model is fitted first (the pre-test). If its Pearson chi-squared divided by its residual degrees of
    freedom exceeds ``threshold`` (default 1.5) the counts are over-dispersed and the NB2 negative binomial model is
    fitted and returned instead; otherwise the Poisson model is returned. A ratio below ``1 / threshold`` flags
    **under-dispersion** (counts more regular than Poisson, the signature of counts generated by a deterministic
    rule such as the annual-programme expansion); the Poisson model is kept, and a caution is recorded. The family
    is chosen on the same data the model is then fitted to, which the reported p-values do not account for; the
    ``choice`` sentence says so.

    Parameters
    ----------
    data, formula, exposure
        As in :func:`fit_model`.
    threshold : float
        The Pearson χ²/df ratio above which the negative binomial is used (below its inverse: under-dispersed).
    **options
        Further keywords for :func:`fit_model` (``robust``, ``groups``, ``offset``, ``maxiter``).

    Returns
    -------
    ModelResult
        The chosen model; its ``choice`` attribute states the rule, the pre-test's ratio and the decision, and its
        ``pretest_dispersion`` attribute holds the Poisson ratio.

    Raises
    ------
    ValueError
        If ``threshold`` is not a positive number (and as :func:`fit_model` for misuse).
    """
    if not (isinstance(threshold, (int, float)) and threshold > 0):
        raise ValueError(f"The overdispersion threshold must be a positive number, not {threshold!r}.")
    poisson = fit_model(data, formula, "poisson", exposure=exposure, **options)
    ratio = poisson.dispersion()
    over, under, r = _n(f"{threshold:g}"), _n(f"{1 / threshold:.2f}"), _n(f"{ratio:.2f}")
    rule = _("Family rule: a Poisson model is fitted first as a pre-test; NB2 is used if its Pearson χ²/df > "
             "{threshold}; a ratio below {under} flags under-dispersion. The p-values do not account for choosing the "
             "family on the same data.").format(threshold=over, under=under)
    if ratio > threshold:
        try:
            chosen = fit_model(data, formula, "negbin", exposure=exposure, **options)
        except ModelError as exc:  # e.g. few events over many rows: NB2's dispersion is not identified
            return _robust_poisson(data, formula, exposure, options, rule=rule, ratio=ratio, threshold=threshold,
                                   why=str(exc), clause=getattr(exc, "clause", None))
        chosen.choice = _("{rule} Pre-test: Pearson χ²/df = {ratio} > {threshold} (over-dispersed), so the negative "
                          "binomial (NB2) model is used.").format(rule=rule, ratio=r, threshold=over)
        chosen.pretest_dispersion = ratio
        return chosen
    if ratio < 1 / threshold:
        poisson.choice = _("{rule} Pre-test: Pearson χ²/df = {ratio} < {under} (under-dispersed), so the Poisson "
                           "model is kept and its standard errors are conservative.").format(rule=rule, ratio=r,
                                                                                              under=under)
        note = _("The counts are under-dispersed (Pearson χ²/df = {ratio}): more regular than a Poisson process, as "
                 "counts generated by a deterministic rule (e.g. expanding annual programmes) are.").format(ratio=r)
        poisson.warnings.append(note)
        warnings.warn(note, FitWarning, stacklevel=2)
    else:
        poisson.choice = _("{rule} Pre-test: Pearson χ²/df = {ratio}, within [{under}, {threshold}], so the Poisson "
                           "model is kept.").format(rule=rule, ratio=r, under=under, threshold=over)
    poisson.pretest_dispersion = ratio
    return poisson


def _robust_poisson(data, formula, exposure, options, *, rule: str, ratio: float, threshold: float,
                    why: str, clause: str | None = None) -> ModelResult:
    """The fallback when the rule calls for NB2 and NB2 cannot be estimated: the Poisson model with robust
    (sandwich) standard errors, which stay valid when the counts are over-dispersed; the ``choice`` says so."""
    options = {**options, "robust": options.get("robust") or "HC0"}
    fit = fit_model(data, formula, "poisson", exposure=exposure, **options)
    # the clause the error gives ('it did not converge within 100 iterations'), else its first sentence
    failed = clause or why.split(";")[0].split(". ")[0].rstrip(".").replace(
        _("The {family} model").format(family=family_name("negbin")), _("it"), 1)
    errors = (_("cluster-robust standard errors") if options["robust"] == "cluster"
              else _("robust ({kind}, sandwich) standard errors").format(kind=options["robust"]))
    fit.choice = _("{rule} Pre-test: Pearson χ²/df = {ratio} > {threshold} (over-dispersed), so the rule calls for the "
                   "negative binomial (NB2) model, but {failed}. {too_few}The Poisson model with {errors} is used "
                   "instead: its coefficients are the Poisson ones, and its standard errors stay valid when the counts "
                   "are over-dispersed.").format(rule=rule, ratio=_n(f"{ratio:.2f}"), threshold=_n(f"{threshold:g}"),
                                                 failed=failed, too_few=_too_few(fit.result.model, "negbin"),
                                                 errors=errors)
    fit.pretest_dispersion = ratio
    return fit


def _n(text: str) -> str:
    """A number written the English way ('1.53', '1,190') in the report language's marks."""
    return localize_number_text(text)


def _check_arguments(data, formula, family, robust, groups, exposure, offset) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"The data must be a pandas DataFrame, not {type(data).__name__}.")
    if not isinstance(formula, str) or "~" not in formula:
        raise TypeError(f"The formula must be a string like 'y ~ x1 + x2', not {formula!r}.")
    if family not in FAMILIES:
        raise ValueError(f"Unknown model family {family!r}; use one of {', '.join(FAMILIES)}.")
    if data.empty:
        raise ModelError(_("The data have no rows (for a yearly panel: no dated events in the window), so there is "
                           "nothing to estimate."))
    if robust not in (None, *HC_TYPES, "cluster"):
        raise ValueError(f"Unknown robust standard errors {robust!r}; use None, HC0, HC1, HC2, HC3 or 'cluster'.")
    if robust in HC_TYPES[1:] and family != "ols":
        raise ValueError(f"{robust} standard errors are available for OLS only; for a {FAMILY_NAMES[family]} "
                         "model statsmodels would compute HC0 under that label. Use robust='HC0'.")
    if (robust == "cluster") != (groups is not None):
        raise ValueError("Cluster-robust standard errors need both robust='cluster' and groups='<column>' "
                         "naming the clusters.")
    if family not in COUNT_FAMILIES and (exposure is not None or offset is not None):
        raise ValueError(f"Exposure and offset apply to count models (poisson, negbin), not to a "
                         f"{FAMILY_NAMES[family]} model.")
    for role, column in [("groups", groups), ("exposure", exposure), ("offset", offset)]:
        if column is not None and column not in data.columns:
            raise ValueError(f"The {role} column '{column}' is not in the data{_did_you_mean(column, data)}.")


def _did_you_mean(name: str, data: pd.DataFrame) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in data.columns], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _build_model(frame, formula, family, exposure, offset):
    """Build (but do not fit) the statsmodels model, translating formula errors into ModelError."""
    kwargs = {"eval_env": FORMULA_ENV}
    if exposure is not None:
        kwargs["exposure"] = frame[exposure].to_numpy(dtype=float)
    if offset is not None:
        kwargs["offset"] = frame[offset].to_numpy(dtype=float)
    try:
        if family == "ols":
            return smf.ols(formula, frame, **kwargs)
        if family == "poisson":
            return smf.glm(formula, frame, family=Poisson(), **kwargs)
        if family == "negbin":
            return smf.negativebinomial(formula, frame, loglike_method="nb2", **kwargs)
        return smf.logit(formula, frame, **kwargs)
    except Exception as exc:  # patsy/formulaic raise their own error types
        match = _MISSING_NAME.search(str(exc))
        if match:
            name = match.group(1) or match.group(2)
            raise ValueError(f"The formula '{formula}' uses '{name}', which is not a column of the data"
                             f"{_did_you_mean(name, frame)}.") from exc
        if "unit interval" in str(exc):
            raise ModelError(f"A logit model needs an outcome coded 0/1; the outcome of '{formula}' has other "
                             "values.") from exc
        raise ValueError(f"The formula '{formula}' could not be applied to the data: {exc}") from exc


def _check_design(model, family, dropped) -> list[str]:
    """Refuse designs that cannot be estimated; return the caveats for those that can."""
    n, k = model.exog.shape
    p = k + (family == "negbin")  # NB2 also estimates alpha
    if n <= p + 1:
        raise ModelError(_("The model has {p} parameters but only {n} observations; at least {needed} are needed to "
                           "estimate it with any residual degrees of freedom.").format(p=p, n=n, needed=p + 2))
    _check_rank(model.exog, model.exog_names)
    y, outcome = model.endog, model.endog_names
    if family in COUNT_FAMILIES and np.any(y < 0):
        raise ModelError(_("The outcome '{outcome}' has negative values; a count model needs counts >= 0.").format(
            outcome=outcome))
    if family in COUNT_FAMILIES and not np.any(y):
        raise ModelError(_("Every value of the outcome '{outcome}' is zero; a count model cannot be estimated without "
                           "any events.").format(outcome=outcome))
    if family == "logit" and np.all(y == y[0]):
        raise ModelError(_("The outcome '{outcome}' is {value} in every row; a logit model needs both 0s and 1s.").format(
            outcome=outcome, value=f"{y[0]:g}"))
    notes = []
    if dropped:
        notes.append(_("{dropped} rows with missing values were dropped; the model uses {n} observations.").format(
            dropped=dropped, n=n))
    if n < MIN_OBS_PER_PARAMETER * p:
        notes.append(_("Only {n} observations for {p} parameters (fewer than {minimum} per parameter); estimates and "
                       "standard errors may be unstable.").format(n=n, p=p, minimum=MIN_OBS_PER_PARAMETER))
    return notes


def _check_rank(X: np.ndarray, names: list[str]) -> None:
    """Raise ModelError naming each design column that is a linear combination of earlier ones."""
    norms = np.linalg.norm(X, axis=0)
    Xs = X / np.where(norms > 0, norms, 1.0)  # scale-free rank, so large-valued columns do not dominate
    rank = np.linalg.matrix_rank(Xs)
    if rank == X.shape[1]:
        return
    kept, details = [], []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(Xs[:, kept + [j]]) > len(kept):
            kept.append(j)
            continue
        coef = np.linalg.lstsq(Xs[:, kept], Xs[:, j], rcond=None)[0] if kept else np.array([])
        parts = [names[i] for i, c in zip(kept, coef) if abs(c) > 1e-8]
        details.append(_("'{name}' is a linear combination of {others}").format(name=names[j], others=", ".join(parts))
                       if parts else _("'{name}' is all zero").format(name=names[j]))
    raise ModelError(_("The design matrix has rank {rank} but {columns} columns, so not every coefficient can be "
                       "estimated: {details}. Drop or merge the redundant terms.").format(
        rank=rank, columns=X.shape[1], details="; ".join(details)))


def _zero_cells(result) -> list[str]:
    """Warn when some observations are fitted as (almost) surely zero: a level with only zero counts."""
    stuck = int(np.sum(result.predict() < 1e-6 * np.mean(result.model.endog)))
    if not stuck:
        return []
    return [_("{k} observations have a fitted mean of almost zero: some predictor level has only zero counts, so its "
              "coefficient is not identified (the estimate diverges and its standard error is meaningless). Drop or "
              "merge that level.").format(k=stuck)]


def _too_few(model, family: str) -> str:
    """'The outcome totals 6 over 64 rows, 58 of them zero: ...' for a count outcome ('' otherwise): what usually
    keeps a count model from converging, in numbers."""
    y = np.asarray(model.endog, dtype=float)
    if family not in COUNT_FAMILIES or not len(y):
        return ""
    total = int(y.sum())
    if family == "negbin":
        text = _("The outcome totals {total} over {rows} rows, {zeros} of them zero: little information for a model "
                 "that also estimates a dispersion.")
    else:
        text = _("The outcome totals {total} over {rows} rows, {zeros} of them zero: little information for this "
                 "model.")
    return text.format(total=_n(f"{total:,}"), rows=_n(f"{len(y):,}"), zeros=_n(f"{int((y == 0).sum()):,}")) + " "


def _fit(model, family, cov, maxiter):
    """Fit the model; perfect separation, non-convergence and non-finite estimates become ModelError."""
    separation = ModelError(_("Perfect separation in the {family} model: some combination of predictors predicts the "
                              "outcome (almost) exactly, so its coefficients are not identified (they diverge to "
                              "infinity). Remove or merge the predictor responsible.").format(family=family_name(family)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        # Convergence and finite standard errors are checked below, so statsmodels' own notices are noise.
        for category in (ConvergenceWarning, HessianInversionWarning):
            warnings.simplefilter("ignore", category)
        warnings.filterwarnings("ignore", "overflow", RuntimeWarning)
        # An optimiser's line search may try a step where a probability is 0 or 1 (log(0), 0 * inf): numpy's notice
        # of it is not about the result, whose convergence and finite estimates are checked below; so, only while
        # the model fits, floating-point errors are not reported (the report's Provenance listed them, #30).
        errstate = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        try:
            with errstate:
                if family == "ols":
                    result = model.fit(**cov)
                elif family == "poisson":
                    result = model.fit(maxiter=maxiter, **cov)
                else:
                    result = model.fit(disp=0, maxiter=maxiter, **cov)
        except (PerfectSeparationError, PerfectSeparationWarning) as exc:
            raise separation from exc
        except np.linalg.LinAlgError as exc:
            raise ModelError(_("The {family} model could not be estimated: {error}").format(
                family=family_name(family), error=exc)) from exc
    retvals = getattr(result, "mle_retvals", None) or {}
    converged = retvals.get("converged", getattr(result, "converged", True))
    if family == "logit":
        # statsmodels only warns when every prediction is exact at some iteration; diverging fits often overflow
        # first, so look at the fitted probabilities as its summary's separation diagnostic does.
        exact = np.abs(model.endog - result.predict()) < 1e-4
        if exact.all() or (not converged and exact.mean() > 0.1):
            raise separation
    if not converged:
        error = ModelError(_("The {family} model did not converge within {maxiter} iterations; its estimates cannot be "
                             "trusted. {too_few}A model with fewer parameters may converge (or, in code, a larger "
                             "fit_model(maxiter=...)).").format(family=family_name(family), maxiter=maxiter,
                                                                too_few=_too_few(model, family)))
        error.clause = _("it did not converge within {maxiter} iterations").format(maxiter=maxiter)
        raise error
    if not (np.all(np.isfinite(result.params)) and np.all(np.isfinite(result.bse))):
        error = ModelError(_("The {family} model produced non-finite estimates or standard errors; the data cannot "
                             "identify every parameter.").format(family=family_name(family)))
        error.clause = _("it produced non-finite estimates or standard errors")
        raise error
    return result
