"""The multiverse: every quantity a report states, computed under every crossed combination of the coding
assumptions, in one vectorised pass; and the one definition of "robust".

Factors (crossed, not one at a time):

- ``expansion``: annual programmes counted once, in their start year (``off``, the main analysis) or once a year
  to their ``until`` year or the window's end (``on``; :data:`studylib.analysis.panel.EXPANSION_RULE`);
- ``window``: observed to ``end_year`` (main) or to ``end_year - 5`` (the same rule in every report);
- ``undated``: activities without a year (or only an uncertain one) left out (main) or placed in their possible
  window (:func:`studylib.inference.imputation.possible_years`) by ``draws`` seeded draws, one specification each;
- ``coding``: the study data (main) or one of the coding variants (layered data folders in ``data/variants/``,
  one per contested decision of ``data/CODING_LOG.md``).

For one tie, every specification is a row of a specifications × activities layout: each activity's first and last
event year under that specification. Yearly counts (specifications × years), the window metrics (row-wise
reductions) and the Poisson trend (iteratively reweighted least squares batched over rows, equal to statsmodels'
GLM) come from that layout without a Python loop per specification. :meth:`Multiverse.spec_activities` gives any
one specification's activities, so it can be re-computed one at a time with the ordinary functions (the tests do).

Robustness is defined once, here (:data:`ROBUST_DEFINITION`, :data:`ROBUSTNESS_RULES`, :func:`robustness`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..i18n import name_in_language
from .exact_tests import DEFAULT_SEED
from .imputation import possible_years

__all__ = [
    "FACTORS", "MULTIVERSE_COLUMNS", "ROBUSTNESS_COLUMNS", "ROBUST_DEFINITION", "ROBUSTNESS_RULES", "RobustRule",
    "Multiverse", "multiverse", "batched_poisson_trend", "robustness", "sensitivity_from_multiverse",
    "shipped_variants", "variants_touching", "resolve_variants", "grid_as_multiverse", "WINDOW_OFFSET", "DEFAULT_DRAWS",
    "robust_definition",
]

FACTORS = ("expansion", "window", "undated", "coding")
WINDOW_OFFSET = 5  # the earlier window ends this many years before end_year, in every report
DEFAULT_DRAWS = 200  # seeded placements of the undated activities
MAIN_CODING = "study data"
MULTIVERSE_COLUMNS = ["spec_id", *FACTORS, "draw", "quantity", "estimate", "conf_low", "conf_high", "p_value"]
ROBUSTNESS_COLUMNS = ["quantity", "n_specifications", "estimate_main", "estimate_min", "estimate_max",
                      "share_same_direction", "share_significant", "robust", "reason", "depends_on"]
FACTOR_LABELS = {"expansion": "annual expansion", "window": "observation window", "undated": "undated activities",
                 "coding": "coding variant"}
QUANTITIES = ["trend", "events", "activities", "rate_per_year", "continuity", "longest_gap", "evenness", "hhi",
              "balance", "share_a_to_b", "share_b_to_a", "share_mutual", "participants"]


@dataclass(frozen=True)
class RobustRule:
    """How a quantity's specifications are compared.

    ``kind``: ``'verdict'`` (a test statistic with no direction, e.g. a likelihood ratio: only its verdict must be
    the same everywhere), ``'test'`` (an estimate with a p-value: its direction against ``null`` and its verdict at the stated
    level must both be the same everywhere), ``'sign'`` (a descriptive index with a meaningful zero, e.g. balance:
    its side of ``null`` must be the same everywhere) or ``'level'`` (a descriptive level: every specification must
    lie within ``threshold`` of the main analysis). ``threshold`` is the substantive band: for ``test`` and ``sign``
    an estimate within it of ``null`` counts as no direction (``'flat'`` / ``'even'``), so a negligible wobble does
    not break robustness; for ``level`` it is the largest difference from the main value that does not matter
    (``relative``: as a share of the main value). ``log``: compare on the log scale (rate ratios).
    """

    kind: str
    null: float = 0.0
    threshold: float = 0.0
    relative: bool = False
    log: bool = False
    unit: str = ""

    def describe(self) -> str:
        if self.kind == "level":
            band = f"±{self.threshold:.0%} of the main value" if self.relative else f"±{self.threshold:g}{self.unit}"
            return f"every specification within {band}"
        band = (f"|log estimate| ≤ {self.threshold:g}" if self.log else f"|estimate − {self.null:g}| ≤ {self.threshold:g}")
        extra = " and the same verdict at the stated level" if self.kind == "test" else ""
        return f"the same side of {self.null:g} everywhere ({band} counts as none){extra}"


ROBUSTNESS_RULES: dict[str, RobustRule] = {
    "trend": RobustRule("test", null=1.0, threshold=0.01, log=True),  # IRR per year; within ±1% a year: flat
    "events": RobustRule("level", threshold=0.25, relative=True),
    "activities": RobustRule("level", threshold=0.25, relative=True),
    "rate_per_year": RobustRule("level", threshold=0.25, relative=True),
    "participants": RobustRule("level", threshold=0.25, relative=True),
    "continuity": RobustRule("level", threshold=0.1),
    "longest_gap": RobustRule("level", threshold=2, unit=" years"),
    "evenness": RobustRule("level", threshold=0.1),
    "hhi": RobustRule("level", threshold=0.1),
    "balance": RobustRule("sign", null=0.0, threshold=0.1),
    "share_a_to_b": RobustRule("level", threshold=0.1),
    "share_b_to_a": RobustRule("level", threshold=0.1),
    "share_mutual": RobustRule("level", threshold=0.1),
    "sector interaction (LR test)": RobustRule("verdict"),
    "tension": RobustRule("test", null=1.0, threshold=0.01, log=True),  # IRR of a tension year
}
DEFAULT_RULE = RobustRule("test", null=0.0)

ROBUST_DEFINITION = (
    "A result is called **robust** only if, in every specification of the multiverse (every crossed combination of "
    "annual expansion, observation window, placement of undated activities and coding variant), its direction is the "
    "same *and* its verdict (significant or not at the stated level) is the same, and it is significant: a change "
    "of direction is never robust, whatever the p-values. A substantive band per quantity keeps a negligible wobble "
    "from counting as a change (e.g. a balance within ±0.1 is even; a trend within ±1% a year is flat). A "
    "descriptive metric with no test is robust when every specification lies within its band of the main value "
    "(e.g. continuity ±0.1, rate ±25%). A result that is not significant in any specification is a null result: it "
    "is reported as \"no difference shown in N of N specifications\", never as robust."
)


def robust_definition() -> str:
    """:data:`ROBUST_DEFINITION` in the report's language (:func:`studylib.set_language`): what a notebook prints."""
    return name_in_language("definition", ROBUST_DEFINITION)  # the constant is the message: one text, not two


