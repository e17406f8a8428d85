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
from matplotlib.patches import Patch
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
    # codes as words: display names from ``labels``, else 'exchange_programme' as 'exchange programme'
    table.index = [(labels or {}).get(i, i.replace("_", " ")) for i in table.index]
    table.columns = [c.replace("_", " ") for c in table.columns]
    ax, own = _axes(ax, (max(6, 0.7 * table.shape[1] + 3), max(2.5, 0.6 * table.shape[0] + 1.8)))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    # seaborn stands row labels on end when it guesses they crowd (they then run together): keep them level, and
    # let the figure's layout turn crowded column labels instead
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=0)
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
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")  # each label ends at its tick
    return _finish(ax, source_caption(cap_rows, sources=sources), title=title, own=own)


@_document
def coefficient_plot(data: pd.DataFrame, *, irr: bool = True, caption: str = "", title: str | None = None, ax=None):
    """Estimates (or incidence-rate ratios) with 95% intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        A ``ModelResult.tidy()`` table (or ``ModelReport.tidy()``, whose ``label`` column names the rows); the
        intercept and NB2's ``alpha`` are left out.
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
    ax.set_yticks(ypos, d["label"] if "label" in d.columns else d["term"])  # the term in words when given
    ax.invert_yaxis()
    ax.set(xlabel=label, ylabel="")
    if irr and "irr" in d.columns and len(d) and np.all(np.isfinite(lo)) and (lo > 0).all():
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    caption = " ".join(t for t in (caption or "Model estimates with 95% confidence intervals.",
                                   data.attrs.get("references", "")) if t)  # set by ModelReport.tidy()
    return _finish(ax, caption, title=title, own=own)


@_document
def predicted_counts_chart(data: pd.DataFrame, *, x: str = "year", hue: str = "tie_id", observed: str = "activities",
                           predicted: str = "predicted", caption: str = "",
                           title: str | None = "Event counts and model predictions", ax=None):
    """Counts (points) and model predictions (lines) by ``x`` and ``hue``; a count that includes events added by
    the annual-programme expansion (the panel's ``expanded`` column) is drawn hollow and said so in the caption.

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
    order = sorted(data[hue].astype(str).unique())
    d = data.assign(**{hue: data[hue].astype(str)})
    colours = dict(zip(order, sns.color_palette(PALETTE, len(order))))
    sns.lineplot(data=d, x=x, y=predicted, hue=hue, hue_order=order, ax=ax, palette=colours, errorbar=None)
    # a count that includes events added by the annual-programme expansion is not an observation: drawn hollow
    assumed = d["expanded"].fillna(0).to_numpy() > 0 if "expanded" in d.columns else np.zeros(len(d), bool)
    edge = [colours[k] for k in d[hue]]
    ax.scatter(d[x][~assumed], d[observed][~assumed], c=[e for e, a in zip(edge, assumed) if not a], alpha=0.7, zorder=3)
    ax.scatter(d[x][assumed], d[observed][assumed], facecolors="none", edgecolors=[e for e, a in zip(edge, assumed) if a],
               linewidths=1.5, zorder=3)
    ax.set(ylabel="events per year")
    note = caption or "Points: counts of events; lines: model predictions."
    if assumed.any():
        note += (f" Hollow points: {int(assumed.sum())} counts that include events added by expanding annual "
                 "programmes (an assumption: see Method), not events a source reports for that year.")
        key = [Line2D([], [], marker="o", linestyle="", color="0.35", label="reported events only"),
               Line2D([], [], marker="o", linestyle="", color="0.35", markerfacecolor="none",
                      label="includes expanded events (assumption)")]
        ax.add_artist(ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8,
                                frameon=False))
        ax.legend(title=hue.replace("_", " "), fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1),
                  frameon=False)
    return _finish(ax, note, title=title, own=own)


def _direction_words(code: str, tie_id: str = "", labels: dict | None = None) -> str:
    """A direction code in words: 'a_to_b' of tie 'surabaya-busan' reads 'Surabaya → Busan' (city names from
    ``labels``, else the ids); 'mutual' and 'none' as their codebook meaning."""
    labels = labels or {}
    cities = tie_id.split("-") if tie_id.count("-") == 1 else []
    a, b = ([labels.get(c, c.replace("_", " ").title()) for c in cities] if cities else ["city A", "city B"])
    return {"a_to_b": f"{a} → {b}", "b_to_a": f"{b} → {a}", "mutual": "both ways (joint)", "none": "no flow"}.get(code, code)


