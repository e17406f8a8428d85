"""Exact tests and intervals on tables of coded activities: whether the composition differs between groups, an
even split, one set of categories against another, and shares with their Jeffreys intervals.

Every selected activity counts once, dated or not; sparse tables get exact tests (a seeded Monte-Carlo test once
the enumeration would be too long). These functions return numbers; the verdicts belong in the notebooks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..i18n import _, localize_number_text, name_in_language, reader_text, text_column

__all__ = [
    "DEFAULT_SEED", "DEFAULT_RESAMPLES", "CompositionTest", "composition_table", "composition_test",
    "share_intervals", "jeffreys_interval", "even_split_test", "contrast_test",
]

DEFAULT_SEED = 20261130
DEFAULT_RESAMPLES = 20_000
EXACT_LIMIT = 200  # activities above which the r x c exact enumeration gives way to a seeded Monte-Carlo test
EXACT_TABLES = 20_000  # tables with the observed margins above which the enumeration gives way too
EXACT_WORK = 5_000_000  # network-algorithm steps above which the exact test gives way to the seeded Monte-Carlo test
IMPLEMENTED = ("implemented",)


def _select(activities: pd.DataFrame, *, by: str, stages, exclude) -> pd.DataFrame:
    if by not in activities.columns:
        raise ValueError(f"The column '{by}' is not in the activities; columns: {', '.join(map(str, activities.columns))}.")
    acts = activities
    if stages is not None and "stage" in acts.columns:
        acts = acts[acts["stage"].astype(str).isin(list(stages))]
    values = acts[by].astype(object)
    keep = values.notna() & (values.astype(str) != "") & ~values.astype(str).isin(list(exclude))
    return acts[keep]


def composition_table(activities: pd.DataFrame, *, by: str = "sector", within: str = "tie_id", stages=IMPLEMENTED,
                      exclude=("general",)) -> pd.DataFrame:
    """Activities per group (rows: ``within``) and category (columns: ``by``), dated or not.

    Parameters
    ----------
    activities : DataFrame
        Coded activities (one row each; undated ones included).
    by : str
        The composition column: ``sector``, ``direction``, ``actor_type``... (any column).
    within : str
        The column whose groups are compared (e.g. ``tie_id``).
    stages : sequence of str or None
        Stages kept (default: implemented only); None keeps every row.
    exclude : sequence of str
        Categories left out (default: ``general``, umbrella agreements, which are not a sector).
    """
    acts = _select(activities, by=by, stages=stages, exclude=exclude)
    if within not in activities.columns:
        raise ValueError(f"The column '{within}' is not in the activities.")
    table = pd.crosstab(acts[within].astype(str), acts[by].astype(str))
    return table.rename_axis(index=within, columns=by)


METHOD_CONTEXT = "test method"  # msgctxt of a test's name ('Fisher–Freeman–Halton exact test') in a sentence


@dataclass
class CompositionTest:
    """An exact (or seeded Monte-Carlo) test that the composition is the same in every group.

    ``table`` is the group × category table of activities tested; ``reason`` says why no test was run (then
    ``p_value`` is NaN). ``to_frame()`` gives the one-row table written to ``tables/<name>.csv``.
    """

    method: str
    statistic: float
    p_value: float
    n_activities: int
    table: pd.DataFrame
    seed: int | None = None
    resamples: int | None = None
    reason: str = ""
    p_value_se: float = float("nan")  # Monte-Carlo standard error of p (NaN for an exact p)

    @property
    def run(self) -> bool:
        return not self.reason

    def to_frame(self) -> pd.DataFrame:
        rows, cols = self.table.shape
        frame = pd.DataFrame([{"method": self.method, "statistic": self.statistic, "p_value": self.p_value,
                              "n_activities": self.n_activities, "groups": rows, "categories": cols,
                              "seed": self.seed, "resamples": self.resamples, "p_value_se": self.p_value_se,
                              "reason": self.reason}])
        frame["reason"] = text_column([self.reason])
        return frame

    def _repr_markdown_(self) -> str:
        method = name_in_language(METHOD_CONTEXT, self.method)
        if not self.run:
            return _("{method}: not run ({reason}); n = {n} activities.").format(method=method, reason=self.reason,
                                                                              n=self.n_activities)
        extra = (_(", seed {seed}, {resamples} resamples").format(
            seed=self.seed, resamples=localize_number_text(f"{self.resamples:,}")) if self.seed is not None else "")
        return _("{method}: p = {p} (n = {n} activities in a {rows} × {columns} table{extra}).").format(
            method=method, p=localize_number_text(f"{self.p_value:.3f}"), n=self.n_activities, rows=self.table.shape[0],
            columns=self.table.shape[1], extra=extra)


def _log_probability(table: np.ndarray) -> float:
    """Log-probability of the table under independence given its margins (multivariate hypergeometric)."""
    rows, cols, n = table.sum(axis=1), table.sum(axis=0), int(table.sum())
    return (sum(math.lgamma(r + 1) for r in rows) + sum(math.lgamma(c + 1) for c in cols) - math.lgamma(n + 1)
            - sum(math.lgamma(x + 1) for x in table.ravel()))


class _TooManyTables(Exception):
    pass


def _exact_rxc(table: np.ndarray, *, limit: int) -> float:
    """Fisher–Freeman–Halton p-value by enumerating every table with the observed margins: the summed probability
    of the tables no more probable than the observed one. Raises _TooManyTables past ``limit`` tables."""
    rows = [int(r) for r in table.sum(axis=1)]
    cols = [int(c) for c in table.sum(axis=0)]
    n = sum(rows)
    const = sum(math.lgamma(r + 1) for r in rows) + sum(math.lgamma(c + 1) for c in cols) - math.lgamma(n + 1)
    observed = _log_probability(table)
    lgam = [math.lgamma(k + 1) for k in range(n + 1)]
    total, seen = 0.0, 0

    def columns(j, remaining, acc):
        nonlocal total, seen
        if j == len(cols) - 1:  # the last column is what the rows have left
            lp = const - acc - sum(lgam[x] for x in remaining)
            seen += 1
            if seen > limit:
                raise _TooManyTables
            if lp <= observed + 1e-7 * abs(observed) + 1e-12:
                total += math.exp(lp)
            return
        for cell in _fill(cols[j], remaining):
            columns(j + 1, [r - x for r, x in zip(remaining, cell)], acc + sum(lgam[x] for x in cell))

    columns(0, rows, 0.0)
    return min(total, 1.0)


def _fill(total: int, caps: list[int]):
    """Every vector of non-negative integers below ``caps`` that sums to ``total``."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest = sum(caps[1:])
    for x in range(max(0, total - rest), min(caps[0], total) + 1):
        for tail in _fill(total - x, caps[1:]):
            yield (x, *tail)