# ------------------------------------------------------------------------------------------------ coding variants

def shipped_variants(folder: str | Path | None = None) -> list[Path]:
    """The coding-variant folders shipped with the project (``data/variants/<name>/``), sorted by name."""
    from ..paths import DATA_DIR

    root = Path(folder) if folder is not None else DATA_DIR / "variants"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("activities.*")))


def variants_touching(tie_ids, variant_dirs=None, *, base: pd.DataFrame | None = None) -> list[Path]:
    """The variant folders (default: every shipped one) that change a row of one of ``tie_ids``: a row on one of
    those ties in the folder, or a row it replaces that was on one of them in ``base`` (default: the study's)."""
    from ..bundle.read import read_table

    if base is None:
        from ..bundle.load import load_bundle
        base = load_bundle().activities
    wanted = set(map(str, tie_ids))
    on_tie = dict(zip(base["activity_id"].astype(str), base["tie_id"].astype(str)))
    out = []
    for folder in (shipped_variants() if variant_dirs is None else [Path(v) for v in variant_dirs]):
        path = folder / "activities.csv"
        if not path.exists():
            continue
        rows = read_table(path, path.name, [])
        if rows is None:
            continue
        ids, ties = rows["activity_id"].astype(str), rows["tie_id"].fillna("").astype(str)
        if ties.isin(wanted).any() or ids.map(on_tie).isin(wanted).any():
            out.append(folder)
    return out


def resolve_variants(variant_dirs, tie_ids, *, base: pd.DataFrame | None = None) -> list[Path]:
    """A notebook's ``variant_dirs`` parameter as folders: the word ``"shipped"`` stands for every shipped variant
    folder that touches ``tie_ids`` (:func:`variants_touching`); any other entry is a folder (relative to the
    project root), kept as given."""
    from ..paths import PROJECT_ROOT

    out: list[Path] = []
    for entry in variant_dirs or []:
        if str(entry) == "shipped":
            out += [p for p in variants_touching(tie_ids, base=base) if p not in out]
        else:
            path = Path(entry)
            out.append(path if path.is_absolute() else PROJECT_ROOT / path)
    return out


# ---------------------------------------------------------------------------------------------- batched Poisson

