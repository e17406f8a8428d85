"""Tie formation in a sister-city network: a case-control logit with King & Zeng's (2001) prior correction.

Every tie of the network is a case; a simple random sample of the city pairs that are *not* tied (``controls_per_tie``
of them per tie, drawn with a recorded seed) are the controls. A logit of tie / no tie on the cities' log
populations, log great-circle distance, same country and same region is fitted on that sample. Sampling on the
outcome leaves the slopes consistent and shifts only the intercept, which is corrected as in King & Zeng (2001,
"Logistic Regression in Rare Events Data", *Political Analysis* 9(2), eq. 7):

    b0_corrected = b0 - ln[ ((1 - tau) / tau) * (ybar / (1 - ybar)) ]

with ``tau`` the share of tied pairs among all pairs of the cities in the model, and ``ybar`` the share of ties in
the sample. Predicted probabilities then refer to the whole population of city pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .graph import Network, great_circle_km

__all__ = ["prior_correction", "sample_non_ties", "pair_covariates", "TieModel", "fit_tie_model", "ranks", "TERMS"]

#: The model's terms, in the order of the design matrix (after the intercept).
TERMS = ("log_pop_larger", "log_pop_smaller", "log_distance_km", "same_country", "same_region")
MAX_CASES = 100_000  # larger networks: a random sample of this many ties are the cases (still a case-control design)
MIN_DISTANCE_KM = 1.0  # log distance is taken of at least 1 km (two items with the same coordinates)


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
        first = np.sort(np.unique(keys, return_index=True)[1])  # distinct pairs, in the order drawn
        got = keys[first][:n]
    else:
        raise ValueError(f"could not draw {n} untied pairs from {m} cities (too few untied pairs)")
    return got // width, got % width


def pair_covariates(net: Network, u, v) -> pd.DataFrame:
    """The model's terms for pairs of node indices (NaN where a city lacks population or coordinates)."""
    c = net.cities
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    logpop = np.log(c["population"].to_numpy(float))
    lat, lon = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
    # integer codes: comparing millions of pairs of strings is slow ('' -> -1, unknown)
    country = pd.factorize(c["country"].replace("", None))[0]
    region = pd.factorize(c["region"].replace("", None))[0]
    pu, pv = logpop[u], logpop[v]
    dist = great_circle_km(lat[u], lon[u], lat[v], lon[v])
    known_country = (country[u] >= 0) & (country[v] >= 0)
    known_region = (region[u] >= 0) & (region[v] >= 0)
    return pd.DataFrame({
        "log_pop_larger": np.fmax(pu, pv), "log_pop_smaller": np.fmin(pu, pv),
        "log_distance_km": np.log(np.fmax(dist, MIN_DISTANCE_KM)),
        "same_country": np.where(known_country, (country[u] == country[v]).astype(float), np.nan),
        "same_region": np.where(known_region, (region[u] == region[v]).astype(float), np.nan),
    })


@dataclass
class TieModel:
    """A fitted tie-formation model (or the reason it could not be fitted)."""

    terms: tuple
    params: pd.Series | None
    result: object
    n: int
    n_ties: int
    n_controls: int
    n_cities: int
    tau: float
    ybar: float
    seed: int
    controls_per_tie: int
    reason: str = ""
    dropped_cities: int = 0
    ties_in_network: int = 0  # ties among the cities kept; more than n_ties when the cases were sampled

    @property
    def fitted(self) -> bool:
        return self.params is not None

    def tidy(self) -> pd.DataFrame:
        """``term, estimate, std_error, statistic, p_value, conf_low, conf_high, n, n_ties, n_controls`` (intercept
        after the prior correction; its standard error is the sample's)."""
        cols = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "n", "n_ties",
                "n_controls", "note"]
        if not self.fitted:
            return pd.DataFrame(columns=cols)
        r = self.result
        ci = r.conf_int()
        shift = self.params["const"] - r.params["const"]
        out = pd.DataFrame({"term": ["intercept (prior-corrected)", *self.terms], "estimate": self.params.to_numpy(),
                            "std_error": r.bse.to_numpy(), "statistic": r.tvalues.to_numpy(),
                            "p_value": r.pvalues.to_numpy(), "conf_low": ci[0].to_numpy(), "conf_high": ci[1].to_numpy()})
        out.loc[0, ["conf_low", "conf_high"]] += shift
        out["n"], out["n_ties"], out["n_controls"] = self.n, self.n_ties, self.n_controls
        out["note"] = ""
        out.loc[0, "note"] = (f"King-Zeng prior correction: tau = {self.tau:.3g} (ties among all pairs), "
                              f"ybar = {self.ybar:.3g} (ties in the sample); seed {self.seed}"
                              + (f"; cases: a random {self.n_ties:,} of the {self.ties_in_network:,} ties"
                                 if self.ties_in_network > self.n_ties else ""))
        return out[cols]

    def predict(self, net: Network, u, v) -> np.ndarray:
        """Probability that each pair is tied, for the population of city pairs (NaN where a covariate is missing)."""
        if not self.fitted:
            return np.full(len(np.atleast_1d(u)), np.nan)
        x = pair_covariates(net, u, v)[list(self.terms)].to_numpy(float)
        eta = self.params["const"] + x @ self.params[list(self.terms)].to_numpy()
        return 1 / (1 + np.exp(-eta))


