"""Composition of coded activities: how many activities of each kind (e.g. actor type) a tie has.

The unit is the coded activity, not the yearly event: an annual programme counts once, and activities without a
(plain) date count too, since composition needs no year. This is the table behind claims such as seed 004's that the
Surabaya-Busan and Medan-Gwangju ties are still mostly government-to-government.
"""

from __future__ import annotations

import pandas as pd

from ..bundle.dates import uncertain_dates
from ..errors import ParameterError

__all__ = ["composition"]

IMPLEMENTED = ("implemented",)


def composition(activities: pd.DataFrame, *, by: str = "actor_type", within: str | None = "tie_id",
                stages=IMPLEMENTED, levels=None) -> pd.DataFrame:
    """Activity counts per category of ``by`` within each value of ``within`` (every category listed, zeros kept).

    Parameters
    ----------
    activities : DataFrame
        Typed activities (``Bundle.activities``), or a subset of them (e.g. three ties).
    by : str
        The column whose categories are counted (``actor_type``, ``sector``, ``direction``, ...).
    within : str or None
        The grouping column (``tie_id`` by default); ``None`` for one composition over all rows. Rows with an
        empty ``within`` value (one-city programmes for ``tie_id``) are left out.
    stages : sequence of str or None
        Which ``stage`` values count (default: only what the sources report as implemented); ``None`` for all.
    levels : sequence of str, optional
        Categories to list; default: the column's categories when it is a codebook vocabulary (so absent ones show
        as 0), else the values observed.

    Returns
    -------
    DataFrame
        Columns ``[within,] by, activities, share, undated``: ``activities`` counts coded rows (undated and
        uncertainly dated ones included), ``share`` is their share within the group (NaN for an empty group) and
        ``undated`` how many of them have no plain date (so they are absent from yearly counts). ``attrs['excluded']``
        counts the rows left out by ``stages``.

    Raises
    ------
    ParameterError
        When ``by`` or ``within`` is not a column of ``activities``.
    """
    missing = [c for c in (by, within) if c is not None and c not in activities.columns]
    if missing:
        raise ParameterError(f"composition: the activities have no column {missing}")
    if within == by:
        raise ParameterError("composition: 'by' and 'within' must be different columns")
    acts = activities
    excluded = 0
    if stages is not None and "stage" in acts.columns:
        stage = acts["stage"].astype(object).fillna("implemented").astype(str)
        keep = stage.isin(list(stages))
        excluded = int((~keep).sum())
        acts = acts[keep]
    if within is not None:
        group = acts[within].astype(object).fillna("").astype(str)
        acts = acts[group != ""]
    if levels is None:
        dtype = activities[by].dtype
        levels = list(dtype.categories) if isinstance(dtype, pd.CategoricalDtype) else sorted(
            acts[by].dropna().astype(str).unique())
    levels = [str(v) for v in levels]
    category = acts[by].astype(object).fillna("").astype(str)
    outside = sorted(set(category) - set(levels))
    if outside:
        raise ParameterError(f"composition: values of {by!r} not among the levels: {outside}")
    start = acts["start"] if "start" in acts.columns else pd.Series("", index=acts.index)
    undated = uncertain_dates(start, undated=True)
    frame = pd.DataFrame({by: category, "undated": undated.astype(int)}, index=acts.index)
    keys = [by]
    groups = [None]
    if within is not None:
        frame[within] = acts[within].astype(object).astype(str)
        keys = [within, by]
        groups = sorted(frame[within].unique())
    counts = frame.groupby(keys).agg(activities=(by, "size"), undated=("undated", "sum"))
    if within is None:
        index = pd.Index(levels, name=by)
    else:
        index = pd.MultiIndex.from_product([groups, levels], names=keys)
    out = counts.reindex(index, fill_value=0).reset_index()
    total = (out.groupby(within)["activities"].transform("sum") if within is not None
             else pd.Series(out["activities"].sum(), index=out.index))
    out["share"] = (out["activities"] / total).where(total > 0)
    out = out[[*keys, "activities", "share", "undated"]].astype({"activities": "int64", "undated": "int64"})
    out.attrs["excluded"] = excluded
    out.attrs["stages"] = None if stages is None else list(stages)
    return out