@_document
def people_chart(data: pd.DataFrame, *, hue: str = "direction", caption_data: pd.DataFrame | None = None,
                 sources: pd.DataFrame | None = None, labels: dict | None = None,
                 title: str | None = "People exchanged per year (as counted by the sources)", ax=None):
    """Participants per year by ``hue`` (direction), as the sources count them.

    Counts a source gives as 'at least' are lower bounds, and events without a count add nothing: the bars are
    lower bounds too. A year whose count comes only from events added by the annual-programme expansion
    (``caption_data``'s ``expanded`` rows) is drawn hollow, as in :func:`timeline`. Directions read in words
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
    note = "Counts given as 'at least' are lower bounds."
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, "No participant counts in the sources", sources=sources, title=title, note=note, ax=ax)
    ax, own = _axes(ax, (9, 3.8))
    d = data.assign(**{hue: data[hue].astype(str)})
    if hue == "direction":
        tie = d["tie_id"].astype(str) if "tie_id" in d.columns else pd.Series("", index=d.index)
        d["_shown"] = [_direction_words(code, t, labels) for code, t in zip(d[hue], tie)]
    else:
        d["_shown"] = d[hue]
    expanded_only = set()
    if caption_data is not None and {"expanded", "year", hue} <= set(caption_data.columns):
        rows = caption_data[caption_data["participants"].notna()] if "participants" in caption_data else caption_data
        flags = rows.assign(**{hue: rows[hue].astype(str)}).groupby(["year", hue])["expanded"].agg(
            lambda s: bool(s.fillna(False).astype(bool).all()))
        expanded_only = {key for key, only in flags.items() if only}
    years = sorted(d["year"].unique())
    levels = list(dict.fromkeys(sorted(d["_shown"])))
    colours = dict(zip(levels, sns.color_palette(PALETTE, len(levels))))
    width = 0.8 / len(levels)
    for i, level in enumerate(levels):
        part = d[d["_shown"] == level]
        x = np.array([years.index(y) for y in part["year"]]) - 0.4 + width * (i + 0.5)
        hollow = np.array([(y, c) in expanded_only for y, c in zip(part["year"], part[hue])])
        colour = colours[level]
        ax.bar(x[~hollow], part["participants"].to_numpy()[~hollow], width=width * 0.9, color=colour, label=level)
        ax.bar(x[hollow], part["participants"].to_numpy()[hollow], width=width * 0.9, facecolor="none",
               edgecolor=colour, linewidth=1.5)
    ax.set_xticks(range(len(years)), [str(int(y)) for y in years], rotation=90)
    ax.set(xlabel="year", ylabel="people (lower bound)")
    one = f"{levels[0]}: " if len(levels) == 1 else ""  # a single direction is named in the key, not a legend
    shade = colours[levels[0]] if one else "0.45"
    key = [Patch(facecolor=shade, label=f"{one}reported by a source")]
    if expanded_only:
        key.append(Patch(facecolor="none", edgecolor=shade, linewidth=1.5,
                         label=f"{one}expanded (annual-programme assumption)"))
    if not one:
        key += [Patch(facecolor=colours[level], label=level) for level in levels]
    ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(key), 3), fontsize=8, frameon=False)
    if expanded_only:
        note += (f" Hollow bars: {len(expanded_only)} year(s) whose count only repeats an annual programme's "
                 "reported count (an assumption: see Method).")
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


_TARGET_WORDS = {"at_least": "at least", "at_most": "at most", "relative_change": "change of"}


def _target_text(target: float, kind: str) -> str:
    """A target in words: 'at least 0.9', 'change of +25%' (a relative change is a share of its baseline)."""
    if kind == "relative_change":
        return f"change of {target:+.0%}"
    return f"{_TARGET_WORDS.get(kind, 'target')} {target:g}"


@_document
def kpi_chart(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, title: str | None = "KPIs against their targets",
              ax=None):
    """Indicator values against their targets (indicator rows with a ``target``), one panel per KPI.

    Each KPI has its own scale (a target of +25 % against a baseline and an index target of 0.90 are not one
    quantity): the target is a dashed line, a reported value a dot, and the panel's title gives the target in
    words. A KPI with no reported value says so inside its panel.
    Figure-level (one panel per KPI): it makes its own figure; ``ax`` is accepted for one KPI only.

    Parameters
    ----------
    data : pandas.DataFrame
        Indicator rows (``Bundle.indicators``); rows without a target are left out.
    {sources}
    {title}
    ax : matplotlib.axes.Axes, optional
        Draw the (single) KPI into this Axes.

    {returns_ax}
    """
    d = data[data["target"].notna()].reset_index(drop=True)
    if d.empty:
        return _no_data(d, "No indicators with a target", sources=sources, title=title, ax=ax)
    if ax is not None and len(d) > 1:
        raise ValueError(f"kpi_chart draws {len(d)} KPIs in a panel each; call it without ax=")
    if ax is None:
        fig, axes = plt.subplots(len(d), 1, figsize=(7.5, 1.15 * len(d) + 0.9), squeeze=False)
        axes, own = list(axes[:, 0]), True
    else:
        axes, own = [ax], False
    for ax_, row in zip(axes, d.itertuples()):
        kind = str(row.target_type) if pd.notna(row.target_type) else ""
        percent = kind == "relative_change"
        points = [v for v in (row.target, row.value) if pd.notna(v)]
        ax_.axvline(row.target, color="0.2", linestyle="--", linewidth=1.5)
        if pd.notna(row.value):
            ax_.scatter([row.value], [0], color="C1", s=60, zorder=3)
        else:
            ax_.text(0.5, 0.5, "no reported value (target only)", transform=ax_.transAxes, ha="center", va="center",
                     fontsize=8, color="0.3", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        span = max(abs(p) for p in points) or 1.0
        ax_.set_xlim(min(0.0, *points) - 0.1 * span, max(0.0, *points) + 0.25 * span)
        if percent:
            ax_.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0%}"))
        ax_.set_yticks([])
        ax_.set_ylim(-1, 1)
        unit = f" ({row.unit})" if isinstance(row.unit, str) and row.unit else ""
        where = "relative to an unstated baseline" if percent else ""
        what = f"{str(row.indicator).replace('_', ' ')}{unit}: target {_target_text(row.target, kind)} {where}".strip()
        if own:
            ax_.set_title(what, loc="left", fontsize=9, fontweight="normal")
        else:
            ax_.set_xlabel(what)  # the Axes' title is the caller's
    note = "Dashed line: the target; dot: the reported value. Each KPI on its own scale."
    cap = source_caption(d, sources=sources, note=note)
    if own:
        _finish_figure(axes[0].figure, cap, title=title)
        return axes[0]
    return _finish(axes[0], cap, title=title, own=False)


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


def _ranges(data: pd.DataFrame, *, label: str, by: str) -> pd.DataFrame:
    """Indicator rows with ``low`` and ``is_range``: a pair ``<x>_min`` / ``<x>_max`` of one entity and unit
    becomes one row ``<x> (range)`` from min to max (a price range is one quantity, not two bars)."""
    d = data.assign(low=data["value"].astype(float), is_range=False).reset_index(drop=True)
    name = d[label].astype(str)
    keep = pd.Series(True, index=d.index)
    for i in d.index[name.str.endswith("_min")]:
        stem = name[i][: -len("_min")]
        match = d.index[(name == stem + "_max") & (d[by].astype(str) == str(d.at[i, by]))
                        & (d.get("entity_id", pd.Series("", index=d.index)) == d.get("entity_id", pd.Series("", index=d.index))[i])]
        if len(match) == 1 and d.at[match[0], "value"] >= d.at[i, "value"]:
            j = match[0]
            d.loc[i, [label, "value", "is_range"]] = [f"{stem} (range)", d.at[j, "value"], True]
            keep[j] = False
    return d[keep]


@_document
def indicator_chart(data: pd.DataFrame, *, label: str = "indicator", by: str = "unit",
                    sources: pd.DataFrame | None = None, title: str | None = None, note: str = ""):
    """Horizontal bars of indicator values, one panel per ``by`` value (unit), each panel on its own scale.

    Values in different units are never drawn against one axis; each bar is labelled with its value. A panel whose
    values (all at least 1) span orders of magnitude is drawn on a log scale, and a ``<x>_min`` / ``<x>_max`` pair
    is drawn as one bar from the minimum to the maximum. Figure-level (one panel per unit): it makes its own figure.

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
    rows = _ranges(data, label=label, by=by)
    groups = list(rows.groupby(rows[by].astype(str), sort=True))
    sizes = [len(part) for _, part in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 0.42 * sum(sizes) + 0.75 * len(groups) + 1.2),
                             height_ratios=sizes, squeeze=False)
    for ax, (unit, part) in zip(axes[:, 0], groups):
        low, high = part["low"].to_numpy(dtype=float), part["value"].to_numpy(dtype=float)
        # counts spanning orders of magnitude (5 beside 5,371): a log scale, bars from 1, so the small ones show
        log = bool((low >= 1).all() and high.max() / low.min() >= 50)
        base = np.where(part["is_range"], low, 1.0 if log else 0.0)
        ypos = np.arange(len(part))
        bars = ax.barh(ypos, high - base, left=base, color="C0", height=0.7)
        ax.set_yticks(ypos, part[label].astype(str).str.replace("_", " "))
        ax.invert_yaxis()
        for bar, v, lo, is_range in zip(bars, high, low, part["is_range"]):  # each label just past its bar's end
            end = bar.get_x() + bar.get_width()
            text = f"{lo:g}–{v:g}" if is_range else f"{v:g}"
            ax.annotate(text, (end, bar.get_y() + bar.get_height() / 2), xytext=(-3 if v < 0 else 3, 0),
                        textcoords="offset points", ha="right" if v < 0 else "left", va="center", fontsize=8)
        if log:
            ax.set_xscale("log")
            ax.set_xlim(1, high.max() * 6)  # room for the value labels on a log scale
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        else:
            ax.margins(x=0.12)
            if (base >= 0).all() and (high >= 0).all():
                ax.set_xlim(left=0)  # a range's bar starts at its minimum, on an axis from zero
        ax.set_title(unit + (" (log scale)" if log else ""), loc="left", fontsize=9, fontweight="normal")
        ax.set(xlabel="", ylabel="")
    return _finish_figure(fig, source_caption(data, sources=sources, note=note), title=title)
