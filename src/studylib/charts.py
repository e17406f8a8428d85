"""The study's charts: one function per chart, data first, keyword-only options, ``ax=`` to draw into.

Single-panel charts follow seaborn's axes-level convention: ``ax=None`` makes a figure sized for the data, with
a title and, under it, a caption naming the sources of the rows shown (built from the data's ``source_id`` column
and, when ``sources`` is given, their reliability); given an ``ax``, they draw into it (the title becomes the
Axes' title, the caption is the caller's: see :func:`source_caption`). Either way the Axes is returned; the
figure is ``ax.figure`` and its caption text ``ax.figure.caption``. The multi-panel charts (:func:`summary_chart`,
:func:`indicator_chart`) are figure-level: they make and return their own Figure. :func:`save_figure` writes PNG
and SVG that are byte-identical across runs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter
import pandas as pd
import seaborn as sns

from .figures import PALETTE, _axes, _document, _finish, _finish_figure, _no_data, save_figure, set_study_theme, source_caption

__all__ = [
    "set_study_theme", "source_caption", "save_figure", "sector_heatmap", "timeline", "summary_chart", "sector_shares_chart",
    "coefficient_plot", "predicted_counts_chart", "people_chart", "axis_balance_chart", "kpi_chart",
    "cluster_dotplot", "indicator_chart",
]


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
        return _no_data(data, "No dated events to count", sources=sources, title=title, ax=ax)
    table = pd.crosstab(data[row].astype(str), data[col].astype(str))
    if labels:
        table.index = [labels.get(i, i) for i in table.index]
    ax, own = _axes(ax, (max(6, 0.7 * table.shape[1] + 3), max(2.5, 0.6 * table.shape[0] + 1.8)))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    ax.set(xlabel=col.replace("_", " "), ylabel="")
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
        return _no_data(pd.DataFrame(), "No ties to compare", title=title).figure
    fig, axes = plt.subplots(1, 2, figsize=(10, max(2.5, 0.4 * len(d) + 1.5)), sharey=True)
    sns.barplot(data=d, y=unit, x="rate_per_year", ax=axes[0], color="C0", orient="h", errorbar=None)
    sns.barplot(data=d, y=unit, x="continuity", ax=axes[1], color="C2", orient="h", errorbar=None)
    axes[0].set(xlabel="events per year in the window", ylabel="")
    axes[1].set(xlabel="share of years with activity", xlim=(0, 1), ylabel="")
    ids = sorted({i.strip() for v in d.get("sources", pd.Series(dtype=str)).dropna() for i in str(v).split(";") if i.strip()})
    caption = source_caption(pd.DataFrame({"source_id": ids}), note="Metrics from each tie's report.")
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
        return _no_data(data, "No dated events to place on a timeline", sources=sources, title=title, note=note, ax=ax)
    if hue:
        data = data.assign(**{hue: data[hue].astype(object).where(data[hue].notna(), "(not coded)").astype(str)})
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
    ax.set_yticks(range(len(order)), order)
    ax.set(xlabel="year", ylabel="")
    ax.xaxis.get_major_locator().set_params(integer=True)
    key = [Line2D([], [], marker="o", linestyle="", color="0.35", markersize=7, label="reported by a source"),
           Line2D([], [], marker="o", linestyle="", color="0.35", markerfacecolor="none", markersize=7,
                  label="expanded (annual-programme assumption)")]
    if counts["expanded"].nunique() > 1:  # a key with one entry says nothing: solid circles are the plain case
        legend = ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
        ax.add_artist(legend)  # a second legend would replace the first
    elif counts["expanded"].all():
        note = " ".join(t for t in ("Every circle is an event expanded from an annual programme (hollow).", note) if t)
    if hue and len(levels) > 1:
        by_hue = [Line2D([], [], marker="o", linestyle="", color=colours[k], markersize=7, label=k) for k in levels]
        ax.legend(handles=by_hue, title=hue.replace("_", " "), loc="upper left", bbox_to_anchor=(1.01, 1),
                  fontsize=8, title_fontsize=8, frameon=False)
    elif hue and levels:
        note = " ".join(t for t in (f"All events: {hue.replace('_', ' ')} {levels[0]}.", note) if t)
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
        return _no_data(cap_rows, "No dated events to share out", sources=sources, title=title, ax=ax)
    d = data.copy()
    if labels:
        d[by] = d[by].map(lambda v: labels.get(v, v))
    ax, own = _axes(ax, (9, 4))
    sns.barplot(data=d, x="sector", y="share", hue=by, ax=ax, palette=PALETTE, errorbar=None)
    ax.set(xlabel="", ylabel="share of events", ylim=(0, 1))
    ax.tick_params(axis="x", rotation=30)
    return _finish(ax, source_caption(cap_rows, sources=sources), title=title, own=own)


@_document
def coefficient_plot(data: pd.DataFrame, *, irr: bool = True, caption: str = "", title: str | None = None, ax=None):
    """Estimates (or incidence-rate ratios) with 95% intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        A ``ModelResult.tidy()`` table; the intercept and NB2's ``alpha`` are left out.
    irr : bool
        Plot incidence-rate ratios on a log scale (when the table has them), else the estimates.
    {caption}
    {title}
    {ax}

    {returns_ax}
    """
    d = data[~data["term"].isin(["Intercept", "alpha"])].copy()  # alpha: NB2 dispersion, not an effect
    if d.empty:
        return _no_data(pd.DataFrame(), "No estimates to plot", title=title,
                        note=caption or "Model estimates with 95% confidence intervals.", ax=ax)
    if irr and "irr" in d.columns:
        est, lo, hi, ref, label = d["irr"], d["irr_low"], d["irr_high"], 1.0, "incidence-rate ratio (log scale)"
    else:
        est, lo, hi, ref, label = d["estimate"], d["conf_low"], d["conf_high"], 0.0, "estimate"
    ax, own = _axes(ax, (7.5, max(2.5, 0.4 * len(d) + 1.5)))
    ypos = np.arange(len(d))
    ax.errorbar(est, ypos, xerr=[est - lo, hi - est], fmt="o", color="C0", capsize=3)
    ax.axvline(ref, color="0.4", linestyle="--", linewidth=1)
    ax.set_yticks(ypos, d["term"])
    ax.invert_yaxis()
    ax.set(xlabel=label, ylabel="")
    if irr and "irr" in d.columns and len(d) and np.all(np.isfinite(lo)) and (lo > 0).all():
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    return _finish(ax, caption or "Model estimates with 95% confidence intervals.", title=title, own=own)


@_document
def predicted_counts_chart(data: pd.DataFrame, *, x: str = "year", hue: str = "tie_id", observed: str = "activities",
                           predicted: str = "predicted", caption: str = "",
                           title: str | None = "Observed and predicted counts", ax=None):
    """Observed counts (points) and model predictions (lines) by ``x`` and ``hue``.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel (:func:`studylib.activity_panel`) with a column of predictions.
    x, hue : str
        The columns along the x axis and coloured apart.
    observed, predicted : str
        The columns of observed and predicted counts.
    {caption}
    {title}
    {ax}

    {returns_ax}
    """
    if data.empty:
        return _no_data(pd.DataFrame(), "No counts to plot", title=title,
                        note=caption or "Points: observed; lines: model predictions.", ax=ax)
    ax, own = _axes(ax, (9, 4))
    sns.lineplot(data=data, x=x, y=predicted, hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    sns.scatterplot(data=data, x=x, y=observed, hue=hue, ax=ax, palette=PALETTE, legend=False, alpha=0.6)
    ax.set(ylabel="events per year")
    return _finish(ax, caption or "Points: observed; lines: model predictions.", title=title, own=own)


@_document
def people_chart(data: pd.DataFrame, *, hue: str = "direction", caption_data: pd.DataFrame | None = None,
                 sources: pd.DataFrame | None = None,
                 title: str | None = "People exchanged per year (as counted by the sources)", ax=None):
    """Participants per year by ``hue`` (direction), as the sources count them.

    Counts a source gives as 'at least' are lower bounds, and events without a count add nothing: the bars are
    lower bounds too.

    Parameters
    ----------
    data : pandas.DataFrame
        Counts from :func:`studylib.people_exchanged` (``year``, ``participants``, ``hue``).
    hue : str
        The column coloured apart.
    {caption_data}
    {sources}
    {title}
    {ax}

    {returns_ax}
    """
    note = "Counts given as 'at least' are lower bounds."
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, "No participant counts in the sources", sources=sources, title=title, note=note, ax=ax)
    ax, own = _axes(ax, (9, 3.8))
    d = data.assign(**{hue: data[hue].astype(str)})
    sns.barplot(data=d, x="year", y="participants", hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    ax.tick_params(axis="x", rotation=90)
    ax.set(ylabel="people (lower bound)")
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
        return _no_data(caption_data if caption_data is not None else data, "No coded events on any axis",
                        sources=sources, title=title, ax=ax)
    n_axes = data["axis"].nunique()
    ax, own = _axes(ax, (7.5 if hue else 6.5, 3.6))
    if hue:
        sns.barplot(data=data, x="axis", y="share", hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    else:
        sns.barplot(data=data, x="axis", y="share", ax=ax, color="C0", errorbar=None)
    ax.axhline(1 / n_axes, color="0.3", linestyle="--", linewidth=1, label="even split")
    ax.set(xlabel="", ylabel="share of coded events", ylim=(0, 1))
    if hue:
        ax.legend(loc="upper right", fontsize=8)
    else:  # a one-entry legend: name the line where it is drawn instead
        ax.annotate("even split", (1, 1 / n_axes), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.3")
    groups = data.groupby(hue, sort=False)["share"] if hue else [("", data["share"])]
    distances = [(name, 0.5 * (share - 1 / n_axes).abs().sum()) for name, share in groups if share.notna().any()]
    note = "Distance from an even split: " + "; ".join(f"{name} {d:.2f}" if name else f"{d:.2f}" for name, d in distances) + "."
    cap = source_caption(caption_data if caption_data is not None else data, sources=sources, note=note)
    return _finish(ax, cap, title=title, own=own)


@_document
def kpi_chart(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, title: str | None = "KPIs against their targets",
              ax=None):
    """Indicator values against their targets (indicator rows with a ``target``).

    Parameters
    ----------
    data : pandas.DataFrame
        Indicator rows (``Bundle.indicators``); rows without a target are left out.
    {sources}
    {title}
    {ax}

    {returns_ax}
    """
    d = data[data["target"].notna()].copy()
    if d.empty:
        return _no_data(d, "No indicators with a target", sources=sources, title=title, ax=ax)
    ax, own = _axes(ax, (7.5, max(2.2, 0.6 * len(d) + 1.4)))
    ypos = np.arange(len(d))
    ax.scatter(d["target"], ypos, marker="|", s=300, color="0.2", label="target")
    has_value = d["value"].notna().to_numpy()
    ax.scatter(d["value"][has_value], ypos[has_value], color="C1", s=60, label="reported value", zorder=3)
    for y, (v, t) in enumerate(zip(d["value"], d["target_type"].astype(str))):
        if pd.isna(v):
            ax.annotate("no reported value", (d["target"].iloc[y], y), xytext=(8, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks(ypos, d["entity_id"] + ": " + d["indicator"])
    ax.legend(loc="lower right", fontsize=8)
    ax.set(xlabel="value")
    return _finish(ax, source_caption(d, sources=sources), title=title, own=own)


@_document
def cluster_dotplot(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, note: str = "",
                    title: str | None = "Seed 000's topic clusters (reported, uncorroborated)", ax=None):
    """Dot plot of the cluster table: one row per cluster, one colour per measure, the legend beside the panel.

    Parameters
    ----------
    data : pandas.DataFrame
        Indicator rows of clusters (``entity_id``, ``indicator``, ``value``).
    {sources}
    {note}
    {title}
    {ax}

    {returns_ax}

    See Also
    --------
    indicator_chart : indicator values in different units, one panel (and scale) per unit.
    """
    if data.empty:
        return _no_data(data, "No cluster values", sources=sources, title=title, note=note, ax=ax)
    ax, own = _axes(ax, (9, 3.2))  # room for the legend beside the panel
    sns.stripplot(data=data, x="value", y="entity_id", hue="indicator", ax=ax, size=9, jitter=False, palette=PALETTE)
    ax.set(xlabel="reported value", ylabel="")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # beside the panel, off the points
    return _finish(ax, source_caption(data, sources=sources, note=note), title=title, own=own)


@_document
def indicator_chart(data: pd.DataFrame, *, label: str = "indicator", by: str = "unit",
                    sources: pd.DataFrame | None = None, title: str | None = None, note: str = ""):
    """Horizontal bars of indicator values, one panel per ``by`` value (unit), each panel on its own scale.

    Values in different units are never drawn against one axis; each bar is labelled with its value.
    Figure-level (one panel per unit): it makes its own figure.

    Parameters
    ----------
    data : pandas.DataFrame
        Indicator rows (``Bundle.indicators``) with a ``value``.
    label : str
        The column naming each bar.
    by : str
        The column whose values get a panel each.
    {sources}
    {title}
    {note}

    {returns_fig}
    """
    if data.empty:
        return _no_data(data, "No indicator values", sources=sources, title=title, note=note).figure
    groups = list(data.groupby(data[by].astype(str), sort=True))
    sizes = [len(part) for _, part in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 0.42 * sum(sizes) + 0.75 * len(groups) + 1.2),
                             height_ratios=sizes, squeeze=False)
    for ax, (unit, part) in zip(axes[:, 0], groups):
        ypos = np.arange(len(part))
        bars = ax.barh(ypos, part["value"].to_numpy(dtype=float), color="C0", height=0.7)
        ax.set_yticks(ypos, part[label].astype(str))
        ax.invert_yaxis()
        for bar, v in zip(bars, part["value"]):  # each label just past its bar's end: right of it, or left if negative
            ax.annotate(f"{v:g}", (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(-3 if v < 0 else 3, 0),
                        textcoords="offset points", ha="right" if v < 0 else "left", va="center", fontsize=8)
        ax.set_title(unit, loc="left", fontsize=9, fontweight="normal")
        ax.margins(x=0.12)
        ax.set(xlabel="", ylabel="")
    return _finish_figure(fig, source_caption(data, sources=sources, note=note), title=title)