def _even_cost_exact(total: int, caps, lgam) -> float:
    """Water-filling: the minimum of sum log(x_i!) subject to sum x = total, 0 <= x_i <= caps_i (convex)."""
    caps = sorted(caps)
    x, left, k = [0] * len(caps), total, len(caps)
    for i, cap in enumerate(caps):  # the smallest caps fill first, the rest share what is left evenly
        level = left // (k - i)
        x[i] = min(cap, level)
        left -= x[i]
    # hand out what is left one at a time to the positions with room and the smallest value
    while left > 0:
        i = min((j for j in range(k) if x[j] < caps[j]), key=lambda j: x[j])
        x[i] += 1
        left -= 1
    return sum(lgam[v] for v in x)


def _concentrated_cost(total: int, caps, lgam) -> float:
    """Largest sum of log(x!) over vectors x <= caps summing to total (fill the largest caps first)."""
    cost, left = 0.0, total
    for cap in sorted(caps, reverse=True):
        x = min(cap, left)
        cost += lgam[x]
        left -= x
    return cost


def _network_rxc(table: np.ndarray, *, limit: int | None = None) -> float:
    """Fisher–Freeman–Halton p-value by a network algorithm (Mehta & Patel 1983): the tables with the observed
    margins are paths through a network whose nodes are (column, the rows' remaining totals as a multiset); paths
    with the same node and the same past probability are merged, and a node whose every completion is (or none
    is) at most as probable as the observed table is settled at once from bounds on its completions (each column
    computed once per node, the shortest and longest path to the end), without enumerating them. Exact: the same
    p-value as the full enumeration (:func:`_exact_rxc`). Raises _TooManyTables past ``limit`` node expansions
    (None: no limit)."""
    t = np.asarray(table, dtype=np.int64)
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows: smaller nodes
    rows = [int(r) for r in t.sum(axis=1)]
    cols = sorted((int(c) for c in t.sum(axis=0)), reverse=True)
    n = sum(rows)
    lgam = [math.lgamma(k + 1) for k in range(n + 1)]
    const = sum(lgam[r] for r in rows) + sum(lgam[c] for c in cols) - lgam[n]
    observed = _log_probability(t)
    threshold = const - observed - (1e-7 * abs(observed) + 1e-12)  # a table counts when its cost >= threshold
    suffix = [sum(cols[j:]) for j in range(len(cols) + 1)]
    bounds: dict = {}

    def completion(j, r):
        """Exact least and greatest cost of the completions from node (j, r), and their total weight."""
        key = (j, r)
        if key not in bounds:
            if j == len(cols) - 1:
                cost = sum(lgam[x] for x in r)
                low = high = cost
            else:
                low, high = math.inf, -math.inf
                for fill in _fill(cols[j], list(r)):
                    here = sum(lgam[x] for x in fill)
                    lo, hi, _ = completion(j + 1, tuple(sorted(a - b for a, b in zip(r, fill))))
                    low, high = min(low, here + lo), max(high, here + hi)
            # the sum of exp(-cost) over every completion: N_rem! / (prod r_i! prod c_k!)
            log_total = lgam[suffix[j]] - sum(lgam[x] for x in r) - sum(lgam[c] for c in cols[j:])
            bounds[key] = (low, high, log_total)
        return bounds[key]

    total, work = 0.0, 0
    stage = {tuple(sorted(rows)): {0.0: 1.0}}
    for j, c in enumerate(cols):
        nxt: dict = {}
        for r, pasts in stage.items():
            low, high, log_total = completion(j, r)
            moves = None  # each way to fill this column from r: the node it leads to and its cost (listed once)
            for past, weight in pasts.items():
                if past + high < threshold:
                    continue  # no completion counts
                if past + low >= threshold:
                    total += weight * math.exp(const - past + log_total)
                    continue
                if moves is None:
                    moves = [(tuple(sorted(a - b for a, b in zip(r, fill))), sum(lgam[x] for x in fill))
                             for fill in _fill(c, list(r))]
                for left, here in moves:
                    work += 1
                    if limit is not None and work > limit:
                        raise _TooManyTables
                    cost = round(past + here, 9)
                    bucket = nxt.setdefault(left, {})
                    bucket[cost] = bucket.get(cost, 0.0) + weight
        stage = nxt
    for r, pasts in stage.items():  # every column placed: r is all zeros
        for past, weight in pasts.items():
            if past >= threshold:
                total += weight * math.exp(const - past)
    return min(total, 1.0)