def batched_poisson_trend(counts: np.ndarray, years: np.ndarray, *, iterations: int = 50, tol: float = 1e-12,
                          dispersion_threshold: float | None = 1.5) -> dict[str, np.ndarray]:
    """The Poisson log-linear trend ``log E[y_t] = a + b·year_t`` of every row of ``counts``, fitted together.

    Parameters
    ----------
    counts : array (specifications × years)
        Counts; NaN marks a year outside that row's window.
    years : array (years)
        The calendar years of the columns.
    dispersion_threshold : float or None
        When a row's Pearson χ²/df exceeds it, its standard error is scaled by sqrt(χ²/df) (quasi-Poisson); None
        never scales.

    Returns
    -------
    dict of arrays (one value per row)
        ``slope`` (log rate ratio per year), ``se``, ``irr``, ``irr_low``, ``irr_high`` (95%), ``p_value`` (Wald,
        normal, as statsmodels' GLM), ``dispersion`` (Pearson χ²/df), ``cells``, ``events``, ``converged``. NaN for
        a row with fewer than three years, fewer than two events, or events in only one year (no trend to fit), and
        for a row whose fit does not converge (e.g. every event in the last year: separation).
    """
    Y = np.asarray(counts, dtype=float)
    inside = ~np.isnan(Y)
    Y0 = np.where(inside, Y, 0.0)
    years = np.asarray(years, dtype=float)
    x = (years - years.mean()) / 10.0  # centred, per decade: a well-conditioned design for every row
    X = np.stack([np.ones_like(x), x], axis=1)  # years × 2
    cells, events = inside.sum(axis=1), Y0.sum(axis=1)
    active_years = ((Y0 > 0) & inside).sum(axis=1)
    ok = (cells >= 3) & (events >= 2) & (active_years >= 2)
    S = Y.shape[0]
    beta = np.zeros((S, 2))
    beta[:, 0] = np.log(np.maximum(events, 0.5) / np.maximum(cells, 1))
    W_in = inside.astype(float)
    converged = np.zeros(S, dtype=bool)
    xtwx = np.tile(np.eye(2), (S, 1, 1))
    for _ in range(iterations):
        eta = beta @ X.T
        mu = np.exp(np.clip(eta, -700, 700)) * W_in
        z = eta + (Y0 - mu) / np.where(mu > 0, mu, 1.0)
        xtwx = np.einsum("st,ti,tj->sij", mu, X, X)
        xtwz = np.einsum("st,ti,st->si", mu, X, z)
        good = ok & (np.abs(np.linalg.det(xtwx)) > 1e-300)
        new = beta.copy()
        new[good] = np.linalg.solve(xtwx[good], xtwz[good][..., None])[..., 0]
        step = np.abs(new - beta).max(axis=1)
        beta = new
        converged = good & (step < tol * (1 + np.abs(beta).max(axis=1)))
        if converged[ok].all():
            break
    eta = beta @ X.T
    mu = np.exp(np.clip(eta, -700, 700)) * W_in
    xtwx = np.einsum("st,ti,tj->sij", mu, X, X)
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.full((S, 2, 2), np.nan)
        fine = ok & converged & (np.abs(np.linalg.det(xtwx)) > 1e-300) & (np.abs(beta[:, 1]) < 30)
        cov[fine] = np.linalg.inv(xtwx[fine])
        pearson = np.where(inside, (Y0 - mu) ** 2 / np.where(mu > 0, mu, np.nan), 0.0).sum(axis=1)
        dispersion = pearson / (cells - 2)
        scale = np.ones(S)
        if dispersion_threshold is not None:
            scale = np.where(dispersion > dispersion_threshold, dispersion, 1.0)
        slope = np.where(fine, beta[:, 1] / 10.0, np.nan)
        se = np.sqrt(cov[:, 1, 1] * scale) / 10.0
        zq = stats.norm.ppf(0.975)
        p = 2 * stats.norm.sf(np.abs(slope / se))
    return {"slope": slope, "se": se, "irr": np.exp(slope), "irr_low": np.exp(slope - zq * se),
            "irr_high": np.exp(slope + zq * se), "p_value": p, "dispersion": dispersion, "cells": cells,
            "events": events, "converged": fine}


# --------------------------------------------------------------------------------------------- the layout

@dataclass
class _Block:
    """One coding's activities of the tie and the first and last event year of each under each specification."""

    coding: str
    acts: pd.DataFrame  # the tie's implemented activities under this coding (positional order = layout columns)
    specs: pd.DataFrame  # expansion, window, undated, draw, end (one row per specification)
    first: np.ndarray  # specs × activities (inf: no event)
    last: np.ndarray
    placed: dict = field(default_factory=dict)  # (window, draw) -> drawn years of the undated activities


