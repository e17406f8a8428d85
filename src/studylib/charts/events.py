"""Charts of the coded events: counts by tie and sector (heatmap), when they happened (timeline), sector shares,
people exchanged, balance across the strategic axes, and the ties' yearly rate and continuity side by side.

Every chart under one name, and the conventions they follow: :mod:`studylib.charts`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..i18n import _
from ._base import (PALETTE, _axes, _document, _finish, _finish_figure, _named, _no_data, _number, _translating,
                    _value_words, _words, source_caption)

__all__ = ["sector_heatmap", "summary_chart", "timeline", "sector_shares_chart", "people_chart", "axis_balance_chart"]


@_document
def sector_heatmap(data: pd.DataFrame, *, row: str = "tie_id", col: str = "sector", labels: dict | None = None,
                   sources: pd.DataFrame | None = None, title: str | None = "Activities by tie and sector", ax=None):
    """Heatmap of event counts, ``row`` x ``col`` (e.g. tie x sector).

    Parameters
    ----------
    {events}
    row, col : str
        The columns counted across (rows) and down (columns) of the heatmap.
    {labels}
    {sources}
    {title}
    {ax}

    {returns_ax}
    """
    if data.empty:
        return _no_data(data, _("No dated events to count"), sources=sources, title=title, ax=ax)
    table = pd.crosstab(data[row].astype(str), data[col].astype(str))
    # codes as words: display names from ``labels``, else 'exchange_programme' as 'exchange programme'
    table.index = [(labels or {}).get(i, _value_words(row, i)) for i in table.index]
    table.columns = [_value_words(col, c) for c in table.columns]
    column = 0.7  # inches per column; labels in another language may run longer than the codebook's words
    if _translating():
        column = max(column, 0.075 * max((len(str(c)) for c in table.columns), default=0))
    ax, own = _axes(ax, (max(6, column * table.shape[1] + 3), max(2.5, 0.6 * table.shape[0] + 1.8)))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    # seaborn stands row labels on end when it guesses they crowd (they then run together): keep them level, and
    # let the figure's layout turn crowded column labels instead
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=0)
    ax.set(xlabel=_words(col), ylabel="")
    return _finish(ax, source_caption(data, sources=sources), title=title, own=own)


@_document
def summary_chart(data: pd.DataFrame, *, unit: str = "tie_id", title: str | None = "Ties compared: events per year and continuity"):
    """Two panels across ties: event rate per year in the window, and continuity (from a metrics table).

    Figure-level (two panels sharing their rows): it makes its own figure.

    Parameters
    ----------
    data : pandas.DataFrame
        A metrics table (:func:`studylib.compare_metrics`): ``rate_per_year``, ``continuity`` and ``sources``.
    unit : str
        The column naming the ties (or actors).
    {title}

    {returns_fig}
    """
    d = data.sort_values(unit)
    if d.empty:
        return _no_data(pd.DataFrame(), _("No ties to compare"), title=title).figure
    fig, axes = plt.subplots(1, 2, figsize=(10, max(2.5, 0.4 * len(d) + 1.5)), sharey=True)
    sns.barplot(data=d, y=unit, x="rate_per_year", ax=axes[0], color="C0", orient="h", errorbar=None)
    sns.barplot(data=d, y=unit, x="continuity", ax=axes[1], color="C2", orient="h", errorbar=None)
    axes[0].set(xlabel=_("events per year in the window"), ylabel="")
    axes[1].set(xlabel=_("share of years with activity"), xlim=(0, 1), ylabel="")
    ids = sorted({i.strip() for v in d.get("sources", pd.Series(dtype=str)).dropna() for i in str(v).split(";") if i.strip()})
    caption = source_caption(pd.DataFrame({"source_id": ids}), note=_("Metrics from each tie's report."))
    return _finish_figure(fig, caption, title=title)


@_document
def timeline(data: pd.DataFrame, *, y: str = "sector", hue: str | None = None, sources: pd.DataFrame | None = None,
             title: str | None = "Activities by year", note: str = "", ax=None):
    """Events by year and ``y``, a circle's area growing with its count; events from the annual expansion rule are
    drawn hollow.

    Parameters
    ----------
    {events}
    y : str
        The column whose values are the rows of the timeline.
    hue : str, optional
        Colour the events by this column (e.g. ``'direction'``): within each row the values of ``hue`` sit one
        above another, and a legend beside the panel names them. Events with no value are shown as '(not coded)'. By default
        each row has its own colour.
    {sources}
    {title}
    {note}
    {ax}

    {returns_ax}
    """
    if data.empty:
        return _no_data(data, _("No dated events to place on a timeline"), sources=sources, title=title, note=note, ax=ax)
    if hue:
        data = data.assign(**{hue: data[hue].astype(object).where(data[hue].notna(), _("(not coded)")).astype(str)})
    keys = [y, hue] if hue and hue != y else [y]
    counts = data.groupby([*keys, "year", "expanded"], observed=True).size().rename("events").reset_index()
    counts[y] = counts[y].astype(str)
    order = sorted(counts[y].unique())
    ax, own = _axes(ax, (9, max(2.5, 0.45 * len(order) + 1.8)))
    colour_by = hue or y
    levels = sorted(counts[colour_by].unique()) if hue else order
    colours = dict(zip(levels, sns.color_palette(PALETTE, len(levels))))
    row = {k: i for i, k in enumerate(order)}
    # with hue, each level sits a little above or below its row's line, so no circle hides another
    dodge = dict(zip(levels, np.linspace(-0.25, 0.25, len(levels)))) if hue and hue != y and len(levels) > 1 else None
    for expanded in (False, True):
        part = counts[counts["expanded"] == expanded]
        edge = [colours[k] for k in part[colour_by]]
        ypos = part[y].map(row) if dodge is None else part[y].map(row) + part[hue].map(dodge)
        ax.scatter(part["year"], ypos, s=40 + 40 * part["events"],
                   c="none" if expanded else edge, edgecolors=edge, linewidths=1.5)
    ax.set_yticks(range(len(order)), [_value_words(y, k) for k in order] if _translating() else order)
    ax.set(xlabel=_words("year"), ylabel="")
    ax.xaxis.get_major_locator().set_params(integer=True)
    key = [Line2D([], [], marker="o", linestyle="", color="0.35", markersize=7, label=_("reported by a source")),
           Line2D([], [], marker="o", linestyle="", color="0.35", markerfacecolor="none", markersize=7,
                  label=_("expanded (annual-programme assumption)"))]
    if counts["expanded"].nunique() > 1:  # a key with one entry says nothing: solid circles are the plain case
        legend = ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
        ax.add_artist(legend)  # a second legend would replace the first
    elif counts["expanded"].all():
        note = " ".join(t for t in (_("Every circle is an event expanded from an annual programme (hollow)."), note) if t)
    shown = (lambda k: _value_words(hue, k)) if _translating() else (lambda k: k)  # noqa: E731 - English as coded
    if hue and len(levels) > 1:
        by_hue = [Line2D([], [], marker="o", linestyle="", color=colours[k], markersize=7, label=shown(k)) for k in levels]
        ax.legend(handles=by_hue, title=_words(hue), loc="upper left", bbox_to_anchor=(1.01, 1),
                  fontsize=8, title_fontsize=8, frameon=False)
    elif hue and levels:
        note = " ".join(t for t in (_("All events: {column} {value}.").format(column=_words(hue), value=shown(levels[0])),
                                    note) if t)
    return _finish(ax, source_caption(data, sources=sources, note=note), title=title, own=own)


@_document
def sector_shares_chart(data: pd.DataFrame, *, by: str = "tie_id", labels: dict | None = None,
                        caption_data: pd.DataFrame | None = None, sources: pd.DataFrame | None = None,
                        title: str | None = "Sector shares", ax=None):
    """Sector shares side by side for each value of ``by``.

    Parameters
    ----------
    data : pandas.DataFrame
        Shares from :func:`studylib.shares` (``by``, ``sector``, ``share``).
    by : str
        The column whose values stand side by side (e.g. ties).
    {labels}
    {caption_data}
    {sources}
    {title}
    {ax}

    {returns_ax}
    """
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, _("No dated events to share out"), sources=sources, title=title, ax=ax)
    d = data.copy()
    if labels:
        d[by] = d[by].map(lambda v: labels.get(v, v))
    if _translating():  # sector names in the chart's language (the order stays the codebook's)
        d["sector"] = d["sector"].map(lambda v: _value_words("sector", v))
    ax, own = _axes(ax, (9, 4))
    sns.barplot(data=d, x="sector", y="share", hue=by, ax=ax, palette=PALETTE, errorbar=None)
    ax.set(xlabel="", ylabel=_("share of events"), ylim=(0, 1))
    if _translating() and ax.get_legend() is not None:  # seaborn titles the legend with the column's name
        ax.get_legend().set_title(_words(by))
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")  # each label ends at its tick
    return _finish(ax, source_caption(cap_rows, sources=sources), title=title, own=own)


def _direction_words(code: str, tie_id: str = "", labels: dict | None = None) -> str:
    """A direction code in words: 'a_to_b' of tie 'surabaya-busan' reads 'Surabaya → Busan' (city names from
    ``labels``, else the ids); 'mutual' and 'none' as their codebook meaning."""
    labels = labels or {}
    cities = tie_id.split("-") if tie_id.count("-") == 1 else []
    a, b = ([labels.get(c, c.replace("_", " ").title()) for c in cities] if cities else [_("city A"), _("city B")])
    return {"a_to_b": f"{a} → {b}", "b_to_a": f"{b} → {a}", "mutual": _("both ways (joint)"),
            "none": _("no flow")}.get(code, code)


@_document
def people_chart(data: pd.DataFrame, *, hue: str = "direction", caption_data: pd.DataFrame | None = None,
                 sources: pd.DataFrame | None = None, labels: dict | None = None,
                 title: str | None = "People exchanged per year (as counted by the sources)", ax=None):
    """Participants per year by ``hue`` (direction), as the sources count them.

    Events without a count add nothing. The people of events added by the annual-programme expansion
    (``caption_data``'s ``expanded`` rows) are drawn hollow, stacked on the solid part a source reports for that
    year, as in :func:`timeline`. A year whose count includes one given as 'at least' is marked '≥' (a lower bound),
    one given as 'about' '~' (approximate, not a bound), from ``caption_data``'s ``participants_qualifier``. Directions read in words
    ('Surabaya → Busan') when the data has a ``tie_id``.

    Parameters
    ----------
    data : pandas.DataFrame
        Counts from :func:`studylib.people_exchanged` (``year``, ``participants``, ``hue``).
    hue : str
        The column coloured apart.
    {caption_data}
    {sources}
    {labels}
    {title}
    {ax}

    {returns_ax}
    """
    note = _("Events without a count add nothing.")
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, _("No participant counts in the sources"), sources=sources, title=title, note=note, ax=ax)
    ax, own = _axes(ax, (9, 3.8))
    d = data.assign(**{hue: data[hue].astype(str)})
    if hue == "direction":
        tie = d["tie_id"].astype(str) if "tie_id" in d.columns else pd.Series("", index=d.index)
        d["_shown"] = [_direction_words(code, t, labels) for code, t in zip(d[hue], tie)]
    else:
        d["_shown"] = d[hue].map(lambda v: _value_words(hue, v)) if _translating() else d[hue]
    expanded_people, marks = {}, {}  # (year, hue) -> people from expanded years; -> '≥' / '~' for inexact counts
    if caption_data is not None and {"year", hue, "participants"} <= set(caption_data.columns):
        rows = caption_data[caption_data["participants"].notna()]
        rows = rows.assign(**{hue: rows[hue].astype(str)})
        if "expanded" in rows.columns:
            flagged = rows[rows["expanded"].fillna(False).astype(bool)]
            expanded_people = flagged.groupby(["year", hue])["participants"].sum().to_dict()
        if "participants_qualifier" in rows.columns:
            for (year, level), q in rows.groupby(["year", hue])["participants_qualifier"]:
                q = set(q.dropna().astype(str))
                marks[(year, level)] = ("≥" if "at_least" in q else "") + ("~" if "about" in q else "")
    years = sorted(d["year"].unique())
    levels = list(dict.fromkeys(sorted(d["_shown"])))
    colours = dict(zip(levels, sns.color_palette(PALETTE, len(levels))))
    width = 0.8 / len(levels)
    any_expanded, only_expanded, mixed = False, 0, 0
    for i, level in enumerate(levels):
        part = d[d["_shown"] == level]
        x = np.array([years.index(y) for y in part["year"]]) - 0.4 + width * (i + 0.5)
        total = part["participants"].to_numpy(dtype=float)
        extra = np.array([min(float(expanded_people.get((y, c), 0)), t)
                          for y, c, t in zip(part["year"], part[hue], total)])
        reported = total - extra
        colour = colours[level]
        ax.bar(x, reported, width=width * 0.9, color=colour, label=level)  # what a source reports for that year
        shown = extra > 0
        any_expanded |= bool(shown.any())
        only_expanded += int((shown & (reported <= 0)).sum())
        mixed += int((shown & (reported > 0)).sum())
        ax.bar(x[shown], extra[shown], bottom=reported[shown], width=width * 0.9, facecolor="none",
               edgecolor=colour, linewidth=1.5)  # repeated by the annual-expansion assumption, stacked apart
        for xi, t, y, c in zip(x, total, part["year"], part[hue]):
            if marks.get((y, c)):
                ax.annotate(marks[(y, c)], (xi, t), xytext=(0, 1), textcoords="offset points", ha="center",
                            va="bottom", fontsize=8)
    ax.set_xticks(range(len(years)), [str(int(y)) for y in years], rotation=90)
    ax.set(xlabel=_words("year"), ylabel=_("people counted by the sources"))
    one = f"{levels[0]}: " if len(levels) == 1 else ""  # a single direction is named in the key, not a legend
    shade = colours[levels[0]] if one else "0.45"
    key = [Patch(facecolor=shade, label=one + _("reported by a source"))]
    if any_expanded:
        key.append(Patch(facecolor="none", edgecolor=shade, linewidth=1.5,
                         label=one + _("expanded (annual-programme assumption)")))
    if not one:
        key += [Patch(facecolor=colours[level], label=level) for level in levels]
    ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(key), 3), fontsize=8, frameon=False)
    if only_expanded:
        note += _(" Hollow bars: {n} year(s) whose count only repeats an annual programme's reported count (an "
                  "assumption: see Method).").format(n=only_expanded)
    if mixed:
        note += _(" Bars with a hollow top: {n} year(s) where people a source reports that year (solid) and people an "
                  "annual programme's count adds by that assumption (hollow) are stacked apart.").format(n=mixed)
    inexact = "".join(marks.values())
    if "≥" in inexact:
        note += _(" ≥: the year includes a count given as 'at least' (a lower bound).")
    if "~" in inexact:
        note += _(" ~: the year includes a count given as 'about' (approximate, not a bound).")
    return _finish(ax, source_caption(cap_rows, sources=sources, note=note), title=title, own=own)


@_document
def axis_balance_chart(data: pd.DataFrame, *, hue: str | None = None, caption_data: pd.DataFrame | None = None,
                       sources: pd.DataFrame | None = None, title: str | None = "Balance across the four strategic axes",
                       ax=None):
    """Shares of events per axis with the even split marked.

    With ``hue`` the groups' bars stand side by side on one scale, and the caption gives each group's distance
    from an even split.

    Parameters
    ----------
    data : pandas.DataFrame
        Shares from :func:`studylib.axis_balance` (``axis``, ``share``).
    hue : str, optional
        A column of groups, e.g. ``'portfolio'`` in :func:`studylib.axis_balance_by_stage`'s table.
    {caption_data}
    {sources}
    {title}
    {ax}

    {returns_ax}
    """
    if data.empty or not data["share"].notna().any():
        return _no_data(caption_data if caption_data is not None else data, _("No coded events on any axis"),
                        sources=sources, title=title, ax=ax)
    n_axes = data["axis"].nunique()
    if _translating():  # axis names and groups in the chart's language (their order stays as given)
        data = data.assign(axis=data["axis"].map(lambda v: _value_words("axis", v)))
        if hue:
            data = data.assign(**{hue: data[hue].map(lambda v: _named(str(v)))})
    ax, own = _axes(ax, (7.5 if hue else 6.5, 3.6))
    if hue:
        sns.barplot(data=data, x="axis", y="share", hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    else:
        sns.barplot(data=data, x="axis", y="share", ax=ax, color="C0", errorbar=None)
    ax.axhline(1 / n_axes, color="0.3", linestyle="--", linewidth=1, label=_("even split"))
    ax.set(xlabel="", ylabel=_("share of coded events"), ylim=(0, 1))
    if hue:
        ax.legend(loc="upper right", fontsize=8)
    else:  # a one-entry legend: name the line where it is drawn instead
        ax.annotate(_("even split"), (1, 1 / n_axes), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.3")
    groups = data.groupby(hue, sort=False)["share"] if hue else [("", data["share"])]
    distances = [(name, 0.5 * (share - 1 / n_axes).abs().sum()) for name, share in groups if share.notna().any()]
    note = _("Distance from an even split: {distances}.").format(
        distances="; ".join(f"{name} {_number(d, '.2f')}" if name else _number(d, ".2f") for name, d in distances))
    cap = source_caption(caption_data if caption_data is not None else data, sources=sources, note=note)
    return _finish(ax, cap, title=title, own=own)
