"""The multiverse: every quantity a report states, computed under every crossed combination of the coding
assumptions, in one vectorised pass; and the one definition of "robust".

Factors (crossed, not one at a time):

- ``expansion``: annual programmes counted once, in their start year (``off``, the main analysis) or once a year
  to their ``until`` year or the window's end (``on``; :data:`studylib.analysis.panel.EXPANSION_RULE`);
- ``window``: observed to ``end_year`` (main) or to ``end_year - 5`` (the same rule in every report); the earlier
  level is not built when it would hold fewer than :data:`MIN_WINDOW_YEARS` years of the tie (a tie signed, or a
  ``start_year``, after ``end_year - 6``), as ``placed`` is not built with no undated activity:
  :attr:`Multiverse.not_built` records both, and robustness is judged over the specifications that exist;
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

from ..i18n import _, factor_level, localize_number_text, name_in_language, ngettext, reader_text, reader_texts, text_column
from .exact_tests import DEFAULT_SEED
from .imputation import possible_years

__all__ = [
    "FACTORS", "MULTIVERSE_COLUMNS", "ROBUSTNESS_COLUMNS", "ROBUST_DEFINITION", "ROBUSTNESS_RULES", "RobustRule",
    "Multiverse", "multiverse", "batched_poisson_trend", "robustness", "sensitivity_from_multiverse",
    "shipped_variants", "variants_touching", "resolve_variants", "grid_as_multiverse", "WINDOW_OFFSET", "DEFAULT_DRAWS",
    "axis_claim_multiverse", "interaction_lr", "batched_poisson_covariate", "robust_definition", "MIN_WINDOW_YEARS",
]

FACTORS = ("expansion", "window", "undated", "coding")
WINDOW_OFFSET = 5  # the earlier window ends this many years before end_year, in every report
MIN_WINDOW_YEARS = 2  # an earlier window holding fewer years of the tie is not built (a trend needs two years)
DEFAULT_DRAWS = 200  # seeded placements of the undated activities
MAIN_CODING = "study data"
MULTIVERSE_COLUMNS = ["spec_id", *FACTORS, "draw", "quantity", "estimate", "conf_low", "conf_high", "p_value"]
ROBUSTNESS_COLUMNS = ["quantity", "n_specifications", "estimate_main", "estimate_min", "estimate_max",
                      "share_same_direction", "share_significant", "robust", "null_result", "reason", "depends_on"]
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
        """The rule in words, in the report language."""
        if self.kind == "level":
            if self.relative:
                band = _("±{share} of the main value").format(share=_num(f"{self.threshold:.0%}"))
            elif self.unit == " years":
                band = _("±{value} years").format(value=_num(f"{self.threshold:g}"))
            else:
                band = f"±{_num(f'{self.threshold:g}')}{self.unit}"
            return _("every specification within {band}").format(band=band)
        band = (_("|log estimate| ≤ {threshold}").format(threshold=_num(f"{self.threshold:g}")) if self.log
                else _("|estimate − {null}| ≤ {threshold}").format(null=_num(f"{self.null:g}"),
                                                                   threshold=_num(f"{self.threshold:g}")))
        if self.kind == "test":
            return _("the same side of {null} everywhere ({band} counts as none) and the same verdict at the stated "
                     "level").format(null=_num(f"{self.null:g}"), band=band)
        return _("the same side of {null} everywhere ({band} counts as none)").format(null=_num(f"{self.null:g}"),
                                                                                       band=band)


def _num(text: str) -> str:
    """A number written the English way, in the report language's marks ('0.1' -> '0,1')."""
    return localize_number_text(text)


CLASS_CONTEXT = "robustness class"  # msgctxt of a specification's class words ('down', 'not significant') in a reason


def _class_words(cls: str) -> str:
    """A specification's class ('down, not significant') in the report language."""
    return ", ".join(name_in_language(CLASS_CONTEXT, word) for word in str(cls).split(", "))


def _factor_label(factor: str) -> str:
    """:data:`FACTOR_LABELS` in the report language."""
    return {"expansion": _("annual expansion"), "window": _("observation window"),
            "undated": _("undated activities"), "coding": _("coding variant")}[factor]


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
    # the Gangnam claim (axis_claim_multiverse): a share against an even split (within 45–55%: even), and the
    # exact test of an even split over the axes (a distance has no direction: only its verdict counts)
    "culture + inclusion share vs industry + data": RobustRule("test", null=0.5, threshold=0.05),
    "culture + inclusion share vs industry": RobustRule("test", null=0.5, threshold=0.05),
    **{f"even split over the {w} axes": RobustRule("verdict") for w in ("two", "three", "four", "five", "six")},
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