def _permutation_chi2(table: np.ndarray, *, seed: int, resamples: int) -> tuple[float, float]:
    """Pearson χ² of ``table`` and its Monte-Carlo permutation p-value (labels shuffled, margins kept)."""
    rows = np.repeat(np.arange(table.shape[0]), table.sum(axis=1))
    cols = np.repeat(np.arange(table.shape[1]), table.sum(axis=0))
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()

    def chi2(t):
        return float(((t - expected) ** 2 / expected).sum())

    observed = chi2(table)
    rng = np.random.default_rng(seed)
    r, c = table.shape
    hits = 0
    for _ in range(resamples):
        t = np.bincount(rows * c + rng.permutation(cols), minlength=r * c).reshape(r, c)
        hits += chi2(t) >= observed - 1e-9
    return observed, (hits + 1) / (resamples + 1)


def composition_test(activities: pd.DataFrame, *, by: str = "sector", within: str = "tie_id", stages=IMPLEMENTED,
                     exclude=("general",), seed: int = DEFAULT_SEED, resamples: int = DEFAULT_RESAMPLES,
                     exact_limit: int = EXACT_LIMIT, exact_tables: int = EXACT_TABLES) -> CompositionTest:
    """Does the composition (``by``) differ between the groups (``within``)? An r × c test on coded activities.

    Every selected activity counts once, dated or not. Up to ``exact_limit`` activities (200) the
    Fisher–Freeman–Halton exact test is used: the p-value is the total probability of the tables with the observed
    margins no more probable than the observed one (the statistic is the observed table's probability), computed
    by a network algorithm (Mehta & Patel 1983) that settles whole groups of tables from bounds instead of
    enumerating them (Agresti's 4 × 4 job-satisfaction table, n = 96: p = 0.78268 in seconds). Beyond that size, or
    past :data:`EXACT_WORK` steps of the network, a Monte-Carlo permutation test of Pearson's χ² with a fixed
    ``seed`` and ``resamples`` shuffles (both recorded) and its standard error ``p_value_se`` = sqrt(p(1 − p) / R).
    ``exact_tables`` is kept for callers of the old enumeration and no longer used. (SciPy's r × c
    ``fisher_exact`` is not used: without a method it draws an unseeded Monte-Carlo sample.) Categories and groups
    with no activity are dropped first.

    Returns
    -------
    CompositionTest
        With ``reason`` set (and NaN p-value) when the table has fewer than two groups or two categories: the data
        cannot answer the question, which is not an error.
    """
    if not (isinstance(resamples, int) and resamples > 0):
        raise ValueError(f"resamples must be a positive whole number, not {resamples!r}.")
    table = composition_table(activities, by=by, within=within, stages=stages, exclude=exclude)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    n = int(table.to_numpy().sum())
    if table.shape[0] < 2 or table.shape[1] < 2:
        groups, values = table.shape
        if groups < 2:
            reason = reader_text(lambda: _("only {k} group(s) with activities: nothing to compare").format(k=groups))
        else:
            reason = reader_text(lambda: _("only {k} {name} value(s): nothing to compare").format(
                k=values, name=name_in_language("table column", by)))
        return CompositionTest("Fisher–Freeman–Halton exact test", np.nan, np.nan, n, table, reason=reason)
    counts = table.to_numpy(dtype=np.int64)
    if n <= exact_limit:
        try:
            p = _network_rxc(counts, limit=EXACT_WORK)
        except _TooManyTables:
            pass
        else:
            return CompositionTest("Fisher–Freeman–Halton exact test", math.exp(_log_probability(counts)), p, n, table)
    stat, p = _permutation_chi2(counts, seed=seed, resamples=resamples)
    return CompositionTest("Monte-Carlo permutation test of Pearson χ²", stat, p, n, table, seed=seed,
                           resamples=resamples, p_value_se=math.sqrt(p * (1 - p) / resamples))


