"""What the explorer shows for a selection, as plain functions: no widgets, testable without a browser.

A :class:`Selection` (ties or an actor, sectors, years, chart) and the events of a bundle go in; an
:class:`ExplorerView` (chart, table, message) comes out of :func:`explorer_view`. :class:`studylib.lab.widgets.Explorer`
is a thin shell that turns its controls into a :class:`Selection` and draws the view. Every step is a library
function the reports use too (:func:`~studylib.activity_panel`, :func:`~studylib.shares`,
:func:`~studylib.sector_counts`, :func:`~studylib.choose_count_family`, the charts); there is no second code path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from ..analysis.panel import at_stages
from ..analysis.select import display_labels
from ..errors import ModelError, ParameterError

__all__ = ["Selection", "ExplorerView", "CHARTS", "explorer_view", "select_events", "selection_summary",
           "model_formula", "latest_year", "check_choices"]

#: The charts an explorer draws: key -> label shown in the chart menu.
CHARTS = {
    "timeline": "Timeline",
    "shares": "Sector shares",
    "heatmap": "Heatmap (by sector)",
    "irr": "IRR plot (count model)",
}


@dataclass(frozen=True)
class Selection:
    """What an explorer is asked to show.

    Attributes
    ----------
    years : (int, int)
        First and last year shown.
    by : {"tie_id", "actor"}
        Select by ties or by one actor.
    ties : tuple of str
        Tie ids shown when ``by == "tie_id"``.
    actor : str or None
        The actor (a city id) shown when ``by == "actor"``.
    sectors : tuple of str
        Sectors shown; empty means every sector.
    chart : {"timeline", "shares", "heatmap", "irr"}
        The chart drawn.
    """

    years: tuple[int, int]
    by: str = "tie_id"
    ties: tuple = ()
    actor: str | None = None
    sectors: tuple = ()
    chart: str = "timeline"


@dataclass
class ExplorerView:
    """What an explorer shows for one selection.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The chart, or None when there is nothing to draw (no events, or a model that cannot be estimated).
    table : pandas.DataFrame
        The small table shown under the chart.
    message : str
        A plain-language note shown above the chart: a summary of the selection, and the reason when a chart
        cannot be drawn (e.g. the :class:`~studylib.ModelError` message of the count model).
    """

    figure: object
    table: pd.DataFrame
    message: str


def _known(name: str, values, valid) -> tuple:
    valid = list(valid)
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise ParameterError(f"unknown {name} {', '.join(map(repr, unknown))}. Valid: {', '.join(map(str, valid))}")
    return tuple(values)


def check_choices(*, ties=None, actor=None, sectors=None, years=None, chart=None, known_ties=(), tie_options=(),
                  actor_options=(), sector_options=(), year_bounds=None) -> dict:
    """Check an explorer's requested choices against what the data offer, before anything changes.

    Parameters
    ----------
    ties, actor, sectors, years, chart
        The choices asked for (None: not asked; a single tie or sector may be a string).
    known_ties : sequence of str
        Every tie id in the data.
    tie_options, actor_options, sector_options : sequence of str
        The ties and actors with dated events, and the sectors, an explorer offers.
    year_bounds : (int, int)
        The first and last year it offers.

    Returns
    -------
    dict
        ``ties`` (tuple), ``actor``, ``sectors`` (tuple), ``years`` ((int, int)) and ``chart``; None where not asked.

    Raises
    ------
    ParameterError
        For an unknown tie, a tie without dated events, an unknown actor, sector or chart, or years outside the
        bounds; the message lists the valid values.
    """
    if isinstance(ties, str):
        ties = [ties]
    if isinstance(sectors, str):
        sectors = [sectors]
    out = {"ties": None, "actor": None, "sectors": None, "years": None, "chart": None}
    if ties is not None:
        _known("tie id", ties, known_ties)
        without = [t for t in ties if t not in tie_options]
        if without:
            raise ParameterError(f"tie {', '.join(map(repr, without))} has no dated events to explore; "
                                 f"ties with events: {', '.join(tie_options)}")
        out["ties"] = tuple(ties)
    if actor is not None:
        _known("actor (city id)", [actor], actor_options)
        out["actor"] = actor
    if sectors is not None:
        out["sectors"] = _known("sector", sectors, sector_options)
    if years is not None:
        lo, hi = (int(y) for y in years)
        first, last = year_bounds
        if not (first <= lo <= hi <= last):
            raise ParameterError(f"years must run from {first} to {last} (first <= last), not {lo}-{hi}")
        out["years"] = (lo, hi)
    if chart is not None:
        _known("chart", [chart], CHARTS)
        out["chart"] = chart
    return out


def latest_year(activities: pd.DataFrame, *, end_year: int | None = None) -> int:
    """``end_year`` as given, else the latest start or 'until' year of an implemented activity (this year if none).

    "Implemented" is :func:`studylib.analysis.panel.at_stages`'s rule, the stage filter of the yearly counts.
    """
    if end_year is not None:
        return int(end_year)
    acts = activities[at_stages(activities)]
    years = pd.concat([acts["start_year"], acts["until"]]).dropna()
    return int(years.max()) if len(years) else pd.Timestamp.today().year


def _chosen(data: pd.DataFrame, s: Selection) -> pd.Series:
    """Rows of ``data`` (events or activities) of the selection's ties or actor and sectors."""
    keep = data["tie_id"].isin(s.ties) if s.by == "tie_id" else data["actor"] == s.actor
    if s.sectors:
        keep &= data["sector"].astype(str).isin(s.sectors)
    return keep


