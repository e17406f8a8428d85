"""Tie formation in a sister-city network: a dyad (gravity) logit, fitted on all city pairs or on a case-control sample.

Three estimators of the same logit of *tied / not tied* on the cities' log populations, log great-circle distance,
same country and same region (:data:`TERMS`):

``all_pairs``
    Maximum likelihood on every pair of the cities that can enter the model: the population itself, so nothing is
    sampled and nothing is corrected. The pairs are never held in memory at once: each Newton step streams them in
    blocks of :data:`BLOCK_PAIRS` and keeps only the k × k sums (the bundled snapshot's ~10.4 million pairs take
    seconds to a minute, with memory bounded by one block).
``weighted``
    Case-control: every tie is a case (a random :data:`MAX_CASES` of them in larger networks), ``controls_per_tie``
    untied pairs per tie a simple random sample (recorded seed); the log-likelihood is weighted by King & Zeng's (2001,
    "Logistic Regression in Rare Events Data", *Political Analysis* 9(2), §4.1) weights ``tau / ybar`` for ties and
    ``(1 - tau) / (1 - ybar)`` for untied pairs, so the fit estimates the population's (all-pairs) logit even when the
    model is misspecified.
``prior_corrected``
    The same sample, unweighted, with the intercept corrected as in King & Zeng (2001, eq. 7)
    ``b0 - ln[((1 - tau) / tau) (ybar / (1 - ybar))]``; the slopes equal the population's only when the model is
    correctly specified. Kept as a comparison.

``tau`` is the share of tied pairs among all pairs of the cities in the model, ``ybar`` the share of ties in the sample.
:func:`fit_tie_model` with ``estimator="auto"`` uses ``all_pairs`` when the cities have at most
:data:`MAX_ALL_PAIRS` pairs, else ``weighted``.

Every model's standard errors are **dyadic cluster-robust** (Fafchamps & Gubert 2007; Aronow, Samii & Assenova 2015,
"Cluster-robust variance estimation for dyadic data", *Political Analysis* 23(4)): the sandwich ``H⁻¹ M H⁻¹`` whose
meat ``M`` sums the score products of every two dyads that share a city, computed as
``Σ_i S_i S_iᵀ − Σ_d s_d s_dᵀ`` (``S_i`` the sum of the scores of city i's dyads, ``s_d`` a dyad's score), so that a
city appearing in many dyads is not counted as many independent observations. No small-sample factor is applied.
The standard error that treats dyads as independent (the same sandwich with only ``Σ_d s_d s_dᵀ`` as meat) is kept
beside it (``std_error_independent``), to show how much the dependence matters.

:data:`CHECK_TERMS` add node heterogeneity: the log of 1 + each city's *other* partners (its ties in the network
other than the dyad's own), larger and smaller, as a check of how much of the gravity slopes is city-level popularity.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..i18n import _, localize_number_text, ngettext, pgettext, reader_text, text_column
from .graph import Network, great_circle_km

__all__ = ["prior_correction", "sample_non_ties", "pair_covariates", "TieModel", "fit_tie_model", "ranks", "TERMS",
           "CHECK_TERMS", "TERM_LABELS", "ESTIMATORS", "SE_TYPE", "MAX_ALL_PAIRS", "term_label", "compare_models",
           "estimator_words", "se_type_words"]

#: The model's terms, in the order of the design matrix (after the intercept).
TERMS = ("log_pop_larger", "log_pop_smaller", "log_distance_km", "same_country", "same_region")
#: Node-heterogeneity terms for the check model (each city's partners other than the dyad's own tie).
CHECK_TERMS = ("log_partners_larger", "log_partners_smaller")
#: How terms are shown in tables and figures.
TERM_LABELS = {
    "const": "intercept", "log_pop_larger": "log population, larger city",
    "log_pop_smaller": "log population, smaller city", "log_distance_km": "log distance (km)",
    "same_country": "same country", "same_region": "same region (time-zone area)",
    "log_partners_larger": "log(1 + other partners), better-connected city",
    "log_partners_smaller": "log(1 + other partners), less-connected city",
}
#: Estimator keys and how they are named in tables.
ESTIMATORS = {"all_pairs": "all pairs (maximum likelihood, no sampling)",
              "weighted": "case-control, King-Zeng weighted",
              "prior_corrected": "case-control, King-Zeng prior-corrected"}
SE_TYPE = "dyadic cluster-robust (Aronow, Samii & Assenova 2015)"
MAX_CASES = 100_000  # larger networks: a random sample of this many ties are the cases (still a case-control design)
MAX_ALL_PAIRS = 20_000_000  # estimator="auto" fits on all pairs up to this many pairs
BLOCK_PAIRS = 1_000_000  # pairs per block when streaming all pairs
MIN_DISTANCE_KM = 1.0  # log distance is taken of at least 1 km (two items with the same coordinates)


def estimator_words(estimator: str):
    """:data:`ESTIMATORS`' name of ``estimator`` in the report's language (a ReaderText: its English, the
    machine value of tables/regression.csv, goes into the CSV file)."""
    words = lambda: {"all_pairs": _("all pairs (maximum likelihood, no sampling)"),  # noqa: E731
                     "weighted": _("case-control, King-Zeng weighted"),
                     "prior_corrected": _("case-control, King-Zeng prior-corrected")}[estimator]
    return reader_text(words)


def se_type_words():
    """:data:`SE_TYPE` in the report's language (a ReaderText, whose English goes into the CSV file)."""
    return reader_text(lambda: _("dyadic cluster-robust (Aronow, Samii & Assenova 2015)"))