def variants_touching(tie_ids, variant_dirs=None, *, base: pd.DataFrame | None = None, actors=()) -> list[Path]:
    """The variant folders (default: every shipped one) that change a row of one of ``tie_ids`` (or of one of
    ``actors``, for a report on an actor's own portfolio): a row on one of those ties (or of those actors) in the
    folder, or a row it replaces that was on one of them in ``base`` (default: the study's)."""
    from ..bundle.read import read_table

    if base is None:
        from ..bundle.load import load_bundle
        base = load_bundle().activities
    if isinstance(actors, str):
        raise TypeError("actors must be a list of city ids, not a string.")
    wanted, wanted_actors = set(map(str, tie_ids)), set(map(str, actors))
    on_tie = dict(zip(base["activity_id"].astype(str), base["tie_id"].astype(str)))
    of_actor = dict(zip(base["activity_id"].astype(str), base["actor"].astype(str)))
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
        elif wanted_actors and (("actor" in rows and rows["actor"].fillna("").astype(str).isin(wanted_actors).any())
                                or ids.map(of_actor).isin(wanted_actors).any()):
            out.append(folder)
    return out


def resolve_variants(variant_dirs, tie_ids, *, base: pd.DataFrame | None = None, actors=()) -> list[Path]:
    """A notebook's ``variant_dirs`` parameter as folders: the word ``"shipped"`` stands for every shipped variant
    folder that touches ``tie_ids`` or ``actors`` (:func:`variants_touching`); any other entry is a folder
    (relative to the project root), kept as given."""
    from ..paths import PROJECT_ROOT

    out: list[Path] = []
    for entry in variant_dirs or []:
        if str(entry) == "shipped":
            out += [p for p in variants_touching(tie_ids, base=base, actors=actors) if p not in out]
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
    years = np.asarray(years, dtype=float)
    x = (years - years.mean()) / 10.0  # centred, per decade: a well-conditioned design for every row
    return _batched_log_linear(counts, x, x_scale=10.0, iterations=iterations, tol=tol,
                               dispersion_threshold=dispersion_threshold)


def batched_poisson_covariate(counts: np.ndarray, covariate, *, iterations: int = 50, tol: float = 1e-12,
                              dispersion_threshold: float | None = 1.5) -> dict[str, np.ndarray]:
    """The Poisson log-linear model ``log E[y_t] = a + b·x_t`` of every row of ``counts``, fitted together, for a
    covariate ``x`` that is the same in every row (e.g. 1 in a year with a cited tension episode, else 0).

    Parameters
    ----------
    counts : array (specifications × years)
        Counts; NaN marks a year outside that row's window.
    covariate : array (years)
        The covariate of each column.
    dispersion_threshold : float or None
        As :func:`batched_poisson_trend` (quasi-Poisson standard errors above it).

    Returns
    -------
    dict of arrays (one value per row)
        As :func:`batched_poisson_trend`: ``slope`` (log rate ratio per unit of ``x``), ``se``, ``irr``,
        ``irr_low``, ``irr_high``, ``p_value``, ``dispersion``, ``cells``, ``events``, ``converged``. NaN for a row
        whose covariate does not vary within its window, or whose fit does not converge (e.g. no event in the years
        with ``x`` = 1: separation).
    """
    x = np.asarray(covariate, dtype=float)
    Y = np.asarray(counts, dtype=float)
    if x.ndim != 1 or x.shape[0] != Y.shape[1]:
        raise ValueError(f"covariate must have one value per column of counts ({Y.shape[1]}), not shape {x.shape}.")
    inside = ~np.isnan(Y)
    xs = np.where(inside, x[None, :], np.nan)
    with np.errstate(invalid="ignore"):
        varies = (np.nanmax(xs, axis=1, initial=-np.inf) > np.nanmin(xs, axis=1, initial=np.inf))
    return _batched_log_linear(Y, x, x_scale=1.0, iterations=iterations, tol=tol,
                               dispersion_threshold=dispersion_threshold, usable=varies)