def select_events(events: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """The events a selection shows: by ties or actor, sectors and years (``attrs['end_year']``: the last year)."""
    lo, hi = selection.years
    out = events[_chosen(events, selection) & events["year"].between(lo, hi)].reset_index(drop=True)
    out.attrs.update(events.attrs, end_year=hi)
    return out


def selection_summary(bundle, events: pd.DataFrame, selection: Selection, *, labels: dict | None = None) -> str:
    """One sentence: who, which sectors and years, how many events from how many coded activities, how many of
    them the annual-expansion rule added, and how many undated activities of the selection are left out."""
    s = selection
    lo, hi = s.years
    labels = display_labels(bundle) if labels is None else labels
    who = (", ".join(bundle.tie_label(t) for t in s.ties) or "no tie") if s.by == "tie_id" else labels.get(s.actor, s.actor)
    expanded = int(events["expanded"].sum()) if len(events) else 0
    n_acts = events["activity_id"].nunique() if len(events) else 0
    acts = bundle.activities
    undated = int((_chosen(acts, s) & acts["start_year"].isna()).sum())
    return (f"{who}; {', '.join(s.sectors) or 'all sectors'}; {lo}–{hi}: {len(events)} "
            f"event{'' if len(events) == 1 else 's'} from {n_acts} coded activit{'y' if n_acts == 1 else 'ies'}"
            + (f", {expanded} of them added by the annual-expansion rule" if expanded else "") + "."
            + (f" {undated} undated coded activit{'y is' if undated == 1 else 'ies are'} left out." if undated else ""))


def model_formula(panel: pd.DataFrame, *, unit: str) -> str:
    """``activities ~ C(<unit>) + C(sector)``, keeping only the terms with two or more levels in ``panel``."""
    terms = [f"C({c})" for c in (unit, "sector") if panel[c].nunique() > 1]
    return "activities ~ " + (" + ".join(terms) if terms else "1")


def explorer_view(bundle, events: pd.DataFrame, selection: Selection) -> ExplorerView:
    """The chart, table and message for a selection (nothing is displayed).

    Parameters
    ----------
    bundle : Bundle
        The data (labels, sources, ties, the coded activities for the undated count).
    events : pandas.DataFrame
        All events of the bundle (:func:`studylib.expand_activities`); the selection picks its rows.
    selection : Selection
        What to show.

    Returns
    -------
    ExplorerView
        ``figure`` is None when no event matches or the count model cannot be estimated; ``message`` then says
        why in plain words.
    """
    from .. import charts
    from ..analysis.metrics import sector_counts, shares

    labels = display_labels(bundle)
    chosen = select_events(events, selection)
    summary = selection_summary(bundle, chosen, selection, labels=labels)
    if chosen.empty:
        return ExplorerView(None, pd.DataFrame(), summary + " Nothing to draw: widen the selection.")
    unit, sources = selection.by, bundle.sources
    if selection.chart == "timeline":
        ax = charts.timeline(chosen, sources=sources, title="Events by year and sector")
        return ExplorerView(ax.figure, sector_counts(chosen), summary)
    if selection.chart == "shares":
        table = shares(chosen, by="sector", within=unit)
        ax = charts.sector_shares_chart(table, by=unit, labels=labels, caption_data=chosen, sources=sources)
        return ExplorerView(ax.figure, table, summary)
    if selection.chart == "heatmap":
        ax = charts.sector_heatmap(chosen, row=unit, labels=labels, sources=sources,
                                   title=f"Events by {'tie' if unit == 'tie_id' else 'actor'} and sector")
        return ExplorerView(ax.figure, shares(chosen, by="sector", within=unit), summary)
    return _irr_view(bundle, chosen, selection, summary)


def _irr_view(bundle, events: pd.DataFrame, selection: Selection, summary: str) -> ExplorerView:
    from .. import charts
    from ..analysis import models
    from ..analysis.panel import activity_panel

    unit = selection.by
    lo, hi = selection.years
    panel = activity_panel(events, by=[unit, "sector"], end_year=hi, ties=bundle.ties if unit == "tie_id" else None)
    panel = panel[panel["year"] >= lo].reset_index(drop=True)
    formula = model_formula(panel, unit=unit)
    if formula.endswith("~ 1"):
        return ExplorerView(None, pd.DataFrame(), f"{summary} The model {formula!r} was not estimated: choose "
                            "two or more ties or sectors so there is something to compare.")
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            fit = models.choose_count_family(panel, formula)
    except ModelError as exc:
        return ExplorerView(None, pd.DataFrame(), f"{summary} The model {formula!r} was not estimated. {exc}")
    tidy = fit.tidy()
    caption = charts.source_caption(events, sources=bundle.sources)
    ax = charts.coefficient_plot(tidy, caption=caption, title=f"Incidence-rate ratios: {formula}")
    notes = " ".join([fit.choice or "", *fit.warnings]).strip()
    cols = [c for c in ("term", "irr", "irr_low", "irr_high", "p_value") if c in tidy.columns]
    return ExplorerView(ax.figure, tidy[cols], f"{summary} {fit.family} model, n = {fit.nobs}. {notes}".strip())
