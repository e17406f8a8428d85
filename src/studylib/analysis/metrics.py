"""Comparison metrics of a tie's (or an actor's) programme portfolio.

Every metric takes events (from :func:`studylib.expand_activities`) and has a one-line definition, repeated in
``METRIC_DEFINITIONS`` so reports can print them beside the numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..bundle.codebook import load_codebook
from ..bundle.dates import uncertain_dates
from ..i18n import SOURCE_LANGUAGE, _, english_of, get_language, ngettext, reader_text, text_column
from .panel import window_opens

__all__ = [
    "METRIC_DEFINITIONS", "shares", "sector_counts", "shannon_evenness", "hhi", "reciprocity", "institutionalisation",
    "continuity", "people_exchanged", "axis_balance", "tie_metrics", "compare_metrics", "window_start",
    "metric_definitions", "metrics_long", "common_levels", "culture_profile", "axis_balance_by_stage",
    "no_events_reason", "ties_left_out", "descriptive_shares", "DESCRIPTIVE_BASIS",
]

DESCRIPTIVE_BASIS = "descriptive (one document's list; no sampling frame)"

INSTITUTIONAL_TYPES = {"agreement": "agreements", "office": "offices", "naming": "named_places", "research": "academic_ties"}



def __getattr__(name):
    if name == "METRIC_DEFINITIONS":  # read from the codebook on first use, not when the module is imported
        return metric_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def metric_definitions(codebook=None) -> dict[str, str]:
    """One-line definition of every metric, from ``codebook`` (default: the study's; ``Bundle.codebook``), in the
    report language when the codebook has its definitions (``metric_definitions``), else in English."""
    spec = (codebook or load_codebook()).spec
    translated = (spec.get("metric_definitions") or {}).get(get_language()) or {}
    return {name: translated.get(name, text) for name, text in spec["metrics"].items()}


def shares(events: pd.DataFrame, *, by: str = "sector", within: str | None = None) -> pd.DataFrame:
    """Share of events in each category of ``by`` (optionally within each value of ``within``).

    Returns columns ``[within,] by, events, share``; shares sum to 1 within each group.
    """
    keys = [within, by] if within else [by]
    ev = events[events[by].notna()]
    counts = ev.groupby(keys, observed=True).size().rename("events").reset_index()
    total = counts.groupby(within)["events"].transform("sum") if within else counts["events"].sum()
    counts["share"] = counts["events"] / total
    counts[by] = counts[by].astype(str)
    return counts.sort_values(keys).reset_index(drop=True)


def descriptive_shares(data: pd.DataFrame, *, by: str, within: str | None = None, count: str = "activities") -> pd.DataFrame:
    """Shares of the rows of a single document's list (e.g. the smart-city dimensions one report names): counts and
    shares with a ``basis`` column that says they are :data:`DESCRIPTIVE_BASIS`, and deliberately no interval.

    A list a coder took from one document is not a sample from a population, so a confidence interval (e.g.
    Jeffreys') would describe a sampling frame that does not exist. Shares where a frame exists keep their
    intervals (:func:`studylib.share_intervals`).

    Returns
    -------
    DataFrame
        ``[within,] by, <count>, share, basis``.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, not {type(data).__name__}.")
    if by not in data.columns or (within is not None and within not in data.columns):
        raise ValueError(f"descriptive_shares: no column {by if by not in data.columns else within!r} in the data.")
    out = shares(data, by=by, within=within).rename(columns={"events": count})
    basis = reader_text(lambda: _("descriptive (one document's list; no sampling frame)"))
    out["basis"] = text_column([basis] * len(out), out.index)
    return out


def sector_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Events and counted participants per sector: columns ``sector, events, expanded_events, participants,
    participants_expanded_years``.

    ``events`` counts events after the expansion rule, ``expanded_events`` those the rule added; ``participants``
    sums the counts sources give (a lower bound: events without a count add nothing), and
    ``participants_expanded_years`` is the part of it that repeats an annual programme's count in the years the rule
    added (it rests on that assumption, not on a count a source gives for the year).
    """
    expanded = events["expanded"].astype(bool)
    ev = pd.DataFrame({"sector": events["sector"].astype(str), "expanded": expanded.astype("int64"),
                       "participants": events["participants"],
                       "participants_expanded_years": events["participants"].where(expanded)})
    out = ev.groupby("sector").agg(events=("sector", "size"), expanded_events=("expanded", "sum"),
                                   participants=("participants", "sum"),
                                   participants_expanded_years=("participants_expanded_years", "sum")).reset_index()
    counted = ["participants", "participants_expanded_years"]
    out[counted] = out[counted].astype("int64")
    return out.sort_values(["events", "sector"], ascending=[False, True]).reset_index(drop=True)


def _sector_shares(events: pd.DataFrame) -> np.ndarray:
    s = events["sector"].astype(object)
    s = s[s.notna() & (s != "general")]
    if s.empty:
        return np.array([])
    counts = s.value_counts().to_numpy(dtype=float)
    return counts / counts.sum()


def shannon_evenness(events: pd.DataFrame, *, codebook=None) -> float:
    """Shannon evenness H / ln(K) of sector shares, K = codebook sectors less 'general'; NaN with no events.

    ``codebook``: the codebook whose sectors count (``Bundle.codebook``; default: the study's).
    """
    p = _sector_shares(events)
    if p.size == 0:
        return float("nan")
    k = len((codebook or load_codebook()).vocabulary("sector")) - 1
    return float(-(p * np.log(p)).sum() / np.log(k))


def hhi(events: pd.DataFrame) -> float:
    """Herfindahl-Hirschman index of sector shares (excluding 'general'); NaN with no events."""
    p = _sector_shares(events)
    return float((p ** 2).sum()) if p.size else float("nan")


def reciprocity(events: pd.DataFrame) -> dict:
    """Shares of a_to_b / b_to_a / mutual among directed events, and the balance index."""
    d = events["direction"].astype(object)
    counts = {k: int((d == k).sum()) for k in ("a_to_b", "b_to_a", "mutual")}
    total = sum(counts.values())
    one_way = counts["a_to_b"] + counts["b_to_a"]
    out = {f"share_{k}": (v / total if total else np.nan) for k, v in counts.items()}
    out["balance"] = (counts["a_to_b"] - counts["b_to_a"]) / one_way if one_way else np.nan
    return out


def institutionalisation(activities: pd.DataFrame, *, end_year: int | None = None) -> dict:
    """Counts of institutionalising activities (agreements, offices, named places, academic ties) and their total.

    With ``end_year``, activities dated after it are not counted (undated ones are: nothing says they came later).
    """
    if end_year is not None and "start_year" in activities.columns:
        activities = activities[~(activities["start_year"] > end_year).fillna(False).astype(bool)]
    t = activities["activity_type"].astype(object)
    out = {name: int((t == typ).sum()) for typ, name in INSTITUTIONAL_TYPES.items()}
    out["institutionalisation"] = sum(out.values())
    return out


def continuity(years: pd.Series | np.ndarray, *, first_year: int, last_year: int) -> dict:
    """Years in the window, years with activity, their ratio and the longest run of empty years."""
    window = np.arange(first_year, last_year + 1)
    active = np.isin(window, np.asarray(years, dtype="int64"))
    longest = run = 0
    for a in active:
        run = 0 if a else run + 1
        longest = max(longest, run)
    n = len(window)
    return {"years_in_window": n, "years_with_activity": int(active.sum()),
            "continuity": active.sum() / n if n else np.nan, "longest_gap": longest}


def people_exchanged(events: pd.DataFrame, *, by=("tie_id", "direction")) -> pd.DataFrame:
    """Participants counted by the sources, per year and group (e.g. direction); events without a count add 0."""
    by = list(by)
    known = events[events["participants"].notna()]
    out = known.groupby([*by, "year"], observed=True)["participants"].sum().rename("participants").reset_index()
    out["participants"] = out["participants"].astype("int64")
    return out


def axis_balance(events: pd.DataFrame, *, codebook=None) -> pd.DataFrame:
    """Shares of events across Gangnam's four axes and the distance from an even split.

    Returns one row per axis (``axis, events, share``) with ``attrs['distance']`` (total-variation distance from
    25% each). Events whose sector maps to no axis ('general') are left out. ``codebook``: the codebook whose axes
    count (``Bundle.codebook``; default: the study's).
    """
    axes = (codebook or load_codebook()).vocabulary("axis")
    counts = events["axis"].astype(object).value_counts().reindex(axes, fill_value=0)
    total = counts.sum()
    share = counts / total if total else counts.astype(float) * np.nan
    out = pd.DataFrame({"axis": axes, "events": counts.to_numpy(), "share": share.to_numpy()})
    out.attrs["distance"] = float(0.5 * np.abs(share - 1 / len(axes)).sum()) if total else np.nan
    return out


def tie_metrics(events: pd.DataFrame, activities: pd.DataFrame, *, unit: str, unit_id: str, end_year: int,
                first_year: int | None = None, codebook=None) -> dict:
    """All metrics for one tie (``unit='tie_id'``) or actor (``unit='actor'``) as a flat dict.

    ``codebook``: the codebook of the data (``Bundle.codebook``; default: the study's).
    """
    ev = events[events[unit].astype(str) == unit_id]
    acts = activities[activities[unit].astype(str) == unit_id]
    if first_year is None:
        first_year = int(ev["year"].min()) if len(ev) else end_year
    cont = continuity(ev["year"], first_year=first_year, last_year=end_year)
    people = ev["participants"].dropna().sum()
    row = {
        unit: unit_id,
        "activities": int(ev["activity_id"].nunique()),
        "events": len(ev),
        "expanded_events": int(ev["expanded"].sum()),
        "undated": int(uncertain_dates(acts["start"], undated=True).sum()),  # incl. EDTF-uncertain dates
        **cont,
        "rate_per_year": len(ev) / cont["years_in_window"] if cont["years_in_window"] else np.nan,
        "sectors": int(ev.loc[ev["sector"].astype(object) != "general", "sector"].nunique()),
        "evenness": shannon_evenness(ev, codebook=codebook),
        "hhi": hhi(ev),
        **reciprocity(ev),
        # a tie is institutionalised only by rows the source ties to the partner (no partner named: direction none)
        **institutionalisation(acts[acts["direction"].astype(str) != "none"] if unit == "tie_id" else acts,
                               end_year=end_year),
        "people_per_year": people / cont["years_in_window"] if cont["years_in_window"] else np.nan,
        "sources": "; ".join(sorted(set(acts["source_id"].astype(str).unique()) - {""})),
    }
    if unit == "actor":
        row["axis_distance"] = axis_balance(ev, codebook=codebook).attrs["distance"]
    return row


def compare_metrics(events: pd.DataFrame, activities: pd.DataFrame, *, ties: pd.DataFrame, tie_ids, end_year: int,
                    start_year: int = 0, codebook=None) -> pd.DataFrame:
    """Metrics of several ties side by side (one row per tie), windows opening at each tie's signing year.

    ``start_year``: a later first year for every window (0: none); a window never opens before its tie's own
    start, and events before it are left out. ``codebook``: the codebook of the data (``Bundle.codebook``;
    default: the study's).
    """
    if start_year:
        events = events[events["year"] >= start_year]

    def opens(tie):
        own = window_start(events, ties, tie)
        return max(own, start_year) if own is not None and start_year else (own or start_year or None)

    rows = [
        tie_metrics(events, activities, unit="tie_id", unit_id=tie, end_year=end_year, first_year=opens(tie),
                    codebook=codebook)
        for tie in tie_ids
    ]
    return pd.DataFrame(rows)


def no_events_reason(activities: pd.DataFrame, *, end_year: int | None = None) -> str:
    """Why ``activities`` give no dated, implemented event up to ``end_year``, in words counting each cause.

    E.g. 'no coded activities', or 'of its 3 coded activities, 1 is undated or only uncertainly dated and 2 are dated
    after 1990 (end_year)'.
    Returns '' when some activity does give an event.
    """
    n = len(activities)
    if n == 0:
        return reader_text(lambda: _("no coded activities"))
    start = activities["start"].fillna("").astype(str)
    undated = pd.Series(uncertain_dates(start, undated=True), index=activities.index)  # an uncertain date: no year
    planned = ~undated & (activities["stage"].astype(str) != "implemented")
    later = ~undated & ~planned
    if end_year is not None:
        years = pd.to_numeric(start.str[:4], errors="coerce")
        later &= (years > end_year).fillna(False).to_numpy()
    else:
        later &= False
    if not (undated | planned | later).all():
        return ""
    counts = (int(undated.sum()), int(planned.sum()), int(later.sum()))
    return reader_text(lambda: _no_events_words(n, counts, end_year))


def _no_events_words(n: int, counts: tuple[int, int, int], end_year) -> str:
    """:func:`no_events_reason`'s sentence in the current language (whole messages, so a translation can order them)."""
    k_undated, k_planned, k_later = counts
    if n == 1:
        if k_undated:
            return _("its only coded activity is undated or only uncertainly dated")
        if k_planned:
            return _("its only coded activity is not reported as implemented (agreed, planned or proposed)")
        return _("its only coded activity is dated after {end_year} (end_year)").format(end_year=end_year)
    parts = []
    if k_undated:
        parts.append(ngettext("{k} is undated or only uncertainly dated", "{k} are undated or only uncertainly dated",
                              k_undated).format(k=k_undated))
    if k_planned:
        parts.append(ngettext("{k} is not reported as implemented (agreed, planned or proposed)",
                              "{k} are not reported as implemented (agreed, planned or proposed)",
                              k_planned).format(k=k_planned))
    if k_later:
        parts.append(ngettext("{k} is dated after {end_year} (end_year)", "{k} are dated after {end_year} (end_year)",
                              k_later).format(k=k_later, end_year=end_year))
    joined = parts[0]
    for part in parts[1:]:
        joined = _("{left} and {right}").format(left=joined, right=part)
    return _("of its {n} coded activities, {parts}").format(n=n, parts=joined)


def ties_left_out(events: pd.DataFrame, activities: pd.DataFrame, tie_ids, *, end_year: int,
                  panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ties of ``tie_ids`` that a yearly comparison leaves out, and why (one row each: ``tie_id, reason``).

    A tie is left out when it has no dated, implemented event up to ``end_year`` (the reason counts its undated,
    planned and later activities), or, given the model's ``panel``, when it has no row there.
    """
    have = set(events["tie_id"].astype(str)) if len(events) else set()
    in_panel = set(panel["tie_id"].astype(str)) if panel is not None and len(panel) else None
    rows = []
    for tie in tie_ids:
        if tie not in have:
            mine = activities[activities["tie_id"].astype(str) == tie]
            counted = no_events_reason(mine, end_year=end_year)
            rows.append({"tie_id": tie, "reason": reader_text(lambda: _("no event to count up to {end_year}: {why}").format(
                end_year=end_year, why=_in_current(counted) or _("no dated, implemented event")))})
        elif in_panel is not None and tie not in in_panel:
            rows.append({"tie_id": tie, "reason": reader_text(
                lambda: _("no row in the model's panel (no event in a sector it shares)"))})
    out = pd.DataFrame(rows, columns=["tie_id", "reason"])
    out["reason"] = text_column((r["reason"] for r in rows), out.index)
    return out


def _in_current(text):
    """A :class:`~studylib.i18n.ReaderText` in the language being written (its English inside ``reader_text``'s
    English pass), anything else as is."""
    return english_of(text) if get_language() == SOURCE_LANGUAGE else text


def window_start(events: pd.DataFrame, ties: pd.DataFrame, tie_id: str) -> int | None:
    """First year of a tie's window: its signing year or its first event, whichever is earlier (None if neither).

    The rule is :func:`studylib.analysis.panel.window_opens`'s, which also opens the panel's windows.
    """
    mine = events.loc[events["tie_id"].astype(str) == tie_id, ["year"]].assign(tie_id=tie_id)
    first = window_opens(mine, key="tie_id", ties=ties, units=[tie_id]).iloc[0]
    return None if pd.isna(first) else int(first)


def metrics_long(data: pd.DataFrame, *, unit: str = "tie_id", codebook=None) -> pd.DataFrame:
    """Metrics table turned for reading: one row per metric, one column per tie, plus its definition.

    ``codebook``: where the definitions come from (``Bundle.codebook``; default: the study's).
    """
    definitions = metric_definitions(codebook)
    wide = data.set_index(unit).T
    wide.columns.name = None
    wide.insert(len(wide.columns), "definition", [definitions.get(m, "") for m in wide.index])
    return wide.rename_axis("metric").reset_index()


def common_levels(panel: pd.DataFrame, *, group: str, level: str, count: str = "activities") -> tuple[list, list]:
    """Levels of ``level`` with at least one event in every ``group`` (kept) and the others (dropped)."""
    active = panel[panel[count] > 0].groupby(level)[group].nunique()
    n_groups = panel[group].nunique()
    keep = sorted(active[active == n_groups].index)
    dropped = sorted(set(panel[level]) - set(keep))
    return keep, dropped


def culture_profile(activities: pd.DataFrame) -> pd.DataFrame:
    """Coded activities per sector and participant group, with the cultural share (dated or not)."""
    acts = activities.assign(sector=activities["sector"].astype(str),
                             participant_group=activities["participant_group"].astype(object).fillna("(not stated)"))
    out = acts.groupby(["sector", "participant_group"]).size().rename("activities").reset_index()
    out["share"] = out["activities"] / out["activities"].sum()
    out["is_culture"] = out["sector"].eq("culture")
    return out.sort_values(["activities", "sector"], ascending=[False, True]).reset_index(drop=True)


def axis_balance_by_stage(activities: pd.DataFrame, *, include_plans: bool = True, codebook=None) -> pd.DataFrame:
    """Axis shares of implemented activities and (optionally) of the whole portfolio incl. plans."""
    implemented = activities[activities["stage"].astype(str) == "implemented"]
    parts = [axis_balance(implemented, codebook=codebook).assign(portfolio="implemented")]
    if include_plans:
        parts.append(axis_balance(activities, codebook=codebook).assign(portfolio="incl. agreed, planned and proposed"))
    out = pd.concat(parts, ignore_index=True)
    return out[["portfolio", "axis", "events", "share"]].rename(columns={"events": "activities"})
