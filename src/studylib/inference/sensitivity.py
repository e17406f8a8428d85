"""The sensitivity grid: a result re-computed under every variant of the coding assumptions (annual expansion,
end year, placements of undated activities, alternative codings), and called robust only when its conclusion is the
same in every variant. Also the quantities the grid re-computes and the variant folders' data and provenance."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..i18n import _, english_of, localize_number_text, reader_text, text_column
from .exact_tests import DEFAULT_SEED, IMPLEMENTED
from .imputation import impute_undated

__all__ = [
    "Variant", "assumption_variants", "sensitivity_grid", "trend_quantity", "metric_quantity", "lr_quantity",
    "covariate_quantity", "variant_bundles", "variant_activities", "variant_provenance", "mark_robust",
    "SENSITIVITY_COLUMNS",
]

SENSITIVITY_COLUMNS = ["quantity", "variant", "estimate", "conf_low", "conf_high", "p_value", "conclusion", "robust",
                       "n_activities", "n_cells"]


@dataclass(frozen=True)
class Variant:
    """One way of coding the data: the expansion switch, the last year observed, an imputation seed, and the
    activities to use (None: the study's own). ``name`` is what the sensitivity table shows."""

    name: str
    expand_annual: bool
    end_year: int
    impute_seed: int | None = None
    activities: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def assumption_variants(activities: pd.DataFrame, *, end_year: int, expand_annual: bool = False,
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
    """A variant's conclusion in words (report language; its English kept for the CSV file and the comparison)."""
    if not np.isfinite(estimate) or not np.isfinite(p_value):
        return reader_text(lambda: _("not estimated"))
    if p_value >= 0.05:
        return reader_text(lambda: _("not significant at 5%"))
    value = f"{null:g}"
    if estimate > null:
        return reader_text(lambda: _("above {value}").format(value=localize_number_text(value)))
    return reader_text(lambda: _("below {value}").format(value=localize_number_text(value)))


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
    from ..analysis.panel import expand_activities

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
    table["conclusion"] = text_column((r["conclusion"] for r in rows), table.index)
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
        lambda c: c.map(english_of).nunique() == 1 and "not estimated" not in set(c.map(english_of)))
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
    from ..bundle.load import load_bundle
    from ..paths import DATA_DIR, PROJECT_ROOT

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
    from ..analysis.models import choose_count_family
    from ..analysis.panel import activity_panel

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
    from ..analysis.metrics import compare_metrics

    def quantity(activities, events, end_year):
        acts = activities[activities["tie_id"].astype(str) == tie_id] if tie_activities else activities
        m = compare_metrics(events, acts, ties=ties, tie_ids=[tie_id], end_year=end_year).iloc[0]
        value = float(m[metric])
        if not np.isfinite(value):
            conclusion = reader_text(lambda: _("not estimated"))
        else:
            conclusion = (reader_text(lambda: _("positive")) if value > 1e-9 else
                          reader_text(lambda: _("negative")) if value < -1e-9 else reader_text(lambda: _("zero")))
        return {"estimate": value, "conclusion": conclusion,
                "n_activities": int(events.loc[events["tie_id"].astype(str) == tie_id, "activity_id"].nunique())}

    return quantity


def lr_quantity(tie_ids, *, by: str = "sector", ties: pd.DataFrame | None = None) -> Callable:
    """The likelihood-ratio test of the tie × ``by`` interaction in yearly counts (levels active in every tie)."""
    from ..analysis.metrics import common_levels
    from ..analysis.models import choose_count_family, fit_model, lr_test
    from ..analysis.panel import activity_panel

    def quantity(activities, events, end_year):
        ev = events[events["tie_id"].astype(str).isin(list(tie_ids))]
        panel = activity_panel(ev, by=["tie_id", by], end_year=end_year, ties=ties)
        base = {"n_activities": int(ev["activity_id"].nunique()), "n_cells": len(panel)}
        if panel.empty:
            return {**base, "estimate": np.nan}
        common, _dropped = common_levels(panel, group="tie_id", level=by)
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
                "conclusion": (reader_text(lambda: _("differs at 5%")) if t.p_value < 0.05
                               else reader_text(lambda: _("not shown to differ")))}

    return quantity