def term_label(term: str) -> str:
    """The label of a model term ('log_pop_larger' -> 'log population, larger city') in the report language; unknown
    terms unchanged."""
    labels = {
        "const": _("intercept"), "log_pop_larger": _("log population, larger city"),
        "log_pop_smaller": _("log population, smaller city"), "log_distance_km": _("log distance (km)"),
        "same_country": _("same country"), "same_region": _("same region (time-zone area)"),
        "log_partners_larger": _("log(1 + other partners), better-connected city"),
        "log_partners_smaller": _("log(1 + other partners), less-connected city"),
    }
    return labels.get(term, TERM_LABELS.get(term, term))


def _label_text(term: str):
    """:func:`term_label` for a table: its text in the report language, its English for the CSV file."""
    return reader_text(lambda: term_label(term))


def _count(n: int) -> str:
    """A count as the sentences write it ('1,190'), in the report language's marks ('1.190')."""
    return localize_number_text(f"{n:,}")


def prior_correction(intercept: float, tau: float, ybar: float) -> float:
    """King & Zeng's (2001) prior correction of a logit intercept fitted on a case-control sample.

    Parameters
    ----------
    intercept : float
        The intercept fitted on the sample.
    tau : float
        Share of ones in the population (here: tied pairs among all city pairs), 0 < tau < 1.
    ybar : float
        Share of ones in the sample, 0 < ybar < 1.
    """
    if not (0 < tau < 1 and 0 < ybar < 1):
        raise ValueError(f"tau and ybar must lie strictly between 0 and 1, not {tau!r} and {ybar!r}")
    return float(intercept - np.log(((1 - tau) / tau) * (ybar / (1 - ybar))))