def fit_tie_model(net: Network, *, controls_per_tie: int = 3, seed: int = 20010401, terms=TERMS,
                  max_cases: int = MAX_CASES) -> TieModel:
    """Fit the case-control tie-formation logit on ``net`` (see the module docstring).

    Cities without population, coordinates or a resolved country are left out (they cannot enter the model), and
    with them their ties;
    ``tau`` is computed among the cities kept. A network with more than ``max_cases`` ties contributes a random
    ``max_cases`` of them as cases: the prior correction corrects for sampling on the outcome at any known rates, and
    100,000 cases estimate a handful of coefficients precisely. A model that cannot be estimated (too few ties, no variation,
    separation) comes back with ``reason`` set, never raised.
    """
    import statsmodels.api as sm

    if not isinstance(controls_per_tie, (int, np.integer)) or controls_per_tie < 1:
        raise ValueError(f"controls_per_tie must be a whole number >= 1, not {controls_per_tie!r}")
    terms = tuple(terms)
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise ValueError(f"unknown terms {sorted(unknown)}; the terms are {', '.join(TERMS)}")
    c = net.cities
    usable = c["lat"].notna() & c["lon"].notna()
    if any(t.startswith("log_pop") for t in terms):
        usable &= c["population"].notna()
    if "same_country" in terms:
        usable &= c["country"] != ""
    if "same_region" in terms:
        usable &= c["region"] != ""
    nodes = np.flatnonzero(usable.to_numpy())
    u, v = net.ties["u"].to_numpy(np.int64), net.ties["v"].to_numpy(np.int64)
    inside = usable.to_numpy()[u] & usable.to_numpy()[v]
    u, v = u[inside], v[inside]
    m = len(nodes)
    empty = dict(terms=terms, params=None, result=None, n=0, n_ties=int(len(u)), n_controls=0, n_cities=m,
                 tau=np.nan, ybar=np.nan, seed=seed, controls_per_tie=controls_per_tie,
                 dropped_cities=int(len(c) - m))
    possible = m * (m - 1) // 2
    if len(u) < 10 * (len(terms) + 1) or possible <= len(u):
        return TieModel(**empty, reason=f"only {len(u)} ties among {m} cities with the covariates: too few to estimate "
                                        f"{len(terms) + 1} coefficients")
    all_ties = len(u)
    if len(u) > max_cases:
        pick = np.sort(np.random.default_rng([seed, 1]).choice(len(u), max_cases, replace=False))
        u, v = u[pick], v[pick]
    n_controls = min(controls_per_tie * len(u), possible - all_ties)
    cu, cv = sample_non_ties(net, n_controls, seed=seed, nodes=nodes)
    x = pair_covariates(net, np.concatenate([u, cu]), np.concatenate([v, cv]))[list(terms)]
    y = np.concatenate([np.ones(len(u)), np.zeros(len(cu))])
    complete = x.notna().all(axis=1).to_numpy()
    x, y = x[complete], y[complete]
    constant = [t for t in terms if x[t].nunique() < 2]
    if constant:
        return TieModel(**{**empty, "n": int(len(y))}, reason=f"no variation in {', '.join(constant)} among the sampled pairs")
    exog = sm.add_constant(x.to_numpy(float), has_constant="add")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sm.Logit(y, pd.DataFrame(exog, columns=["const", *terms])).fit(disp=0, method="newton", maxiter=50)
    except (np.linalg.LinAlgError, ValueError) as exc:  # perfect separation, singular design
        return TieModel(**{**empty, "n": int(len(y))}, reason=f"the logit could not be estimated: {exc}")
    n_ties = int(y.sum())
    ybar = n_ties / len(y)
    tau = all_ties / possible
    params = result.params.copy()
    params["const"] = prior_correction(params["const"], tau, ybar)
    return TieModel(terms=terms, params=params, result=result, n=int(len(y)), n_ties=n_ties,
                    n_controls=int(len(y) - n_ties), n_cities=m, tau=tau, ybar=ybar, seed=seed,
                    controls_per_tie=controls_per_tie, dropped_cities=int(len(c) - m), ties_in_network=all_ties)


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