def _batched_log_linear(counts, x, *, x_scale: float, iterations: int, tol: float, dispersion_threshold,
                        usable=None) -> dict[str, np.ndarray]:
    """IRLS of ``log E[y] = a + b·x`` for every row of ``counts`` at once (x shared by the rows; the slope is
    divided by ``x_scale``)."""
    Y = np.asarray(counts, dtype=float)
    inside = ~np.isnan(Y)
    Y0 = np.where(inside, Y, 0.0)
    X = np.stack([np.ones_like(x), x], axis=1)  # years × 2
    cells, events = inside.sum(axis=1), Y0.sum(axis=1)
    active_years = ((Y0 > 0) & inside).sum(axis=1)
    ok = (cells >= 3) & (events >= 2) & (active_years >= 2)
    if usable is not None:
        ok &= usable
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
        slope = np.where(fine, beta[:, 1] / x_scale, np.nan)
        se = np.sqrt(cov[:, 1, 1] * scale) / x_scale
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
                 draws: int, seed: int, codebook, start_year: int = 0, not_built=()):
        self.tie_id, self.blocks, self.end_year, self.level = tie_id, blocks, int(end_year), level
        self._not_built = list(not_built)  # (factor, level, why, facts): see not_built
        self.draws, self.seed, self.signed, self.start_year = draws, seed, signed, int(start_year or 0)
        self.codebook = codebook
        specs = pd.concat([b.specs.assign(coding=b.coding) for b in blocks], ignore_index=True)
        specs.insert(0, "spec_id", np.arange(len(specs)))
        self.specs = specs[["spec_id", *FACTORS, "draw", "end_year"]]
        self._values: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def not_built(self) -> pd.DataFrame:
        """The factor levels that were not built, and why (in the report language): ``factor, level, reason``.

        The earlier ``window`` is not built when it would hold fewer than :data:`MIN_WINDOW_YEARS` years of the tie
        (a tie signed or starting after ``end_year - window_offset``); ``undated: placed`` is not built when no
        implemented activity of the tie is undated (it would repeat ``left out``). Robustness is judged over the
        specifications that exist.
        """
        rows = [{"factor": factor, "level": level, "reason": _reason_not_built(why, facts)}
                for factor, level, why, facts in self._not_built]
        return pd.DataFrame(rows, columns=["factor", "level", "reason"])

    def not_built_sentence(self) -> str:
        """The levels not built, as sentences for a report's Method (report language); '' when every level was built."""
        sentences = []
        for factor, level, why, facts in self._not_built:
            reason = _reason_not_built(why, facts)
            if factor == "window":
                sentences.append(_("The observation window {level} was not built: {reason}.").format(
                    level=_("to {year}").format(year=facts["end"]), reason=reason))
            else:
                sentences.append(_("No specification places the undated activities: {reason}.").format(reason=reason))
        return " ".join(sentences)

    # ---------------------------------------------------------------------------------------------- layout
    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Yearly event counts (specifications × years, NaN outside each window), the years, and each window's
        first year (the tie's signing year or its first event, whichever is earlier)."""
        first_all = (np.concatenate([b.first.min(axis=1, initial=np.inf) for b in self.blocks]) if self.blocks
                     else np.array([]))
        opens = np.fmin(first_all, self.signed if np.isfinite(self.signed) else np.inf)
        if self.start_year:  # a later first year: never before the tie's own start
            opens = np.where(np.isfinite(opens), np.maximum(opens, self.start_year), self.start_year)
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
        self.sector_events = pd.DataFrame(sec, columns=sectors)  # specs × sectors ('general' counted as 0)
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

    def covariate(self, quantity: str, covariate, *, dispersion_threshold: float | None = 1.5) -> pd.DataFrame:
        """A yearly covariate's rate ratio in every specification (``activities ~ x`` per year, batched Poisson
        IRLS with quasi-Poisson standard errors above ``dispersion_threshold``, as the trend), as
        ``tables/multiverse.csv`` rows named ``quantity``.

        Parameters
        ----------
        quantity : str
            The rows' ``quantity`` (e.g. ``'tension'``).
        covariate : callable or collection of int
            ``covariate(years) -> array`` of the covariate per calendar year, or the years in which it is 1
            (e.g. the years with a cited tension episode).
        """
        Y, years, _ = self.counts()
        if callable(covariate):
            x = np.asarray(covariate(years), dtype=float)
        elif isinstance(covariate, (str, bytes)) or not hasattr(covariate, "__iter__"):
            raise TypeError("covariate must be a function of the years or a collection of years.")
        else:
            x = np.isin(years, np.asarray(list(covariate), dtype=float)).astype(float)
        fit = batched_poisson_covariate(Y, x, dispersion_threshold=dispersion_threshold)
        out = self.specs[["spec_id", *FACTORS, "draw"]].copy()
        out["quantity"] = quantity
        out["estimate"], out["conf_low"], out["conf_high"] = fit["irr"], fit["irr_low"], fit["irr_high"]
        out["p_value"] = fit["p_value"]
        return out[MULTIVERSE_COLUMNS].reset_index(drop=True)

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
               end_year: int, start_year: int = 0, codings: dict[str, pd.DataFrame] | None = None,
               draws: int = DEFAULT_DRAWS,
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
    start_year : int
        A later first year for every window (0: none): events before it are left out, and a window never opens
        before the tie's own start (its signing year or first event).
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
    windows = {f"to {end_year}": end_year}
    not_built = []
    tie_rows = {}  # each coding's implemented activities of the tie
    for coding, acts in {MAIN_CODING: activities, **(codings or {})}.items():
        mine = acts[(acts["tie_id"].astype(str) == tie_id)]
        tie_rows[coding] = mine[at_stages(mine)].reset_index(drop=True)
    early = _earlier_window(tie_rows.values(), signed=signed, end=end_year - window_offset, start_year=start_year)
    if early is None:
        windows[f"to {end_year - window_offset}"] = end_year - window_offset
    else:
        not_built.append(("window", f"to {end_year - window_offset}", *early))
    blocks = []
    for coding, mine in tie_rows.items():
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
        if start_year:  # the window opens at start_year: events before it are left out
            first = np.where(last >= start_year, np.maximum(first, start_year), np.inf)
            last = np.where(np.isfinite(first), last, -np.inf)
        order = spec.assign(_e=spec["expansion"].map({"off": 0, "on": 1}),
                            _w=spec["window"].map({w: i for i, w in enumerate(windows)}),
                            _u=spec["undated"].map({"left out": 0, "placed": 1})).sort_values(
            ["_e", "_w", "_u", "draw"], kind="stable").index.to_numpy()
        blocks.append(_Block(coding, mine, spec.iloc[order].reset_index(drop=True), first[order], last[order], placed))
    if draws > 0 and not any(b.placed for b in blocks):
        not_built.append(("undated", "placed", "no undated", {}))
    return Multiverse(tie_id, blocks, end_year=end_year, signed=signed, level=level, draws=draws, seed=seed,
                      codebook=codebook, start_year=start_year, not_built=not_built)


def _earlier_window(tie_rows, *, signed: float, end: int, start_year: int) -> tuple | None:
    """Why the earlier window (ending ``end``) is not built, as ``(why, facts)``; None when it holds at least
    :data:`MIN_WINDOW_YEARS` years of the tie. The tie's window opens at its signing year or its first dated
    activity under any coding (``tie_rows``: each coding's implemented activities of the tie), whichever is earlier
    (later, at ``start_year``, when that is later)."""
    firsts = [signed]
    for mine in tie_rows:
        years = pd.to_numeric(mine["start_year"], errors="coerce").dropna()
        firsts.append(float(years.min()) if len(years) else np.nan)
    opens = np.nanmin(firsts) if np.isfinite(firsts).any() else np.nan
    why = "tie"
    if start_year and (np.isnan(opens) or start_year > opens):
        opens, why = float(start_year), "start_year"
    if np.isnan(opens):
        return "no year", {"end": end, "minimum": MIN_WINDOW_YEARS}
    n = max(int(end - opens + 1), 0)
    if n >= MIN_WINDOW_YEARS:
        return None
    return why, {"first": int(opens), "end": end, "n": n, "minimum": MIN_WINDOW_YEARS}


def _reason_not_built(why: str, facts: dict) -> str:
    """The reason a level was not built, in the report language (see :attr:`Multiverse.not_built`)."""
    if why == "no undated":
        return _("no implemented activity of the tie is undated, so placing undated activities would repeat "
                 "leaving them out")
    if why == "no year":
        return _("neither a signing year nor a dated activity opens the tie's window, so a window ending in {end} "
                 "holds none of its years").format(**facts)
    if facts["n"] == 0:
        holds = _("a window ending in {end} would hold none of its years").format(**facts)
    else:
        holds = ngettext("a window ending in {end} would hold {n} year of it", "a window ending in {end} would hold "
                         "{n} years of it", facts["n"]).format(**facts)
    if why == "start_year":
        opens = _("the window opens at start_year, {first}").format(**facts)
    else:
        opens = _("the tie's window opens in {first} (its signing year or first dated activity)").format(**facts)
    return _("{opens}, so {holds}, fewer than the {minimum} a trend over the window needs").format(
        opens=opens, holds=holds, minimum=facts["minimum"])


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
    """The factor on which a quantity's class depends, and the words that show it (report language): a factor whose
    levels each hold one class, different between levels ('annual expansion (off: down; on: up)'); else the factor
    whose levels differ most in how often they keep the main analysis' class ('mostly on ...')."""
    frame = specs[list(FACTORS)].assign(_c=classes)
    best, best_gap, best_counts = "", 0.0, None
    for factor in FACTORS:
        levels = frame.groupby(factor, sort=False)["_c"]
        if levels.ngroups < 2:
            continue
        unique = levels.agg(lambda c: c.unique().tolist())
        if all(len(u) == 1 for u in unique) and len({u[0] for u in unique}) > 1:
            label = _factor_label(factor)
            return label, _("it depends on the {factor} ({levels})").format(
                factor=label, levels="; ".join(f"{factor_level(lvl)}: {_class_words(u[0])}" for lvl, u in unique.items()))
        keep = levels.agg(lambda c: float((c == main_class).mean()))
        gap = float(keep.max() - keep.min())
        if gap > best_gap:
            best, best_gap = factor, gap
            best_counts = levels.agg(lambda c: (int((c == main_class).sum()), len(c)))
    if not best:
        return _("several factors"), _("no single factor separates the specifications: it depends on several together")
    label = _factor_label(best)
    # counts, not rounded shares: 2 of 402 must not read as 0%
    counts = "; ".join(_("{level}: {k} of {n}").format(level=factor_level(lvl), k=k, n=n)
                       for lvl, (k, n) in best_counts.items())
    return label, _("it depends mostly on the {factor} (specifications like the main analysis, {main_class}: "
                    "{counts})").format(factor=label, main_class=_class_words(main_class), counts=counts)


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
        if not estimated.any():
            robust = False
        elif tested and uniform and significant == 0:
            robust = False
        else:
            robust = bool(uniform)

        def words(rows=rows, classes=classes, main_class=main_class, n=n, rule=rule, estimated=estimated,
                  significant=significant, uniform=uniform, tested=tested) -> tuple[str, str]:
            """(reason, depends_on) in the current language."""
            if not estimated.any():
                return _("not estimated in any of the {n} specifications").format(n=n), ""
            if tested and uniform and significant == 0:
                return _("no difference shown in {n} of {n} specifications (a null result: not called "
                         "robust)").format(n=n), ""
            if uniform:
                what = _class_words(main_class) if rule.kind != "level" else rule.describe()
                return _("{what} in {k} of {n} specifications").format(what=what, k=n, n=n), ""
            depends, how = _depends_on(rows, classes, main_class)
            if not estimated.all():
                what = _("not estimated in {k} of {n} specifications").format(k=int((~estimated).sum()), n=n)
            elif rule.kind == "verdict":
                what = _("verdict changes between specifications (significant in {k} of {n})").format(
                    k=int(round(significant * n)), n=n)
            elif rule.kind == "level":
                what = _("outside the band ({rule}) in {k} of {n} specifications").format(
                    rule=rule.describe(), k=int((classes != 'same').sum()), n=n)
            else:
                dirs = {c.split(",")[0] for c in classes[estimated]}
                what = (_("direction changes between specifications ({directions})").format(
                    directions=", ".join(_class_words(d) for d in sorted(dirs))) if len(dirs) > 1
                        else _("verdict changes between specifications (significant in {k} of {n})").format(
                    k=int(round(significant * n)), n=n))
            return f"{what}; {how}", depends

        reason, depends = reader_texts(words)
        finite = est[np.isfinite(est)]
        out.append({"quantity": quantity, "n_specifications": n, "estimate_main": main,
                    "estimate_min": float(finite.min()) if finite.size else np.nan,
                    "estimate_max": float(finite.max()) if finite.size else np.nan,
                    "share_same_direction": same, "share_significant": significant, "robust": bool(robust),
                    # a test significant in no specification: "no difference shown in N of N", never called robust
                    "null_result": bool(estimated.any() and tested and uniform and significant == 0),
                    "reason": reason, "depends_on": depends})
    table = pd.DataFrame(out, columns=ROBUSTNESS_COLUMNS)
    for column in ("reason", "depends_on"):
        table[column] = text_column((row[column] for row in out), table.index)
    return table


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
        """A row for the specifications in ``mask``; ``name()`` composes the variant's name in the report language
        (kept as a ReaderText, whose English goes into the CSV file)."""
        sub = v[mask]
        if sub.empty:
            return
        est = sub[q].to_numpy(dtype=float)
        base = {"quantity": q, "variant": reader_text(name), "n_activities": int(sub["activities"].median()),
                "n_cells": int(sub["years_in_window"].median()) if sub["years_in_window"].notna().any() else np.nan}
        if summarise:
            fin = est[np.isfinite(est)]
            lo, hi = (np.quantile(fin, [0.025, 0.975]) if fin.size else (np.nan, np.nan))
            rows.append({**base, "variant": reader_text(lambda: _(
                "{variant}: median of {n} draws (2.5–97.5%: {low}–{high})").format(
                variant=name(), n=len(sub), low=_num(f"{lo:.3g}"), high=_num(f"{hi:.3g}"))),
                "estimate": float(np.median(fin)) if fin.size else np.nan, "conf_low": np.nan,
                "conf_high": np.nan, "p_value": np.nan})
            return
        r = sub.iloc[0]
        test = q == "trend"
        rows.append({**base, "estimate": r[q], "conf_low": r["trend_low"] if test else np.nan,
                     "conf_high": r["trend_high"] if test else np.nan, "p_value": r["trend_p"] if test else np.nan})

    is_main = {f: v[f] == main[f] for f in FACTORS}
    for q in quantities:
        one(v["spec_id"] == 0, lambda: _("main analysis (expansion {expansion}, window {window}, undated {undated}, "
                                         "{coding})").format(**{f: factor_level(main[f]) for f in FACTORS}), q)
        others = lambda f: np.logical_and.reduce([is_main[g] for g in FACTORS if g != f])  # noqa: E731
        for level in v.loc[~is_main["expansion"], "expansion"].unique():
            one(others("expansion") & (v["expansion"] == level) & (v["undated"] == "left out"),
                lambda level=level: _("annual expansion {level}").format(level=factor_level(level)), q)
        for level in v.loc[~is_main["window"], "window"].unique():
            one(others("window") & (v["window"] == level) & (v["undated"] == "left out"),
                lambda level=level: _("window {level}").format(level=factor_level(level)), q)
        if (v["undated"] == "placed").any():
            one(others("undated") & (v["undated"] == "placed"), lambda: _("undated placed in their window"), q,
                summarise=True)
        for level in v.loc[~is_main["coding"], "coding"].unique():
            one(others("coding") & (v["coding"] == level),
                lambda level=level: _("coding: {name}").format(name=factor_level(level)), q)
    table = pd.DataFrame(rows)
    table["variant"] = text_column((r["variant"] for r in rows), table.index)
    verdict = robust.set_index("quantity")
    table["robust"] = table["quantity"].map(verdict["robust"]).fillna(False).astype(bool)
    reasons = verdict["reason"].to_dict()  # a dict keeps each ReaderText (and its English, for the CSV file)
    table["conclusion"] = text_column((reasons.get(q, np.nan) for q in table["quantity"]), table.index)
    for c in SENSITIVITY_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    for c in ("n_activities", "n_cells"):
        table[c] = pd.to_numeric(table[c]).round().astype("Int64")
    return table[SENSITIVITY_COLUMNS]


# ------------------------------------------------------------------------------------ a claim about the axes

AXIS_CLAIM_UNDATED = ("counted", "left out", "placed")
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _claim_name(first, second) -> str:
    return f"{' + '.join(first)} share vs {' + '.join(second)}"


def axis_claim_multiverse(codings: dict[str, pd.DataFrame], *, end_year: int, ties: pd.DataFrame | None = None,
                          first=("culture", "inclusion"), seconds=(("industry", "data"), ("industry",)),
                          axes=("industry", "culture", "data", "inclusion"), unit=("source_id", "locator", "axis"),
                          draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, window_offset: int = WINDOW_OFFSET,
                          level: float = 0.95) -> pd.DataFrame:
    """A claim about how an actor's activities spread over the axes, in every crossed specification.

    The claim's tests (the ``first`` axes' share against each of ``seconds``: an exact binomial test of an even
    split with a Jeffreys interval, as :func:`studylib.contrast_test`; and the exact multinomial test of an even
    split over ``axes`` with the total-variation distance from it) are computed on **units** (rows that share
    ``unit``, e.g. one source passage on one axis, count once) under the multiverse's factors:

    - ``coding``: the first entry of ``codings`` (the main analysis), then each other entry;
    - ``expansion``: ``off`` (a unit counts once) or ``on`` (a unit counts once a year its annual activity runs
      to its ``until`` year or the window's end; the most years of any of its rows);
    - ``window``: activities dated after the window's end (``end_year``, or ``end_year - window_offset``) are out;
    - ``undated``: an undated activity is ``counted`` once (the main analysis: the test needs no date), ``left out``,
      or ``placed`` in its possible window (:func:`studylib.possible_years`) by ``draws`` seeded draws.

    Parameters
    ----------
    codings : dict of name -> activities
        Each coding's activities that enter the claim (e.g. the actor's implemented activities with an axis, from
        :func:`studylib.add_frames`); the first is the main analysis.
    level : float
        The Jeffreys interval's coverage.

    Returns
    -------
    DataFrame
        ``tables/multiverse.csv`` rows (:data:`MULTIVERSE_COLUMNS`) and ``n_units, n_activities, count_first,
        count_second`` (units and rows counted in the test; units in ``first`` and in the second group, NaN for the
        even split). Quantities are named ``'<first> share vs <second>'`` and ``'even split over the four axes
        (distance)'`` (the number of ``axes`` in words); specification 0 is the main analysis. Robustness rules
        for these names are in :data:`ROBUSTNESS_RULES`.
    """
    from .exact_tests import even_split_test, jeffreys_interval

    if not codings:
        raise ValueError("axis_claim_multiverse needs at least one coding (the main analysis).")
    if not (isinstance(draws, int) and draws >= 0):
        raise ValueError(f"draws must be a whole number >= 0, not {draws!r}.")
    unknown = {a for group in (first, *seconds) for a in group} - set(axes)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not among the axes {list(axes)}.")
    end_year = int(end_year)
    windows = {f"to {end_year}": end_year, f"to {end_year - window_offset}": end_year - window_offset}
    spec_rows, unit_counts, row_counts = [], [], []
    for coding, acts in codings.items():
        missing = {"start_year", "recurrence", *unit} - set(acts.columns)
        if missing:
            raise ValueError(f"coding {coding!r} lacks the columns {sorted(missing)}.")
        acts = acts.reset_index(drop=True)
        start = acts["start_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        undated = np.isnan(start)
        annual = (acts["recurrence"].astype(object).astype(str) == "annual").to_numpy()
        until = (acts["until"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) if "until" in acts
                 else np.full(len(acts), np.nan))
        keys = acts[list(unit)].astype(object).astype(str)
        codes = keys.groupby(list(unit), sort=True).ngroup().to_numpy() if len(acts) else np.zeros(0, dtype=int)
        n_units = int(codes.max()) + 1 if len(codes) else 0
        unit_axis = keys.groupby(codes)["axis"].first().reindex(range(n_units)).to_numpy()
        onehot = np.stack([unit_axis == a for a in axes], axis=1).astype(float) if n_units else np.zeros((0, len(axes)))
        act_axis = keys["axis"].to_numpy()
        act_onehot = np.stack([act_axis == a for a in axes], axis=1).astype(float).reshape(len(acts), len(axes))
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0]) if len(codes) else np.zeros(0, dtype=int)

        def per_unit(events):  # specs × activities -> specs × units: the most events of any row of the unit
            if not n_units:
                return np.zeros((events.shape[0], 0))
            return np.maximum.reduceat(events[:, order], bounds, axis=1)

        def events_of(starts, expand, end):  # starts: specs × activities (NaN: no event)
            last = np.where(annual & expand, np.minimum(np.where(np.isnan(until), end, until), end), starts)
            has = ~np.isnan(starts) & (starts <= end) & (last >= starts)
            return np.where(has, last - starts + 1, 0.0)

        for expansion in ("off", "on"):
            for window, end in windows.items():
                possible = None
                for how in AXIS_CLAIM_UNDATED:
                    if how != "counted" and not undated.any():
                        continue  # with no undated activity every level would repeat the first
                    if how == "placed":
                        if draws == 0:
                            continue
                        if possible is None:
                            possible = possible_years(acts, ties=ties, end_year=end)
                        lo = possible["earliest"].to_numpy()[undated]
                        hi = possible["latest"].to_numpy()[undated]
                        S = np.tile(start, (draws, 1))
                        S[:, undated] = np.stack([np.random.default_rng(seed + i).integers(lo, hi + 1)
                                                  for i in range(draws)])
                        rows = [{"draw": i} for i in range(draws)]
                    else:
                        S, rows = start[None, :].copy(), [{"draw": -1}]
                    n = events_of(S, expansion == "on", end)
                    if how == "counted":
                        n[:, undated] = 1.0
                    unit_counts.append(per_unit(n) @ onehot)
                    row_counts.append((n > 0).astype(float) @ act_onehot)
                    spec_rows += [{"expansion": expansion, "window": window, "undated": how, "coding": coding, **r}
                                  for r in rows]
    specs = pd.DataFrame(spec_rows)
    specs.insert(0, "spec_id", np.arange(len(specs)))
    C = np.vstack(unit_counts)  # specifications × axes (units)
    R = np.vstack(row_counts)  # specifications × axes (rows)
    col = {a: i for i, a in enumerate(axes)}
    parts = []
    for second in seconds:
        k = C[:, [col[a] for a in first]].sum(axis=1)
        m = C[:, [col[a] for a in second]].sum(axis=1)
        n = k + m
        pairs = {(int(a), int(b)) for a, b in zip(k, n) if b > 0}  # one exact test per distinct table, not per spec
        p_of = {pair: float(stats.binomtest(pair[0], pair[1], 0.5).pvalue) for pair in pairs}
        low, high = jeffreys_interval(k, n, level=level)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n > 0, k / n, np.nan)
        p = np.array([p_of.get((int(a), int(b)), np.nan) for a, b in zip(k, n)])
        rows_in = R[:, [col[a] for a in (*first, *second)]].sum(axis=1)
        parts.append(specs.assign(quantity=_claim_name(first, second), estimate=share, conf_low=low, conf_high=high,
                                  p_value=p, n_units=n, n_activities=rows_in, count_first=k, count_second=m))
    total = C.sum(axis=1)
    rows_int = [tuple(int(x) for x in r) for r in C]
    p_even = {r: even_split_test(list(r)) for r in set(rows_int)}
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(total > 0, 0.5 * np.abs(C / total[:, None] - 1 / len(axes)).sum(axis=1), np.nan)
    name = f"even split over the {_NUMBER_WORDS.get(len(axes), len(axes))} axes (distance)"
    parts.append(specs.assign(quantity=name, estimate=distance, conf_low=np.nan, conf_high=np.nan,
                              p_value=[p_even[r] for r in rows_int], n_units=total, n_activities=R.sum(axis=1),
                              count_first=np.nan, count_second=np.nan))
    return pd.concat(parts, ignore_index=True)[[*MULTIVERSE_COLUMNS, "n_units", "n_activities", "count_first",
                                                "count_second"]]


