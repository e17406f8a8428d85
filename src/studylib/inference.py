"""Inference on the coded activity: exact tests of composition, share intervals, and the sensitivity grid.

The unit of analysis is the **coded activity** (one row of ``activities.csv``), not the yearly cells that the
annual-expansion rule generates. Composition questions (sector mix, direction, actor type) are answered on
activity-level tables that include undated activities, with exact tests where the tables are sparse; shares come
with Jeffreys intervals. Results that need a date (yearly count models, metrics over a window) are re-computed
under every variant of the coding assumptions (:func:`sensitivity_grid`), and a result is called robust only when
its conclusion is the same in every variant.

These functions return numbers and tables; the sentences that state a verdict belong in the notebooks.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ModelError

__all__ = [
    "DEFAULT_SEED", "DEFAULT_RESAMPLES", "CompositionTest", "composition_table", "composition_test",
    "share_intervals", "jeffreys_interval", "even_split_test", "contrast_test", "frame_origin", "model_units",
    "possible_years", "impute_undated", "Variant", "assumption_variants", "sensitivity_grid", "trend_quantity",
    "metric_quantity", "lr_quantity", "covariate_quantity", "variant_bundles", "variant_activities", "variant_provenance", "mark_robust",
    "SENSITIVITY_COLUMNS",
]

DEFAULT_SEED = 20261130
DEFAULT_RESAMPLES = 20_000
EXACT_LIMIT = 200  # activities above which the r x c exact enumeration gives way to a seeded Monte-Carlo test
EXACT_TABLES = 20_000  # tables with the observed margins above which the enumeration gives way too
SENSITIVITY_COLUMNS = ["quantity", "variant", "estimate", "conf_low", "conf_high", "p_value", "conclusion", "robust",
                       "n_activities", "n_cells"]
IMPLEMENTED = ("implemented",)


# ---------------------------------------------------------------------------------------------- composition
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

    @property
    def run(self) -> bool:
        return not self.reason

    def to_frame(self) -> pd.DataFrame:
        rows, cols = self.table.shape
        return pd.DataFrame([{"method": self.method, "statistic": self.statistic, "p_value": self.p_value,
                              "n_activities": self.n_activities, "groups": rows, "categories": cols,
                              "seed": self.seed, "resamples": self.resamples, "reason": self.reason}])

    def _repr_markdown_(self) -> str:
        if not self.run:
            return f"{self.method}: not run ({self.reason}); n = {self.n_activities} activities."
        extra = f", seed {self.seed}, {self.resamples:,} resamples" if self.seed is not None else ""
        return (f"{self.method}: p = {self.p_value:.3f} (n = {self.n_activities} activities in a "
                f"{self.table.shape[0]} × {self.table.shape[1]} table{extra}).")


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

    Every selected activity counts once, dated or not. Up to ``exact_limit`` activities (and ``exact_tables``
    tables with the observed margins) the Fisher–Freeman–Halton exact test is used: every table with the observed
    margins is enumerated, and the p-value is the total probability of those no more probable than the observed
    one (the statistic is the observed table's probability). Beyond that, a Monte-Carlo permutation test of
    Pearson's χ² with a fixed ``seed`` and ``resamples`` shuffles (both recorded). (SciPy's r × c
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
        what = f"{table.shape[0]} group(s) with activities" if table.shape[0] < 2 else f"{table.shape[1]} {by} value(s)"
        return CompositionTest("Fisher–Freeman–Halton exact test", np.nan, np.nan, n, table,
                               reason=f"only {what}: nothing to compare")
    counts = table.to_numpy(dtype=np.int64)
    if n <= exact_limit:
        try:
            p = _exact_rxc(counts, limit=exact_tables)
        except _TooManyTables:
            pass
        else:
            return CompositionTest("Fisher–Freeman–Halton exact test", math.exp(_log_probability(counts)), p, n, table)
    stat, p = _permutation_chi2(counts, seed=seed, resamples=resamples)
    return CompositionTest("Monte-Carlo permutation test of Pearson χ²", stat, p, n, table, seed=seed,
                           resamples=resamples)


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


def frame_origin(activities: pd.DataFrame, *, frame: str = "axis") -> pd.Series:
    """Where each row's ``frame`` (axis or dimension) comes from: ``'row'`` when the row sets it itself, else
    ``'sector mapping'`` (the codebook's default for its sector)."""
    own = activities[frame].astype(object) if frame in activities.columns else pd.Series(None, index=activities.index)
    set_in_row = own.notna() & (own.astype(str) != "")
    return pd.Series(np.where(set_in_row, "row", "sector mapping"), index=activities.index, name=f"{frame}_origin")


def model_units(events: pd.DataFrame, panel: pd.DataFrame, *, activities: pd.DataFrame | None = None,
                count: str = "activities") -> pd.DataFrame:
    """What a yearly model's n is made of: cells, events (reported and generated by the expansion), activities.

    Parameters
    ----------
    events, panel : DataFrame
        The events behind the panel, and the panel the model is fitted to.
    activities : DataFrame, optional
        The coded activities of the units modelled; their implemented, undated rows are counted as left out
        (without it, the ``undated`` ids recorded on ``events`` are counted).

    Returns
    -------
    DataFrame
        One row: ``cells`` (panel rows, the model's n), ``events``, ``reported_events``, ``expanded_events``,
        ``activities`` (distinct coded activities behind the events), ``undated_left_out``.
    """
    expanded = int(events["expanded"].sum()) if "expanded" in events.columns else 0
    if activities is not None:
        implemented = activities["stage"].astype(str).isin(IMPLEMENTED) if "stage" in activities.columns else True
        undated = int((activities["start_year"].isna() & implemented).sum())
    else:
        undated = len(events.attrs.get("undated", []))
    return pd.DataFrame([{
        "cells": len(panel), "events": int(panel[count].sum()) if count in panel.columns else len(events),
        "reported_events": len(events) - expanded, "expanded_events": expanded,
        "activities": int(events["activity_id"].nunique()) if "activity_id" in events.columns else 0,
        "undated_left_out": undated,
    }])


# ------------------------------------------------------------------------------------------- imputation
def possible_years(activities: pd.DataFrame, *, ties: pd.DataFrame | None = None, end_year: int) -> pd.DataFrame:
    """The window of years in which each activity could have taken place: ``activity_id, earliest, latest``.

    A dated activity's window is its start year. An undated one could have happened from its tie's signing year
    (or, without one, the first dated activity of its tie or actor) to its ``until`` year or ``end_year``. This is
    the one place that decides the window. An activity coded with an uncertain date (an EDTF interval such as
    ``2007/2023``, an open end or an approximate year) is known only within the years that date allows
    (``start_earliest`` / ``start_latest``, from :func:`studylib.dates.year_window`): its window is the
    intersection of the two.
    """
    acts = activities
    start = acts["start_year"].astype("Float64")
    group = acts["tie_id"].astype(str).where(acts["tie_id"].astype(str) != "", "actor:" + acts["actor"].astype(str))
    first_dated = start.groupby(group).transform("min")
    signed = pd.Series(np.nan, index=acts.index, dtype="Float64")
    if ties is not None and "signed_year" in ties.columns:
        signed = acts["tie_id"].map(ties.set_index("tie_id")["signed_year"].astype("Float64")).astype("Float64")
    earliest = start.fillna(signed).fillna(first_dated).fillna(float(end_year))
    until = acts["until"].astype("Float64") if "until" in acts.columns else pd.Series(np.nan, index=acts.index)
    latest = start.fillna(until.clip(upper=end_year).fillna(float(end_year)))
    if {"start_earliest", "start_latest"} <= set(acts.columns):  # coded uncertain dates narrow the window
        lo, hi = acts["start_earliest"].astype("Float64"), acts["start_latest"].astype("Float64")
        earliest = earliest.where(lo.isna() | (earliest >= lo), lo)
        latest = latest.where(hi.isna() | (latest <= hi), hi)
    earliest = earliest.clip(upper=latest)
    return pd.DataFrame({"activity_id": acts["activity_id"].to_numpy(), "earliest": earliest.astype("int64").to_numpy(),
                         "latest": latest.astype("int64").to_numpy()})


def impute_undated(activities: pd.DataFrame, *, ties: pd.DataFrame | None = None, end_year: int,
                   seed: int) -> pd.DataFrame:
    """A copy of the activities with every undated one placed in a year drawn uniformly from its possible window
    (:func:`possible_years`) by a generator seeded with ``seed``. The draw is marked in ``start_precision``
    ('imputed'), and nothing else changes."""
    out = activities.copy()
    undated = out["start_year"].isna().to_numpy()
    if not undated.any():
        return out
    window = possible_years(out, ties=ties, end_year=end_year)
    rng = np.random.default_rng(seed)
    low, high = window["earliest"].to_numpy()[undated], window["latest"].to_numpy()[undated]
    years = rng.integers(low, high + 1)
    start_year = out["start_year"].astype("Int64").to_numpy(dtype=object, copy=True)
    start_year[undated] = years
    out["start_year"] = pd.array(start_year, dtype="Int64")
    start = out["start"].to_numpy(dtype=object, copy=True)
    start[undated] = [str(y) for y in years]
    out["start"] = start
    if "start_precision" in out.columns:
        out["start_precision"] = out["start_precision"].astype(object)
        out.loc[undated, "start_precision"] = "imputed"
    return out


# ------------------------------------------------------------------------------------------ sensitivity
@dataclass(frozen=True)
class Variant:
    """One way of coding the data: the expansion switch, the last year observed, an imputation seed, and the
    activities to use (None: the study's own). ``name`` is what the sensitivity table shows."""

    name: str
    expand_annual: bool
    end_year: int
    impute_seed: int | None = None
    activities: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def assumption_variants(activities: pd.DataFrame, *, end_year: int, expand_annual: bool = True,
                        earlier_end_year: int | None = None, imputations: int = 5, seed: int = DEFAULT_SEED,
                        alternatives: dict | None = None) -> list[Variant]:
    """The grid of coding assumptions a result is re-computed under.

    The first variant is the report's own setting; then the annual expansion switched the other way; an earlier
    ``end_year`` (default: the last year any source reports an event for these activities, or ``end_year - 5``
    when that is not earlier); ``imputations`` seeded placements of the undated implemented activities in their
    possible windows (only when there are any); and one variant per alternative coding (``alternatives`` maps a
    name, e.g. a variant data folder, to its activities).
    """
    own = f"main analysis (expand_annual = {expand_annual}, end_year = {end_year})"
    out = [Variant(own, expand_annual, end_year),
           Variant(f"annual expansion {'off' if expand_annual else 'on'}", not expand_annual, end_year)]
    if earlier_end_year is None:
        implemented = activities[activities["stage"].astype(str).isin(IMPLEMENTED)] if "stage" in activities else activities
        reported = implemented["start_year"].dropna()
        reported = reported[reported <= end_year]
        last = int(reported.max()) if len(reported) else end_year
        earlier_end_year = last if last < end_year else end_year - 5
    if earlier_end_year < end_year:
        out.append(Variant(f"end_year = {earlier_end_year}", expand_annual, int(earlier_end_year)))
    implemented = activities[activities["stage"].astype(str).isin(IMPLEMENTED)] if "stage" in activities else activities
    if implemented["start_year"].isna().any():
        out += [Variant(f"undated placed in their window (seed {seed + i})", expand_annual, end_year, seed + i)
                for i in range(imputations)]
    for name, acts in (alternatives or {}).items():
        out.append(Variant(f"coding: {name}", expand_annual, end_year, activities=acts))
    return out


def _conclusion(estimate: float, p_value: float, *, null: float) -> str:
    if not np.isfinite(estimate) or not np.isfinite(p_value):
        return "not estimated"
    if p_value >= 0.05:
        return "not significant at 5%"
    return "above " + f"{null:g}" if estimate > null else "below " + f"{null:g}"


def sensitivity_grid(activities: pd.DataFrame, quantities: dict[str, Callable], variants: list[Variant], *,
                     ties: pd.DataFrame | None = None) -> pd.DataFrame:
    """Re-compute each quantity under each variant; mark a quantity robust when its conclusion never changes.

    Parameters
    ----------
    activities : DataFrame
        The coded activities the report uses (a variant's own ``activities`` replace them).
    quantities : dict
        Name -> function ``f(activities, events, end_year)`` returning a dict with ``estimate`` and optionally
        ``conf_low, conf_high, p_value, conclusion, n_activities, n_cells`` (see :func:`trend_quantity`,
        :func:`metric_quantity`, :func:`lr_quantity`). Without a ``conclusion`` one is derived from the estimate's
        side of ``null`` (default 1) and 5% significance.
    variants : list of Variant
        From :func:`assumption_variants`.

    Returns
    -------
    DataFrame
        One row per (quantity, variant): ``quantity, variant, estimate, conf_low, conf_high, p_value, conclusion,
        robust, n_activities, n_cells``. ``robust`` is the same for every row of a quantity: True only when every
        variant reaches the same conclusion (and none fails to estimate it).
    """
    from .panel import expand_activities

    rows = []
    for v in variants:
        acts = v.activities if v.activities is not None else activities
        if v.impute_seed is not None:
            acts = impute_undated(acts, ties=ties, end_year=v.end_year, seed=v.impute_seed)
        events = expand_activities(acts, end_year=v.end_year, expand_annual=v.expand_annual)
        for name, fn in quantities.items():
            out = dict(fn(acts, events, v.end_year))
            est = float(out.get("estimate", np.nan))
            p = float(out.get("p_value", np.nan))
            conclusion = out.get("conclusion") or _conclusion(est, p, null=out.get("null", 1.0))
            rows.append({"quantity": name, "variant": v.name, "estimate": est,
                         "conf_low": float(out.get("conf_low", np.nan)), "conf_high": float(out.get("conf_high", np.nan)),
                         "p_value": p, "conclusion": conclusion, "n_activities": out.get("n_activities", np.nan),
                         "n_cells": out.get("n_cells", np.nan)})
    table = pd.DataFrame(rows, columns=[c for c in SENSITIVITY_COLUMNS if c != "robust"])
    order = {name: i for i, name in enumerate(quantities)}
    table = table.sort_values("quantity", key=lambda q: q.map(order), kind="stable")  # each quantity's variants together
    return mark_robust(table)


def mark_robust(table: pd.DataFrame) -> pd.DataFrame:
    """Add (or recompute) ``robust`` to a table of ``quantity, variant, ..., conclusion`` rows: True for every row
    of a quantity whose conclusion is the same in all its variants (a variant that could not estimate it counts
    as a different conclusion). Missing ``SENSITIVITY_COLUMNS`` are added empty, in that order."""
    if not {"quantity", "variant", "conclusion"} <= set(table.columns):
        raise ValueError("A sensitivity table needs the columns quantity, variant and conclusion.")
    table = table.drop(columns=["robust"], errors="ignore").copy()
    same = table.groupby("quantity", sort=False)["conclusion"].agg(
        lambda c: c.nunique() == 1 and "not estimated" not in set(c))
    table["robust"] = table["quantity"].map(same).astype(bool)
    for column in SENSITIVITY_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    for column in ("n_activities", "n_cells"):
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    rest = [c for c in table.columns if c not in SENSITIVITY_COLUMNS]
    return table[SENSITIVITY_COLUMNS + rest].reset_index(drop=True)


def variant_bundles(variant_dirs, *, data_dirs=()) -> dict:
    """Each alternative coding as a validated bundle: the study data, ``data_dirs``, then one variant folder (whose
    ``override`` rows replace the study's), keyed by the folder's name. A relative folder is taken from the project
    root. Each is validated like any bundle (a problem raises :class:`~studylib.ValidationError`)."""
    from .bundle import load_bundle
    from .paths import DATA_DIR, PROJECT_ROOT

    out = {}
    for folder in variant_dirs:
        path = Path(folder)
        path = path if path.is_absolute() else PROJECT_ROOT / path
        if not path.is_dir():
            raise ValueError(f"The variant folder '{folder}' does not exist (looked for {path}).")
        if path.name in out:
            raise ValueError(f"Two variant folders are named '{path.name}'; give each alternative coding its own name.")
        out[path.name] = load_bundle(DATA_DIR, *data_dirs, path)
    return out


def variant_activities(variant_dirs, *, data_dirs=()) -> dict[str, pd.DataFrame]:
    """The activities of each alternative coding (see :func:`variant_bundles`), keyed by the folder's name."""
    return {name: b.activities for name, b in variant_bundles(variant_dirs, data_dirs=data_dirs).items()}


def variant_provenance(bundles: dict) -> pd.DataFrame:
    """The files each variant folder adds (``variant, file, sha256``), for a report's provenance."""
    rows = []
    for name, bundle in bundles.items():
        folder = Path(bundle.dirs[-1])
        for path, digest in sorted(bundle.files.items()):
            if Path(path).parent == folder:
                rows.append({"variant": name, "file": Path(path).name, "sha256": digest})
    return pd.DataFrame(rows, columns=["variant", "file", "sha256"])


def trend_quantity(tie_id: str, *, ties: pd.DataFrame | None = None, threshold: float = 1.5) -> Callable:
    """The yearly trend of a tie's events: IRR per year of ``activities ~ years_since_start`` (family by
    :func:`studylib.choose_count_family`), with its 95% interval and p-value; 'not estimated' when the data
    cannot support the model."""
    return covariate_quantity(tie_id, lambda panel: panel["year"] - panel["year"].min(), name="years_since_start",
                              ties=ties, threshold=threshold)


def covariate_quantity(tie_id: str, covariate: Callable, *, name: str, ties: pd.DataFrame | None = None,
                       threshold: float = 1.5) -> Callable:
    """The IRR of a yearly covariate (``covariate(panel) -> Series``) in ``activities ~ <name>`` for one tie (family
    by :func:`studylib.choose_count_family` with its over-dispersion ``threshold``)."""
    from .models import choose_count_family
    from .panel import activity_panel

    def quantity(activities, events, end_year):
        ev = events[events["tie_id"].astype(str) == tie_id]
        panel = activity_panel(ev, by=["tie_id"], end_year=end_year, ties=ties)
        base = {"n_activities": int(ev["activity_id"].nunique()), "n_cells": len(panel)}
        if panel.empty:
            return {**base, "estimate": np.nan}
        panel = panel.assign(**{name: covariate(panel)})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = choose_count_family(panel, f"activities ~ {name}", threshold=threshold)
        except ModelError:
            return {**base, "estimate": np.nan}
        row = fit.tidy().set_index("term").loc[name]
        return {**base, "estimate": row["irr"], "conf_low": row["irr_low"], "conf_high": row["irr_high"],
                "p_value": row["p_value"], "null": 1.0}

    return quantity


def metric_quantity(metric: str, tie_id: str, *, ties: pd.DataFrame, tie_activities: bool = True) -> Callable:
    """A descriptive metric of one tie (a column of :func:`studylib.compare_metrics`). Its conclusion is its sign
    (for ``balance``: which direction dominates, or even), so a variant that flips it makes the metric not robust."""
    from .metrics import compare_metrics

    def quantity(activities, events, end_year):
        acts = activities[activities["tie_id"].astype(str) == tie_id] if tie_activities else activities
        m = compare_metrics(events, acts, ties=ties, tie_ids=[tie_id], end_year=end_year).iloc[0]
        value = float(m[metric])
        if not np.isfinite(value):
            conclusion = "not estimated"
        else:
            conclusion = "positive" if value > 1e-9 else "negative" if value < -1e-9 else "zero"
        return {"estimate": value, "conclusion": conclusion,
                "n_activities": int(events.loc[events["tie_id"].astype(str) == tie_id, "activity_id"].nunique())}

    return quantity


def lr_quantity(tie_ids, *, by: str = "sector", ties: pd.DataFrame | None = None) -> Callable:
    """The likelihood-ratio test of the tie × ``by`` interaction in yearly counts (levels active in every tie)."""
    from .metrics import common_levels
    from .models import choose_count_family, fit_model, lr_test
    from .panel import activity_panel

    def quantity(activities, events, end_year):
        ev = events[events["tie_id"].astype(str).isin(list(tie_ids))]
        panel = activity_panel(ev, by=["tie_id", by], end_year=end_year, ties=ties)
        base = {"n_activities": int(ev["activity_id"].nunique()), "n_cells": len(panel)}
        if panel.empty:
            return {**base, "estimate": np.nan}
        common, _ = common_levels(panel, group="tie_id", level=by)
        panel = panel[panel[by].isin(common)]
        base["n_cells"] = len(panel)
        if len(common) < 2 or panel["tie_id"].nunique() < 2:
            return {**base, "estimate": np.nan}  # no interaction to test
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                full = choose_count_family(panel, f"activities ~ C(tie_id) * C({by})")
                restricted = fit_model(panel, f"activities ~ C(tie_id) + C({by})", full.family)
                t = lr_test(restricted, full)
        except ModelError:
            return {**base, "estimate": np.nan}
        return {**base, "estimate": t.lr_stat, "p_value": t.p_value,
                "conclusion": "differs at 5%" if t.p_value < 0.05 else "not shown to differ"}

    return quantity