def jeffreys_interval(successes, trials, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval of a binomial proportion: quantiles of Beta(k + ½, n − k + ½); NaN where n = 0.

    The bounds are 0 when k = 0 and 1 when k = n (the usual convention).
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha, k + 0.5, n - k + 0.5), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha, k + 0.5, n - k + 0.5), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def share_intervals(activities: pd.DataFrame, *, by: str = "sector", within: str | None = "tie_id",
                    stages=IMPLEMENTED, exclude=("general",), level: float = 0.95) -> pd.DataFrame:
    """Share of coded activities in each category of ``by`` (within each group), with Jeffreys intervals.

    Every category seen in any group is listed for every group (a zero share has an interval too).

    Returns
    -------
    DataFrame
        Columns ``[within,] by, activities, total, share, conf_low, conf_high``.
    """
    if within is None:
        activities = activities.assign(_all="all")
    table = composition_table(activities, by=by, within=within or "_all", stages=stages, exclude=exclude)
    long = table.stack().rename("activities").reset_index()
    long["total"] = long.groupby(within or "_all")["activities"].transform("sum")
    long["share"] = long["activities"] / long["total"].where(long["total"] > 0)
    long["conf_low"], long["conf_high"] = jeffreys_interval(long["activities"], long["total"], level=level)
    long = long.sort_values([within or "_all", by]).reset_index(drop=True)
    return long.drop(columns=["_all"]) if within is None else long


def even_split_test(counts) -> float:
    """Exact multinomial test of counts against an even split: P(a table as or less probable than the observed).

    Enumerates every way of spreading the ``n`` activities over the ``k`` categories (exact for the small ``n``
    of coded portfolios); NaN when there is no activity.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n, k = int(counts.sum()), len(counts)
    if n == 0 or k < 2:
        return float("nan")
    if math.comb(n + k - 1, k - 1) > 2_000_000:
        raise ValueError(f"{n} activities over {k} categories are too many to enumerate; use a χ² test.")

    def logp(c):
        return math.lgamma(n + 1) - sum(math.lgamma(x + 1) for x in c) - n * math.log(k)

    observed = logp(counts)
    total = 0.0
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        edges = (-1, *bars, n + k - 1)
        c = [edges[i + 1] - edges[i] - 1 for i in range(k)]
        lp = logp(c)
        if lp <= observed + 1e-9:
            total += math.exp(lp)
    return min(total, 1.0)


def contrast_test(counts: pd.Series, *, first, second, level: float = 0.95) -> dict:
    """Activities in the ``first`` categories against the ``second``: share, Jeffreys interval, exact binomial p.

    Categories in neither list are left out (e.g. ``data`` when it is not pooled into the second group).

    Returns
    -------
    dict
        ``first, second, n, share_first, conf_low, conf_high, p_value`` (two-sided exact binomial test of an even
        split between the two groups; NaN when n = 0).
    """
    counts = pd.Series(counts)
    a, b = int(counts.reindex(list(first)).fillna(0).sum()), int(counts.reindex(list(second)).fillna(0).sum())
    n = a + b
    low, high = jeffreys_interval([a], [n], level=level)
    p = float(stats.binomtest(a, n, 0.5).pvalue) if n else float("nan")
    return {"first": a, "second": b, "n": n, "share_first": a / n if n else float("nan"),
            "conf_low": float(low[0]), "conf_high": float(high[0]), "p_value": p}