# ------------------------------------------------------------------- the tie × sector interaction, batched

def interaction_lr(universes, *, exclude=("general",)) -> pd.DataFrame:
    """The likelihood-ratio test of the tie × sector interaction in yearly counts, in every joint specification of
    two or more ties' multiverses, without a model fit per specification.

    For a Poisson model of yearly counts, ``activities ~ C(tie_id) * C(sector)`` fits each tie × sector cell's
    mean over the tie's window years, and ``C(tie_id) + C(sector)`` fits totals ``R_t·C_s / N`` (the window's
    length cancels), so the likelihood-ratio statistic is the G² of the ties × sectors table of event totals:
    ``2 Σ Y log(Y / E)``, on ``(ties − 1)(sectors − 1)`` degrees of freedom. Only sectors with an event in every
    tie enter (as :func:`studylib.common_levels`), and ``exclude`` (umbrella agreements) never does. It equals
    statsmodels' Poisson GLM likelihood-ratio test (the tests check it to 1e-8); it is not the negative-binomial
    test :func:`studylib.choose_count_family` picks for an over-dispersed panel.

    Parameters
    ----------
    universes : sequence of Multiverse
        One per tie (:func:`multiverse`), built with the same ``end_year``, ``draws`` and ``seed``. A specification
        of one tie is joined with the same settings of the others; where a tie has no such specification (a coding
        variant that does not touch it, or placements when it has no undated activity) its study-data or
        'left out' specification stands in, since that variant or placement leaves its rows as they are. A window
        level that some tie's multiverse did not build (:attr:`Multiverse.not_built`) is left out of the joint ones.
    exclude : sequence of str
        Sectors never tested.

    Returns
    -------
    DataFrame
        ``tables/multiverse.csv`` rows (quantity ``'sector interaction (LR test)'``, estimate = the LR statistic)
        and ``df``, ``n_sectors`` (sectors tested), ``events``.
    """
    universes = list(universes)
    if len(universes) < 2:
        raise ValueError("interaction_lr needs the multiverses of at least two ties.")
    if not all(isinstance(u, Multiverse) for u in universes):
        raise TypeError("interaction_lr takes Multiverse objects (studylib.multiverse).")
    if len({(u.end_year, u.draws, u.seed) for u in universes}) > 1:
        raise ValueError("the ties' multiverses must share end_year, draws and seed.")
    keys = ["coding", "expansion", "window", "undated", "draw"]
    tables, order = [], None
    for u in universes:
        u.values()
        frame = u.specs[keys].reset_index(drop=True)
        index = {tuple(r): i for i, r in enumerate(frame.itertuples(index=False))}
        tables.append((u, index))
        if order is None or len(frame) > len(order):
            order = frame
    joint = pd.concat([u.specs[keys] for u in universes]).drop_duplicates().reset_index(drop=True)
    # a window some tie does not have (not built: it would hold too few of its years) is not a joint specification
    shared = set.intersection(*(set(u.specs["window"]) for u in universes))
    joint = joint[joint["window"].isin(shared)].reset_index(drop=True)
    sectors = [c for c in universes[0].sector_events.columns if c not in set(exclude)]
    T = np.zeros((len(joint), len(universes), len(sectors)))
    for j, (u, index) in enumerate(tables):
        counts = u.sector_events.reindex(columns=sectors, fill_value=0.0).to_numpy()
        rows = []
        for key in joint.itertuples(index=False):
            coding, expansion, window, undated, draw = key
            for cand in ((coding, expansion, window, undated, draw), (MAIN_CODING, expansion, window, undated, draw),
                         (coding, expansion, window, "left out", -1), (MAIN_CODING, expansion, window, "left out", -1)):
                if cand in index:
                    rows.append(index[cand])
                    break
            else:
                raise ValueError(f"tie {u.tie_id}: no specification for {key}.")
        T[:, j, :] = counts[rows]
    common = (T > 0).all(axis=1)  # specs × sectors: an event in every tie
    Tm = np.where(common[:, None, :], T, 0.0)
    R, C = Tm.sum(axis=2), Tm.sum(axis=1)
    N = Tm.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        E = R[:, :, None] * C[:, None, :] / N[:, None, None]
        g2 = 2 * np.where(Tm > 0, Tm * np.log(Tm / E), 0.0).sum(axis=(1, 2))
    k = common.sum(axis=1)
    df = (len(universes) - 1) * (k - 1)
    ok = df > 0
    p = np.where(ok, stats.chi2.sf(np.where(ok, g2, 0.0), np.maximum(df, 1)), np.nan)
    out = joint.assign(spec_id=np.arange(len(joint)), quantity="sector interaction (LR test)",
                       estimate=np.where(ok, g2, np.nan), conf_low=np.nan, conf_high=np.nan, p_value=p, df=df,
                       n_sectors=k, events=N)
    return out[[*MULTIVERSE_COLUMNS, "df", "n_sectors", "events"]]