def sample_non_ties(net: Network, n: int, *, seed: int, nodes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct untied pairs ``(u, v)``, ``u < v``, drawn uniformly from the pairs of ``nodes`` (default: all)."""
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, not {seed!r}")
    nodes = np.arange(len(net.cities)) if nodes is None else np.asarray(nodes, dtype=np.int64)
    m = len(nodes)
    if m < 2 or n > m * (m - 1) // 2:
        raise ValueError(f"cannot draw {n} untied pairs from {m} cities")
    rng = np.random.default_rng(seed)
    width = len(net.cities)
    got = np.empty(0, dtype=np.int64)
    for _ in range(1000):  # each round keeps what it drew; only a nearly complete graph needs many
        if len(got) >= n:
            break
        k = int((n - len(got)) * 1.2) + 16
        a, b = nodes[rng.integers(0, m, k)], nodes[rng.integers(0, m, k)]
        keep = (a != b) & ~net.has_tie(a, b)
        keys = np.concatenate([got, np.minimum(a, b)[keep] * width + np.maximum(a, b)[keep]])
        got = keys[~pd.Series(keys).duplicated().to_numpy()][:n]  # distinct pairs, in the order drawn (hashing)
    else:
        raise ValueError(f"could not draw {n} untied pairs from {m} cities (too few untied pairs)")
    return got // width, got % width


# ------------------------------------------------------------------------------------------ covariates


class _Nodes:
    """Per-city arrays the design is built from (computed once per fit)."""

    def __init__(self, net: Network):
        c = net.cities
        with np.errstate(divide="ignore", invalid="ignore"):
            self.logpop = np.log(c["population"].to_numpy(float))
        self.lat, self.lon = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
        # integer codes: comparing millions of pairs of strings is slow ('' -> -1, unknown)
        self.country = pd.factorize(c["country"].replace("", None))[0]
        self.region = pd.factorize(c["region"].replace("", None))[0]
        self.degree = net.degrees.astype(float)

    def design(self, u, v, y, terms) -> np.ndarray:
        """Columns: a constant, then ``terms`` (NaN where a city lacks a covariate)."""
        out = np.empty((len(u), len(terms) + 1))
        out[:, 0] = 1.0
        for k, t in enumerate(terms, 1):
            if t.startswith("log_pop"):
                pu, pv = self.logpop[u], self.logpop[v]
                out[:, k] = np.fmax(pu, pv) if t.endswith("larger") else np.fmin(pu, pv)
            elif t == "log_distance_km":
                d = great_circle_km(self.lat[u], self.lon[u], self.lat[v], self.lon[v])
                out[:, k] = np.log(np.fmax(d, MIN_DISTANCE_KM))
            elif t in ("same_country", "same_region"):
                code = self.country if t == "same_country" else self.region
                cu, cv = code[u], code[v]
                out[:, k] = np.where((cu >= 0) & (cv >= 0), (cu == cv).astype(float), np.nan)
            elif t.startswith("log_partners"):  # partners other than this dyad's own tie
                du, dv = np.log1p(self.degree[u] - y), np.log1p(self.degree[v] - y)
                out[:, k] = np.fmax(du, dv) if t.endswith("larger") else np.fmin(du, dv)
            else:
                raise ValueError(f"unknown term {t!r}")
        return out


def pair_covariates(net: Network, u, v, *, terms=TERMS) -> pd.DataFrame:
    """The model's terms for pairs of node indices (NaN where a city lacks population or coordinates).

    Partner terms (:data:`CHECK_TERMS`) count each city's partners other than a tie between ``u`` and ``v``.
    """
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    y = net.has_tie(u, v).astype(float) if any(t.startswith("log_partners") for t in terms) else np.zeros(len(u))
    x = _Nodes(net).design(u, v, y, tuple(terms))
    return pd.DataFrame(x[:, 1:], columns=list(terms))


# --------------------------------------------------------------------------------------- the estimator


def _all_pair_blocks(nodes: np.ndarray, block: int):
    """Every pair ``(nodes[i], nodes[j])``, ``i < j``, in blocks of about ``block`` pairs, in key order."""
    m = len(nodes)
    per_row = np.arange(m - 1, -1, -1, dtype=np.int64)  # row i holds m - 1 - i pairs
    ends = np.cumsum(per_row)
    start_row = 0
    while start_row < m - 1:
        stop = int(np.searchsorted(ends, ends[start_row] - per_row[start_row] + block, side="right"))
        stop = max(stop, start_row + 1)
        rows = np.arange(start_row, min(stop, m - 1))
        counts = per_row[rows]
        total = int(counts.sum())
        first = np.repeat(rows, counts)
        offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        yield nodes[first], nodes[first + 1 + offset]
        start_row = int(rows[-1]) + 1


def _is_tie(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if not len(known):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(known, keys)
    return known[np.minimum(at, len(known) - 1)] == keys


def _needs(terms) -> str:
    """What a city needs to enter the model with these terms, in words: 'coordinates and a population'."""
    need = [_("coordinates")]
    need += [_("a population")] if any(t.startswith("log_pop") for t in terms) else []
    need += [_("a resolved country")] if "same_country" in terms else []
    need += [_("a region")] if "same_region" in terms else []
    if len(need) == 1:
        return need[0]
    if len(need) == 2:
        return _("{items} and {last}").format(items=need[0], last=need[1])
    # three or more: EYD writes a comma before the last 'dan' (English here keeps none)
    return pgettext("three or more", "{items} and {last}").format(items=", ".join(need[:-1]), last=need[-1])


def _too_few_reason(n_ties: int, n_cities: int, possible: int, terms) -> str:
    """Why the model is not estimated from ``n_ties`` ties among ``n_cities`` usable cities: one sentence, capitalised
    and ending in a full stop, true for zero too, that reads alone or after 'was not estimated.' or '...: '."""
    k = len(terms) + 1
    needs = _("all the model needs ({needs})").format(needs=_needs(terms))
    if n_cities < 2:
        if n_cities == 0:
            return _("No city of the network has {needs}, so there is no pair to compare.").format(needs=needs)
        return _("Only 1 city of the network has {needs}, so there is no pair to compare.").format(needs=needs)
    cities = _count(n_cities)
    if n_ties == 0:
        return _("No tie joins two of the {cities} cities that have {needs}, so there is no tie to compare.").format(
            cities=cities, needs=needs)
    if possible <= n_ties:
        if possible == 1:
            return _("The one pair of the {cities} cities that have {needs} is a tie, so there is no untied pair to "
                     "compare with.").format(cities=cities, needs=needs)
        return _("All {possible} pairs of the {cities} cities that have {needs} are ties, so there is no untied pair to "
                 "compare with.").format(possible=_count(possible), cities=cities, needs=needs)
    return ngettext("Only 1 tie joins two of the {cities} cities that have {needs}, too few for {k} coefficients, which "
                    "need at least {minimum} ties (ten a coefficient).",
                    "Only {ties} ties join pairs of the {cities} cities that have {needs}, too few for {k} coefficients, "
                    "which need at least {minimum} ties (ten a coefficient).", n_ties).format(
        ties=_count(n_ties), cities=cities, needs=needs, k=k, minimum=10 * k)


def _logit_fit(blocks, k: int, n_nodes: int, start: np.ndarray, *, maxiter: int = 50, tol: float = 1e-8):
    """Weighted logit by Newton's method over ``blocks()`` (an iterable factory of ``(X, y, w, u, v)``) with the
    dyadic sandwich; returns ``(beta, cov_dyadic, cov_independent, iterations)`` or raises ValueError.

    The sandwich's per-city sums are accumulated only once the steps are small (Newton converges quadratically), and
    the last pass, whose step is below ``tol``, gives both covariances."""
    beta = start.astype(float).copy()
    last_step = np.inf
    for it in range(1, maxiter + 1):
        meat_wanted = last_step < 1e-3
        h, g, meat_diag = np.zeros((k, k)), np.zeros(k), np.zeros((k, k))
        per_node = np.zeros((n_nodes, k)) if meat_wanted else None
        for x, y, w, u, v in blocks():
            p = 1.0 / (1.0 + np.exp(-(x @ beta)))
            r = w * (y - p)
            g += x.T @ r
            h += (x * (w * p * (1 - p))[:, None]).T @ x
            if meat_wanted:
                s = x * r[:, None]
                meat_diag += s.T @ s
                for j in range(k):
                    per_node[:, j] += np.bincount(u, weights=s[:, j], minlength=n_nodes)
                    per_node[:, j] += np.bincount(v, weights=s[:, j], minlength=n_nodes)
        if not np.all(np.isfinite(h)) or not np.all(np.isfinite(g)):
            raise ValueError("the likelihood is not finite")
        step = np.linalg.solve(h, g)
        last_step = float(np.max(np.abs(step)))
        if meat_wanted and last_step < tol:
            bread = np.linalg.inv(h)
            meat = per_node.T @ per_node - meat_diag
            return beta + step, bread @ meat @ bread, bread @ meat_diag @ bread, it
        beta = beta + step
        if np.max(np.abs(beta)) > 1e3 or not np.all(np.isfinite(beta)):
            raise ValueError("the estimates diverge (perfect separation)")
    raise ValueError(f"Newton's method did not converge in {maxiter} iterations (perhaps a covariate all but "
                     "separates ties from untied pairs)")


@dataclass
class TieModel:
    """A fitted tie-formation model (or the reason it could not be fitted).

    ``params``: intercept (``const``, for ``prior_corrected`` after the correction) and slopes; ``cov``: their dyadic
    cluster-robust covariance; ``cov_independent``: the robust covariance that treats dyads as independent. ``n`` pairs entered the fit, ``n_ties`` of them
    tied; ``n_pairs_population`` is the number of pairs among the ``n_cities`` cities in the model.
    """

    terms: tuple
    params: pd.Series | None
    cov: pd.DataFrame | None
    n: int
    n_ties: int
    n_controls: int
    n_cities: int
    tau: float
    ybar: float
    seed: int
    controls_per_tie: int
    estimator: str = "prior_corrected"
    reason: str = ""
    dropped_cities: int = 0
    ties_in_network: int = 0  # ties among the cities kept; more than n_ties when the cases were sampled
    n_pairs_population: int = 0
    cov_independent: pd.DataFrame | None = None
    iterations: int = 0
    seconds: float = 0.0
    name: str = "main"
    extra: dict = field(default_factory=dict)

    @property
    def fitted(self) -> bool:
        return self.params is not None

    @property
    def estimator_label(self) -> str:
        """The estimator's name in the report's language (:func:`estimator_words`)."""
        return estimator_words(self.estimator)

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index)

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``model, estimator, se_type, term, label, estimate, std_error, statistic, p_value,
        conf_low, conf_high, std_error_independent, n, n_ties, n_controls, n_cities, note`` (95% Wald intervals from the
        dyadic cluster-robust standard errors)."""
        from scipy import stats

        cols = ["model", "estimator", "se_type", "term", "label", "estimate", "std_error", "statistic", "p_value",
                "conf_low", "conf_high", "std_error_independent", "n", "n_ties", "n_controls", "n_cities", "note"]
        if not self.fitted:
            return pd.DataFrame(columns=cols)
        est, se = self.params.to_numpy(), self.std_errors.to_numpy()
        z = est / se
        out = pd.DataFrame({"term": ["intercept (prior-corrected)" if self.estimator == "prior_corrected" else "intercept",
                                     *self.terms],
                            "label": text_column(_label_text(t) for t in ("const", *self.terms)),
                            "estimate": est, "std_error": se, "statistic": z, "p_value": 2 * stats.norm.sf(np.abs(z)),
                            "conf_low": est - 1.959963984540054 * se, "conf_high": est + 1.959963984540054 * se,
                            "std_error_independent": np.sqrt(np.diag(self.cov_independent))})
        out.insert(0, "se_type", text_column([se_type_words()] * len(out), out.index))
        out.insert(0, "estimator", text_column([self.estimator_label] * len(out), out.index))
        out.insert(0, "model", self.name)
        out["n"], out["n_ties"], out["n_controls"], out["n_cities"] = self.n, self.n_ties, self.n_controls, self.n_cities
        out["note"] = text_column([reader_text(self._note), *[""] * (len(out) - 1)], out.index)
        return out[cols]

    def _note(self) -> str:
        """How the model was fitted, for the coefficient table's ``note`` (report language)."""
        if self.estimator == "all_pairs":
            return _("all {n} pairs of {cities} cities; tau = {tau}").format(
                n=_count(self.n), cities=_count(self.n_cities), tau=localize_number_text(f"{self.tau:.3g}"))
        note = _("tau = {tau} (ties among all pairs), ybar = {ybar} (ties in the sample); {controls} controls per tie, "
                 "seed {seed}").format(tau=localize_number_text(f"{self.tau:.3g}"),
                                       ybar=localize_number_text(f"{self.ybar:.3g}"), controls=self.controls_per_tie,
                                       seed=self.seed)
        if self.ties_in_network > self.n_ties:
            note += _("; cases: a random {n} of the {total} ties").format(n=_count(self.n_ties),
                                                                         total=_count(self.ties_in_network))
        return note

    def predict(self, net: Network, u, v) -> np.ndarray:
        """Probability that each pair is tied, for the population of city pairs (NaN where a covariate is missing)."""
        if not self.fitted:
            return np.full(len(np.atleast_1d(u)), np.nan)
        x = pair_covariates(net, u, v, terms=self.terms).to_numpy(float)
        eta = self.params["const"] + x @ self.params[list(self.terms)].to_numpy()
        return 1 / (1 + np.exp(-eta))


def fit_tie_model(net: Network, *, estimator: str = "auto", controls_per_tie: int = 3, seed: int = 20010401,
                  terms=TERMS, max_cases: int = MAX_CASES, max_all_pairs: int = MAX_ALL_PAIRS,
                  name: str = "main") -> TieModel:
    """Fit the tie-formation logit on ``net`` (see the module docstring) with dyadic cluster-robust errors.

    Parameters
    ----------
    estimator : {'auto', 'all_pairs', 'weighted', 'prior_corrected'}
        ``auto``: ``all_pairs`` when the cities in the model have at most ``max_all_pairs`` pairs, else ``weighted``.
    controls_per_tie, seed : int
        The case-control sample (ignored by ``all_pairs``).
    terms : sequence of str
        Terms from :data:`TERMS` and :data:`CHECK_TERMS`.

    Cities without population (when a population term is used), coordinates or a resolved country are left out, and
    with them their ties; ``tau`` is computed among the cities kept. A model that cannot be estimated (too few ties,
    no variation, separation) comes back with ``reason`` set, never raised.
    """
    if estimator not in ("auto", *ESTIMATORS):
        raise ValueError(f"estimator must be one of auto, {', '.join(ESTIMATORS)}; not {estimator!r}")
    if not isinstance(controls_per_tie, (int, np.integer)) or isinstance(controls_per_tie, bool) or controls_per_tie < 1:
        raise ValueError(f"controls_per_tie must be a whole number >= 1, not {controls_per_tie!r}")
    terms = tuple(terms)
    unknown = set(terms) - set(TERMS) - set(CHECK_TERMS)
    if unknown:
        raise ValueError(f"unknown terms {sorted(unknown)}; the terms are {', '.join(TERMS + CHECK_TERMS)}")
    started = time.perf_counter()
    c = net.cities
    usable = c["lat"].notna() & c["lon"].notna()
    if any(t.startswith("log_pop") for t in terms):
        usable &= c["population"].notna()
    if "same_country" in terms:
        usable &= c["country"] != ""
    if "same_region" in terms:
        usable &= c["region"] != ""
    ok = usable.to_numpy()
    nodes = np.flatnonzero(ok)
    u, v = net.ties["u"].to_numpy(np.int64), net.ties["v"].to_numpy(np.int64)
    inside = ok[u] & ok[v]
    u, v = u[inside], v[inside]
    m = len(nodes)
    possible = m * (m - 1) // 2
    if estimator == "auto":
        estimator = "all_pairs" if possible <= max_all_pairs else "weighted"
    empty = dict(terms=terms, params=None, cov=None, n=0, n_ties=int(len(u)), n_controls=0, n_cities=m,
                 tau=np.nan, ybar=np.nan, seed=seed, controls_per_tie=controls_per_tie, estimator=estimator,
                 dropped_cities=int(len(c) - m), n_pairs_population=possible, name=name)
    if len(u) < 10 * (len(terms) + 1) or possible <= len(u):
        return TieModel(**empty, reason=_too_few_reason(len(u), m, possible, terms))
    all_ties = len(u)
    tau = all_ties / possible
    width = len(c)
    known = net._tie_keys()  # sorted keys of every tie (pairs of usable cities are found among them)
    info = _Nodes(net)
    k = len(terms) + 1
    start = np.zeros(k)

    if estimator == "all_pairs":
        def blocks():
            for bu, bv in _all_pair_blocks(nodes, BLOCK_PAIRS):
                y = _is_tie(known, bu * width + bv).astype(float)
                yield info.design(bu, bv, y, terms), y, np.ones(len(y)), bu, bv

        x = None  # a covariate without variation makes the Hessian singular: reported as such below
        n, n_ties, ybar = possible, all_ties, tau
        start[0] = math.log(tau / (1 - tau))
        if possible > 4 * BLOCK_PAIRS:  # start from the weighted case-control fit: fewer passes over all pairs
            try:
                first = fit_tie_model(net, estimator="weighted", controls_per_tie=controls_per_tie, seed=seed,
                                      terms=terms, max_cases=max_cases)
            except ValueError:  # e.g. too few untied pairs to sample: start from the overall rate
                first = None
            if first is not None and first.fitted:
                start = first.params.to_numpy(float)
    else:
        cu_, cv_ = u, v
        if len(u) > max_cases:
            pick = np.sort(np.random.default_rng([seed, 1]).choice(len(u), max_cases, replace=False))
            cu_, cv_ = u[pick], v[pick]
        n_controls = min(controls_per_tie * len(cu_), possible - all_ties)
        try:
            su, sv = sample_non_ties(net, n_controls, seed=seed, nodes=nodes)
        except ValueError as exc:
            return TieModel(**empty, reason=_("The controls could not be sampled: {error}.").format(error=exc))
        su, sv = np.concatenate([cu_, su]), np.concatenate([cv_, sv])
        y = np.concatenate([np.ones(len(cu_)), np.zeros(n_controls)])
        x = info.design(su, sv, y, terms)
        n, n_ties = len(y), int(y.sum())
        ybar = n_ties / n
        w = np.where(y == 1, tau / ybar, (1 - tau) / (1 - ybar)) if estimator == "weighted" else np.ones(n)
        start[0] = math.log(tau / (1 - tau)) if estimator == "weighted" else math.log(ybar / (1 - ybar))

        def blocks():
            yield x, y, w, su, sv

    constant = [] if x is None else [t for j, t in enumerate(terms, 1) if np.unique(x[:, j][~np.isnan(x[:, j])]).size < 2]
    if constant:
        return TieModel(**{**empty, "n": int(n)}, reason=_("No variation in {terms} among the pairs.").format(
            terms=", ".join(term_label(t) for t in constant)))
    try:
        beta, cov, cov_independent, iterations = _logit_fit(blocks, k, width, start)
    except (np.linalg.LinAlgError, ValueError) as exc:  # perfect separation, singular design
        why = (_("its design is singular (a covariate is constant, or a combination of others, among these pairs)")
               if isinstance(exc, np.linalg.LinAlgError) else str(exc))
        return TieModel(**{**empty, "n": int(n)}, reason=_("The logit could not be estimated: {why}.").format(why=why))
    index = ["const", *terms]
    params = pd.Series(beta, index=index)
    if estimator == "prior_corrected":
        params["const"] = prior_correction(params["const"], tau, ybar)
    return TieModel(terms=terms, params=params, cov=pd.DataFrame(cov, index=index, columns=index), n=int(n),
                    n_ties=int(n_ties), n_controls=int(n - n_ties), n_cities=m, tau=tau, ybar=ybar, seed=seed,
                    controls_per_tie=controls_per_tie, estimator=estimator, dropped_cities=int(len(c) - m),
                    ties_in_network=all_ties, n_pairs_population=possible,
                    cov_independent=pd.DataFrame(cov_independent, index=index, columns=index), iterations=iterations,
                    seconds=time.perf_counter() - started, name=name)


def compare_models(reference: TieModel, *others: TieModel) -> pd.DataFrame:
    """How far other fits' slopes are from ``reference``'s: one row per model and shared term with both estimates,
    the difference and the difference in units of the reference's (dyadic cluster-robust) standard error."""
    cols = ["model", "estimator", "term", "label", "estimate", "reference_estimate", "difference",
            "difference_in_reference_se"]
    rows = []
    if not reference.fitted:
        return pd.DataFrame(columns=cols)
    se = reference.std_errors
    for m in others:
        if not m.fitted:
            continue
        for t in m.terms:
            if t in reference.terms:
                d = m.params[t] - reference.params[t]
                rows.append({"model": m.name, "estimator": m.estimator_label, "term": t, "label": _label_text(t),
                             "estimate": m.params[t], "reference_estimate": reference.params[t], "difference": d,
                             "difference_in_reference_se": d / se[t]})
    out = pd.DataFrame(rows, columns=cols)
    for column in ("label", "estimator"):
        out[column] = text_column((r[column] for r in rows), out.index)
    return out


def ranks(model: TieModel, net: Network, focal: pd.DataFrame) -> pd.DataFrame:
    """Predicted probability of each focal pair, its rank among all the network's ties and among city_a's candidates.

    ``focal`` needs node indices in ``_a`` and ``_b`` (as :func:`studylib.network.focal_ties` gives them; -1 when
    not matched). ``rank_among_ties``: 1 = the tie the model finds most expected; ``rank_among_partners_of_a``: where
    city_b stands among all cities city_a could be tied to.
    """
    out = focal[["tie_id"]].copy()
    a, b = focal["_a"].to_numpy(np.int64), focal["_b"].to_numpy(np.int64)
    ok = (a >= 0) & (b >= 0)
    p = np.full(len(focal), np.nan)
    if ok.any():
        p[ok] = model.predict(net, a[ok], b[ok])
    all_ties = np.sort(model.predict(net, net.ties["u"], net.ties["v"]))[::-1]
    all_ties = all_ties[~np.isnan(all_ties)]
    out["predicted_probability"] = p
    out["rank_among_ties"] = [int(np.searchsorted(-all_ties, -x, side="left") + 1) if x == x else np.nan for x in p]
    out["n_ties_ranked"] = len(all_ties)
    cand = []
    for ai, x in zip(a, p):
        if x != x:
            cand.append((np.nan, np.nan))
            continue
        others = np.delete(np.arange(len(net.cities)), ai)
        q = model.predict(net, np.full(len(others), ai), others)
        q = q[~np.isnan(q)]
        cand.append((int((q > x).sum() + 1), len(q)))
    out["rank_among_partners_of_a"] = [r for r, _ in cand]
    out["candidates_of_a"] = [n for _, n in cand]
    return out