class Multiverse:
    """Every specification of one tie: its factor settings, its activities' event years, and its quantities.

    Built by :func:`multiverse`. ``specs`` has ``spec_id, expansion, window, undated, coding, draw, end_year``;
    :meth:`table` is ``tables/multiverse.csv``; :meth:`spec_activities` gives one specification's activities for
    the ordinary one-at-a-time functions.
    """

    def __init__(self, tie_id: str, blocks: list[_Block], *, end_year: int, signed: float, level: float,
                 draws: int, seed: int, codebook):
        self.tie_id, self.blocks, self.end_year, self.level = tie_id, blocks, int(end_year), level
        self.draws, self.seed, self.signed = draws, seed, signed
        self.codebook = codebook
        specs = pd.concat([b.specs.assign(coding=b.coding) for b in blocks], ignore_index=True)
        specs.insert(0, "spec_id", np.arange(len(specs)))
        self.specs = specs[["spec_id", *FACTORS, "draw", "end_year"]]
        self._values: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.specs)

    # ---------------------------------------------------------------------------------------------- layout
    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Yearly event counts (specifications × years, NaN outside each window), the years, and each window's
        first year (the tie's signing year or its first event, whichever is earlier)."""
        first_all = (np.concatenate([b.first.min(axis=1, initial=np.inf) for b in self.blocks]) if self.blocks
                     else np.array([]))
        opens = np.fmin(first_all, self.signed if np.isfinite(self.signed) else np.inf)
        lo = int(np.nanmin(np.where(np.isfinite(opens), opens, np.nan))) if np.isfinite(opens).any() else self.end_year
        years = np.arange(lo, self.end_year + 1)
        rows = []
        for b in self.blocks:
            t = years[None, None, :]
            inside = (t >= b.first[:, :, None]) & (t <= b.last[:, :, None])
            rows.append(inside.sum(axis=1).astype(float))
        Y = np.vstack(rows) if rows else np.zeros((0, len(years)))
        end = self.specs["end_year"].to_numpy()
        window = (years[None, :] >= opens[:, None]) & (years[None, :] <= end[:, None])
        return np.where(window, Y, np.nan), years, opens

    def spec_activities(self, spec_id: int) -> tuple[pd.DataFrame, dict]:
        """The activities of one specification (undated ones placed at their drawn year, as
        :func:`studylib.impute_undated` marks them) and its settings ``expand_annual, end_year``."""
        spec = self.specs.iloc[int(spec_id)]
        block = next(b for b in self.blocks if b.coding == spec["coding"])
        acts = block.acts.copy()
        if spec["undated"] == "placed":
            years = block.placed[(spec["window"], int(spec["draw"]))]
            undated = acts["start_year"].isna().to_numpy()
            start_year = acts["start_year"].astype("Int64").to_numpy(dtype=object, copy=True)
            start_year[undated] = years
            acts["start_year"] = pd.array(start_year, dtype="Int64")
            start = acts["start"].astype(object).to_numpy(copy=True)
            start[undated] = [str(y) for y in years]
            acts["start"] = start
            if "start_precision" in acts.columns:
                acts["start_precision"] = acts["start_precision"].astype(object)
                acts.loc[undated, "start_precision"] = "imputed"
        return acts, {"expand_annual": spec["expansion"] == "on", "end_year": int(spec["end_year"])}

    # -------------------------------------------------------------------------------------------- quantities
    def values(self) -> pd.DataFrame:
        """One row per specification: its factors and every quantity (estimate, interval and p where they exist)."""
        if self._values is not None:
            return self._values
        Y, years, opens = self.counts()
        end = self.specs["end_year"].to_numpy()
        inside = ~np.isnan(Y)
        Y0 = np.where(inside, Y, 0.0)
        sectors = list(self.codebook.vocabulary("sector"))
        k_sectors = len(sectors) - 1  # less 'general'
        directions = ["a_to_b", "b_to_a", "mutual"]
        n_events, sec, dirs, part, acts_n = [], [], [], [], []
        for b in self.blocks:
            n = np.where(np.isfinite(b.first), np.maximum(b.last - b.first + 1, 0), 0)  # events per activity
            n = np.where(np.isfinite(n), n, 0)
            n_events.append(n.sum(axis=1))
            s = b.acts["sector"].astype(object).astype(str).to_numpy()
            onehot = np.stack([(s == c) & (c != "general") for c in sectors], axis=1).astype(float)
            sec.append(n @ onehot)
            d = b.acts["direction"].astype(object).astype(str).to_numpy()
            dirs.append(n @ np.stack([d == c for c in directions], axis=1).astype(float))
            p = pd.to_numeric(b.acts["participants"], errors="coerce").astype(float).to_numpy()
            part.append(n @ np.nan_to_num(p))
            acts_n.append((n > 0).sum(axis=1))
        events = np.concatenate(n_events).astype(float)
        sec, dirs = np.vstack(sec), np.vstack(dirs)
        with np.errstate(divide="ignore", invalid="ignore"):
            window_years = np.where(np.isfinite(opens), end - opens + 1, np.nan)
            window_years = np.where(window_years > 0, window_years, np.nan)
            active = ((Y0 > 0) & inside).sum(axis=1)
            idx = np.arange(Y.shape[1])[None, :]
            zero = inside & (Y0 == 0)
            last_reset = np.maximum.accumulate(np.where(~zero, idx, -1), axis=1)
            gaps = np.where(zero, idx - last_reset, 0).max(axis=1, initial=0)
            total_sec = sec.sum(axis=1, keepdims=True)
            share = sec / total_sec
            hhi = np.where(total_sec[:, 0] > 0, (share ** 2).sum(axis=1), np.nan)
            plogp = np.where(share > 0, share * np.log(np.where(share > 0, share, 1)), 0.0)
            evenness = np.where(total_sec[:, 0] > 0, -plogp.sum(axis=1) / np.log(k_sectors), np.nan)
            total_dir = dirs.sum(axis=1)
            one_way = dirs[:, 0] + dirs[:, 1]
            out = pd.DataFrame({
                "events": events, "activities": np.concatenate(acts_n).astype(float),
                "years_in_window": window_years, "years_with_activity": active.astype(float),
                "rate_per_year": events / window_years, "continuity": active / window_years,
                "longest_gap": np.where(np.isfinite(window_years), gaps, np.nan).astype(float),
                "evenness": evenness, "hhi": hhi,
                "balance": np.where(one_way > 0, (dirs[:, 0] - dirs[:, 1]) / one_way, np.nan),
                "share_a_to_b": np.where(total_dir > 0, dirs[:, 0] / total_dir, np.nan),
                "share_b_to_a": np.where(total_dir > 0, dirs[:, 1] / total_dir, np.nan),
                "share_mutual": np.where(total_dir > 0, dirs[:, 2] / total_dir, np.nan),
                "participants": np.concatenate(part),
            })
        trend = batched_poisson_trend(Y, years)
        out["trend"], out["trend_low"], out["trend_high"] = trend["irr"], trend["irr_low"], trend["irr_high"]
        out["trend_p"], out["trend_dispersion"] = trend["p_value"], trend["dispersion"]
        self._values = pd.concat([self.specs.reset_index(drop=True), out], axis=1)
        return self._values

    def table(self, quantities=None) -> pd.DataFrame:
        """``tables/multiverse.csv``: one row per specification and quantity: ``spec_id``, one column per factor
        (and ``draw``), ``quantity, estimate, conf_low, conf_high, p_value``. Only the trend has an interval and a
        p-value: the window metrics describe the coded record (no sampling frame), so they have neither."""
        v = self.values()
        quantities = list(quantities or QUANTITIES)
        parts = []
        for q in quantities:
            part = v[["spec_id", *FACTORS, "draw"]].copy()
            part["quantity"] = q
            part["estimate"] = v[q].to_numpy()
            if q == "trend":
                part["conf_low"], part["conf_high"], part["p_value"] = v["trend_low"], v["trend_high"], v["trend_p"]
            else:
                part["conf_low"] = part["conf_high"] = part["p_value"] = np.nan
            parts.append(part)
        return pd.concat(parts, ignore_index=True)[MULTIVERSE_COLUMNS]

    def main_spec(self) -> int:
        """The main analysis: expansion off, window to end_year, undated left out, the study data (spec 0)."""
        return 0


def _first_last(acts: pd.DataFrame, *, expand: bool, end: int, placed_years: np.ndarray | None) -> tuple:
    """First and last event year of each activity (inf where it has no event), as :func:`expand_activities` does."""
    start = acts["start_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if placed_years is not None:
        start = start.copy()
        start[np.isnan(start)] = placed_years
    annual = (acts["recurrence"].astype(object).astype(str) == "annual").to_numpy()
    until = acts["until"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) if "until" in acts else np.full(len(acts), np.nan)
    last = start.copy()
    if expand:
        last = np.where(annual, np.minimum(np.where(np.isnan(until), end, until), end), start)
    has = ~np.isnan(start) & (start <= end) & (last >= start)
    return np.where(has, start, np.inf), np.where(has, last, -np.inf)


def multiverse(tie_id: str, *, bundle=None, activities: pd.DataFrame | None = None, ties: pd.DataFrame | None = None,
               end_year: int, codings: dict[str, pd.DataFrame] | None = None, draws: int = DEFAULT_DRAWS,
               seed: int = DEFAULT_SEED, window_offset: int = WINDOW_OFFSET, level: float = 0.05,
               codebook=None) -> Multiverse:
    """Every crossed specification of one tie's yearly record (see the module's docstring for the factors).

    Parameters
    ----------
    tie_id : str
        The tie.
    bundle : Bundle, optional
        Where the activities, ties and codebook come from (or give ``activities`` and ``ties``).
    end_year : int
        The main analysis' last year; the earlier window ends ``window_offset`` years before it.
    codings : dict of name -> activities, optional
        The coding variants (e.g. ``{name: b.activities for name, b in variant_bundles(dirs).items()}``); the
        study data are always the first coding.
    draws : int
        Seeded placements of the undated activities (one specification each; at least 200 in a report). With no
        undated implemented activity the ``placed`` level would repeat ``left out`` and is not built.
    seed : int
        The first placement's generator seed; every (coding, window) block uses the same seeds, so the expansion
        factor is compared on the same placements.

    Returns
    -------
    Multiverse
    """
    from ..analysis.panel import at_stages
    from ..bundle.codebook import load_codebook

    if not (isinstance(draws, int) and draws >= 0):
        raise ValueError(f"draws must be a whole number >= 0, not {draws!r}.")
    if bundle is not None:
        activities = bundle.activities if activities is None else activities
        ties = bundle.ties if ties is None else ties
        codebook = codebook or bundle.codebook
    if activities is None:
        raise ValueError("multiverse needs a bundle or the activities.")
    codebook = codebook or load_codebook()
    signed = np.nan
    if ties is not None and tie_id in set(ties["tie_id"].astype(str)):
        value = ties.set_index("tie_id")["signed_year"].astype("Float64").get(tie_id)
        signed = float(value) if value is not None and not pd.isna(value) else np.nan
    end_year = int(end_year)
    windows = {f"to {end_year}": end_year, f"to {end_year - window_offset}": end_year - window_offset}
    blocks = []
    for coding, acts in {MAIN_CODING: activities, **(codings or {})}.items():
        mine = acts[(acts["tie_id"].astype(str) == tie_id)]
        mine = mine[at_stages(mine)].reset_index(drop=True)
        undated = mine["start_year"].isna().to_numpy()
        place = draws > 0 and undated.any()
        rows, firsts, lasts, placed = [], [], [], {}
        for window, end in windows.items():
            draws_years = None
            if place:
                possible = possible_years(mine, ties=ties, end_year=end)
                lo, hi = possible["earliest"].to_numpy()[undated], possible["latest"].to_numpy()[undated]
                draws_years = np.stack([np.random.default_rng(seed + i).integers(lo, hi + 1) for i in range(draws)])
                for i in range(draws):
                    placed[(window, i)] = draws_years[i]
            for expansion in ("off", "on"):
                f, l = _first_last(mine, expand=expansion == "on", end=end, placed_years=None)
                rows.append({"expansion": expansion, "window": window, "undated": "left out", "draw": -1, "end_year": end})
                firsts.append(f[None, :]), lasts.append(l[None, :])
                if place:
                    start = mine["start_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                    S = np.tile(start, (draws, 1))
                    S[:, undated] = draws_years
                    annual = (mine["recurrence"].astype(object).astype(str) == "annual").to_numpy()
                    until = mine["until"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                    last = S.copy()
                    if expansion == "on":
                        last = np.where(annual, np.minimum(np.where(np.isnan(until), end, until), end), S)
                    has = (S <= end) & (last >= S)
                    firsts.append(np.where(has, S, np.inf)), lasts.append(np.where(has, last, -np.inf))
                    rows += [{"expansion": expansion, "window": window, "undated": "placed", "draw": i, "end_year": end}
                             for i in range(draws)]
        spec = pd.DataFrame(rows)
        # order: expansion, window, undated, draw (main analysis first)
        first, last = np.vstack(firsts), np.vstack(lasts)
        order = spec.assign(_e=spec["expansion"].map({"off": 0, "on": 1}),
                            _w=spec["window"].map({w: i for i, w in enumerate(windows)}),
                            _u=spec["undated"].map({"left out": 0, "placed": 1})).sort_values(
            ["_e", "_w", "_u", "draw"], kind="stable").index.to_numpy()
        blocks.append(_Block(coding, mine, spec.iloc[order].reset_index(drop=True), first[order], last[order], placed))
    return Multiverse(tie_id, blocks, end_year=end_year, signed=signed, level=level, draws=draws, seed=seed,
                      codebook=codebook)


# ------------------------------------------------------------------------------------------- robustness

def _classes(estimate: np.ndarray, p_value: np.ndarray, rule: RobustRule, main: float, level: float) -> np.ndarray:
    """Each specification's class: direction (and verdict, for tests), or its place against the main value."""
    est = np.asarray(estimate, dtype=float)
    out = np.full(est.shape, "not estimated", dtype=object)
    ok = np.isfinite(est)
    if rule.kind == "level":
        if not np.isfinite(main):
            return out
        band = rule.threshold * abs(main) if rule.relative else rule.threshold
        diff = est - main
        out[ok] = np.where(diff[ok] > band + 1e-12, "higher", np.where(diff[ok] < -band - 1e-12, "lower", "same"))
        return out
    if rule.kind == "verdict":  # a statistic with no direction (e.g. a likelihood ratio): only the verdict counts
        p = np.asarray(p_value, dtype=float)
        ok &= np.isfinite(p)
        out[ok] = np.where(p[ok] < level, "significant", "not significant")
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.log(est) - np.log(rule.null) if rule.log else est - rule.null
    ok &= np.isfinite(d)
    up, down = "up" if rule.log else "positive", "down" if rule.log else "negative"
    none = "flat" if rule.log else "even"
    side = np.where(d > rule.threshold + 1e-12, up, np.where(d < -rule.threshold - 1e-12, down, none))
    if rule.kind == "test":
        p = np.asarray(p_value, dtype=float)
        ok &= np.isfinite(p)
        verdict = np.where(p < level, "significant", "not significant")
        side = np.char.add(np.char.add(side.astype(str), ", "), verdict.astype(str))
    out[ok] = side[ok]
    return out


def _depends_on(specs: pd.DataFrame, classes: np.ndarray, main_class: str) -> tuple[str, str]:
    """The factor on which a quantity's class depends, and the words that show it: a factor whose levels each hold
    one class, different between levels ('annual expansion (off: down; on: up)'); else the factor whose levels
    differ most in how often they keep the main analysis' class ('mostly on ...')."""
    frame = specs[list(FACTORS)].assign(_c=classes)
    best, best_gap, best_shares = "", 0.0, None
    for factor in FACTORS:
        levels = frame.groupby(factor, sort=False)["_c"]
        if levels.ngroups < 2:
            continue
        unique = levels.agg(lambda c: c.unique().tolist())
        if all(len(u) == 1 for u in unique) and len({u[0] for u in unique}) > 1:
            label = FACTOR_LABELS[factor]
            return label, f"it depends on the {label} (" + "; ".join(f"{lvl}: {u[0]}" for lvl, u in unique.items()) + ")"
        keep = levels.agg(lambda c: float((c == main_class).mean()))
        gap = float(keep.max() - keep.min())
        if gap > best_gap:
            best, best_gap, best_shares = factor, gap, keep
    if not best:
        return "several factors", "no single factor separates the specifications: it depends on several together"
    label = FACTOR_LABELS[best]
    return label, (f"it depends mostly on the {label} (share of specifications like the main analysis: "
                   + "; ".join(f"{lvl} {s:.0%}" for lvl, s in best_shares.items()) + ")")


def robustness(table: pd.DataFrame, *, level: float = 0.05, rules: dict | None = None,
               main_spec: int = 0) -> pd.DataFrame:
    """``tables/robustness.csv`` from ``tables/multiverse.csv``: one row per quantity, and the one definition of
    robust (:data:`ROBUST_DEFINITION`).

    Returns
    -------
    DataFrame
        ``quantity, n_specifications, estimate_main, estimate_min, estimate_max, share_same_direction,
        share_significant, robust, reason, depends_on``. ``share_same_direction`` is the share of specifications in
        the main analysis' class (direction, or within the band for a level); ``share_significant`` is NaN for a
        quantity with no test. ``reason`` says why in words; ``depends_on`` names the factor a non-robust result
        rests on ('' when robust).
    """
    rules = {**ROBUSTNESS_RULES, **(rules or {})}
    out = []
    for quantity, rows in table.groupby("quantity", sort=False):
        rule = rules.get(quantity) or rules.get(str(quantity).split(" (")[0], DEFAULT_RULE)  # "trend (tie)" too
        rows = rows.reset_index(drop=True)
        main_rows = rows[rows["spec_id"] == main_spec]
        main = float(main_rows["estimate"].iloc[0]) if len(main_rows) else float("nan")
        est, p = rows["estimate"].to_numpy(dtype=float), rows["p_value"].to_numpy(dtype=float)
        classes = _classes(est, p, rule, main, level)
        main_class = classes[main_rows.index[0]] if len(main_rows) else "not estimated"
        n = len(rows)
        same = float((classes == main_class).mean()) if n else np.nan
        tested = rule.kind in ("test", "verdict")
        significant = float((p < level).mean()) if tested and n else np.nan
        estimated = classes != "not estimated"
        uniform = n > 0 and estimated.all() and len(set(classes)) == 1
        depends = ""
        if not estimated.any():
            robust, reason = False, f"not estimated in any of the {n} specifications"
        elif tested and uniform and significant == 0:
            robust, reason = False, (f"no difference shown in {n} of {n} specifications (a null result: "
                                     "not called robust)")
        elif uniform:
            robust = True
            reason = (f"{main_class} in {n} of {n} specifications" if rule.kind != "level"
                      else f"{rule.describe()} in {n} of {n} specifications")
        else:
            robust = False
            depends, how = _depends_on(rows, classes, main_class)
            if not estimated.all():
                what = f"not estimated in {int((~estimated).sum())} of {n} specifications"
            elif rule.kind == "verdict":
                what = f"verdict changes between specifications (significant in {int(round(significant * n))} of {n})"
            elif rule.kind == "level":
                what = f"outside the band ({rule.describe()}) in {int((classes != 'same').sum())} of {n} specifications"
            else:
                dirs = {c.split(",")[0] for c in classes[estimated]}
                what = ("direction changes between specifications (" + ", ".join(sorted(dirs)) + ")" if len(dirs) > 1
                        else "verdict changes between specifications (significant in "
                        f"{int(round(significant * n))} of {n})")
            reason = f"{what}; {how}"
        finite = est[np.isfinite(est)]
        out.append({"quantity": quantity, "n_specifications": n, "estimate_main": main,
                    "estimate_min": float(finite.min()) if finite.size else np.nan,
                    "estimate_max": float(finite.max()) if finite.size else np.nan,
                    "share_same_direction": same, "share_significant": significant, "robust": bool(robust),
                    "reason": reason, "depends_on": depends})
    return pd.DataFrame(out, columns=ROBUSTNESS_COLUMNS)


def grid_as_multiverse(grid: pd.DataFrame, *, end_year: int, window_offset: int = WINDOW_OFFSET) -> pd.DataFrame:
    """Rows of a one-at-a-time :func:`studylib.sensitivity_grid` (for a quantity the multiverse does not batch, e.g.
    a likelihood-ratio test) as ``tables/multiverse.csv`` rows: each variant's name read as factor settings, so
    :func:`robustness` judges them by the same definition. Its first row must be the main analysis (expansion off,
    window to ``end_year``; the earlier-window variant must end ``window_offset`` years before)."""
    def factors(name: str) -> dict:
        return {"expansion": "on" if name == "annual expansion on" else "off",
                "window": f"to {end_year - window_offset}" if name.startswith("end_year") else f"to {end_year}",
                "undated": "placed" if name.startswith("undated") else "left out",
                "coding": name[len("coding: "):] if name.startswith("coding: ") else MAIN_CODING}
    rows = [{"spec_id": i, **factors(r.variant), "draw": -1, "quantity": r.quantity, "estimate": r.estimate,
             "conf_low": r.conf_low, "conf_high": r.conf_high, "p_value": r.p_value}
            for i, r in enumerate(grid.itertuples())]
    return pd.DataFrame(rows, columns=MULTIVERSE_COLUMNS)


def sensitivity_from_multiverse(mv: Multiverse, robust: pd.DataFrame, *, quantities=("trend", "balance")) -> pd.DataFrame:
    """``tables/sensitivity.csv`` read off the multiverse: for each quantity the main analysis, each factor
    switched alone (the placements summarised by their median and 2.5–97.5% range), and its ``robust`` taken from
    ``robust`` (:func:`robustness`), so the two tables never disagree."""
    from .sensitivity import SENSITIVITY_COLUMNS

    v = mv.values()
    main = v.iloc[0]
    rows = []

    def one(mask, name, q, summarise=False):
        sub = v[mask]
        if sub.empty:
            return
        est = sub[q].to_numpy(dtype=float)
        base = {"quantity": q, "variant": name, "n_activities": int(sub["activities"].median()),
                "n_cells": int(sub["years_in_window"].median()) if sub["years_in_window"].notna().any() else np.nan}
        if summarise:
            fin = est[np.isfinite(est)]
            lo, hi = (np.quantile(fin, [0.025, 0.975]) if fin.size else (np.nan, np.nan))
            rows.append({**base, "variant": f"{name}: median of {len(sub)} draws (2.5–97.5%: {lo:.3g}–{hi:.3g})",
                         "estimate": float(np.median(fin)) if fin.size else np.nan, "conf_low": np.nan,
                         "conf_high": np.nan, "p_value": np.nan})
            return
        r = sub.iloc[0]
        test = q == "trend"
        rows.append({**base, "estimate": r[q], "conf_low": r["trend_low"] if test else np.nan,
                     "conf_high": r["trend_high"] if test else np.nan, "p_value": r["trend_p"] if test else np.nan})

    is_main = {f: v[f] == main[f] for f in FACTORS}
    for q in quantities:
        one(v["spec_id"] == 0, f"main analysis (expansion {main['expansion']}, window {main['window']}, "
            f"undated {main['undated']}, {main['coding']})", q)
        others = lambda f: np.logical_and.reduce([is_main[g] for g in FACTORS if g != f])  # noqa: E731
        for level in v.loc[~is_main["expansion"], "expansion"].unique():
            one(others("expansion") & (v["expansion"] == level) & (v["undated"] == "left out"), f"annual expansion {level}", q)
        for level in v.loc[~is_main["window"], "window"].unique():
            one(others("window") & (v["window"] == level) & (v["undated"] == "left out"), f"window {level}", q)
        if (v["undated"] == "placed").any():
            one(others("undated") & (v["undated"] == "placed"), "undated placed in their window", q, summarise=True)
        for level in v.loc[~is_main["coding"], "coding"].unique():
            one(others("coding") & (v["coding"] == level), f"coding: {level}", q)
    table = pd.DataFrame(rows)
    verdict = robust.set_index("quantity")
    table["robust"] = table["quantity"].map(verdict["robust"]).fillna(False).astype(bool)
    table["conclusion"] = table["quantity"].map(verdict["reason"])
    for c in SENSITIVITY_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    for c in ("n_activities", "n_cells"):
        table[c] = pd.to_numeric(table[c]).round().astype("Int64")
    return table[SENSITIVITY_COLUMNS]
