"""Undated activities: the window of years in which each could have taken place, and seeded placements in it
(the imputation variants of :func:`studylib.sensitivity_grid`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["possible_years", "impute_undated"]


def possible_years(activities: pd.DataFrame, *, ties: pd.DataFrame | None = None, end_year: int) -> pd.DataFrame:
    """The window of years in which each activity could have taken place: ``activity_id, earliest, latest``.

    A dated activity's window is its start year. An undated one could have happened from its tie's signing year
    (or, without one, the first dated activity of its tie or actor) to its ``until`` year or ``end_year``. This is
    the one place that decides the window. An activity coded with an uncertain date (an EDTF interval such as
    ``2007/2023``, an open end or an approximate year) is known only within the years that date allows
    (``start_earliest`` / ``start_latest``, from :func:`studylib.bundle.dates.year_window`): its window is the
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
