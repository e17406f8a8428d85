"""The study's charts: one function per chart, data first, keyword options, a Figure back.

Every chart carries a caption naming the sources of the rows it shows, built from the data's ``source_id``
column (and, when ``sources`` is given, their reliability). :func:`save_figure` writes PNG and SVG that are
byte-identical across runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter
import pandas as pd
import seaborn as sns

__all__ = [
    "set_study_theme", "source_caption", "save_figure", "sector_heatmap", "timeline", "summary_chart", "sector_shares_chart",
    "coefficient_plot", "predicted_counts_chart", "people_chart", "axis_balance_chart", "kpi_chart",
    "cluster_dotplot", "indicator_chart",
]

PALETTE = "colorblind"
RC = {
    "svg.hashsalt": "studylib",  # stable ids inside SVG files
    "svg.fonttype": "path",
    "text.parse_math": False,  # a '$' in a city or programme name is text, not TeX
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}


def set_study_theme() -> None:
    """Apply the study theme: white grid, colour-blind-safe palette, print-readable sizes, stable SVG ids."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc=RC)


def source_caption(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, note: str = "") -> str:
    """'Sources: id [reliability]; ...' for the rows in ``data``, then how many of them are events added by the
    annual-programme expansion (if any: those counts rest on an assumption), then an optional note."""
    ids = sorted({s for s in data.get("source_id", pd.Series(dtype=str)).dropna().astype(str) if s})
    if sources is not None:
        rel = sources.set_index("source_id")["reliability"].astype(str)
        ids = [f"{i} [{rel.get(i, '?')}]" for i in ids]
    text = "Sources: " + ("; ".join(ids) if ids else "none")
    notes = " ".join(t for t in (_expansion_note(data), note) if t)
    return f"{text}. {notes}" if notes else text + "."


def _expansion_note(data: pd.DataFrame) -> str:
    expanded = int(data["expanded"].fillna(False).astype(bool).sum()) if "expanded" in data.columns else 0
    if not expanded:
        return ""
    return (f"{expanded:,} of {len(data):,} events come from expanding annual programmes to one event a year "
            "(an assumption: see Method).")


def _finish(fig, caption: str, *, title: str | None = None):
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    wrapped = "\n".join(textwrap.wrap(caption, 130))
    fig.text(0.01, 0.005, wrapped, ha="left", va="bottom", fontsize=7.5, color="0.3")
    lines = wrapped.count("\n") + 1
    fig.tight_layout(rect=(0, 0.02 + 0.025 * lines, 1, 0.97 if title else 1))
    # tight_layout leaves a placeholder layout engine behind, and with any engine set savefig lays the whole figure
    # out again before drawing each file; the layout is final here, so drop it (the files come out the same)
    fig.set_layout_engine(None)
    fig.caption = caption
    return fig


def _no_data(data: pd.DataFrame, message: str, *, sources=None, title=None, note: str = "", size=(7.5, 2.5)):
    """A figure that says, in its body, that there is nothing to draw (instead of an empty or failing plot)."""
    fig, ax = plt.subplots(figsize=size)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.3")
    ax.set_axis_off()
    return _finish(fig, source_caption(data, sources=sources, note=note), title=title)


def save_figure(fig, stem: str | Path, *, directory: str | Path | None = None) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` and ``<stem>.svg`` with no timestamps or random ids; return the paths."""
    stem = Path(directory) / stem if directory is not None else Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(RC):
        png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
        fig.savefig(png, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def sector_heatmap(data: pd.DataFrame, *, row: str = "tie_id", col: str = "sector", labels: dict | None = None,
                   sources: pd.DataFrame | None = None, title: str | None = "Activities by tie and sector"):
    """Heatmap of event counts, ``row`` x ``col`` (e.g. tie x sector)."""
    if data.empty:
        return _no_data(data, "No dated events to count", sources=sources, title=title)
    table = pd.crosstab(data[row].astype(str), data[col].astype(str))
    if labels:
        table.index = [labels.get(i, i) for i in table.index]
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * table.shape[1] + 3), max(2.5, 0.6 * table.shape[0] + 1.8)))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    ax.set(xlabel=col.replace("_", " "), ylabel="")
    return _finish(fig, source_caption(data, sources=sources), title=title)


def summary_chart(data: pd.DataFrame, *, unit: str = "tie_id", title: str | None = "Ties compared: events per year and continuity"):
    """Two panels across ties: event rate per year in the window, and continuity (from a metrics table)."""
    d = data.sort_values(unit)
    if d.empty:
        return _no_data(pd.DataFrame(), "No ties to compare", title=title)
    fig, axes = plt.subplots(1, 2, figsize=(10, max(2.5, 0.4 * len(d) + 1.5)), sharey=True)
    sns.barplot(data=d, y=unit, x="rate_per_year", ax=axes[0], color="C0", orient="h", errorbar=None)
    sns.barplot(data=d, y=unit, x="continuity", ax=axes[1], color="C2", orient="h", errorbar=None)
    axes[0].set(xlabel="events per year in the window", ylabel="")
    axes[1].set(xlabel="share of years with activity", xlim=(0, 1), ylabel="")
    ids = sorted({i.strip() for v in d.get("sources", pd.Series(dtype=str)).dropna() for i in str(v).split(";") if i.strip()})
    return _finish(fig, source_caption(pd.DataFrame({"source_id": ids}), note="Metrics from each tie's report."), title=title)


def timeline(data: pd.DataFrame, *, y: str = "sector", hue: str | None = None, sources: pd.DataFrame | None = None,
             title: str | None = "Activities by year", note: str = ""):
    """Events by year and ``y``; events from the annual expansion rule are drawn hollow."""
    if data.empty:
        return _no_data(data, "No dated events to place on a timeline", sources=sources, title=title, note=note)
    counts = data.groupby([y, "year", "expanded"], observed=True).size().rename("events").reset_index()
    counts[y] = counts[y].astype(str)
    order = sorted(counts[y].unique())
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.45 * len(order) + 1.8)))
    colours = dict(zip(order, sns.color_palette(PALETTE, len(order))))
    for expanded in (False, True):
        part = counts[counts["expanded"] == expanded]
        edge = [colours[k] for k in part[y]]
        ax.scatter(part["year"], part[y].map({k: i for i, k in enumerate(order)}), s=40 + 40 * part["events"],
                   c="none" if expanded else edge, edgecolors=edge, linewidths=1.5)
    ax.set_yticks(range(len(order)), order)
    ax.set(xlabel="year", ylabel="")
    ax.xaxis.get_major_locator().set_params(integer=True)
    key = [Line2D([], [], marker="o", linestyle="", color="0.35", markersize=7, label="reported by a source"),
           Line2D([], [], marker="o", linestyle="", color="0.35", markerfacecolor="none", markersize=7,
                  label="expanded (annual-programme assumption)")]
    ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    return _finish(fig, source_caption(data, sources=sources, note=note), title=title)


def sector_shares_chart(data: pd.DataFrame, *, by: str = "tie_id", labels: dict | None = None,
                        caption_data: pd.DataFrame | None = None, sources: pd.DataFrame | None = None,
                        title: str | None = "Sector shares"):
    """Sector shares side by side for each value of ``by`` (from :func:`studylib.shares`).

    ``caption_data`` holds the event rows behind the shares, whose sources the caption names.
    """
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, "No dated events to share out", sources=sources, title=title)
    d = data.copy()
    if labels:
        d[by] = d[by].map(lambda v: labels.get(v, v))
    fig, ax = plt.subplots(figsize=(9, 4))
    sns.barplot(data=d, x="sector", y="share", hue=by, ax=ax, palette=PALETTE, errorbar=None)
    ax.set(xlabel="", ylabel="share of events", ylim=(0, 1))
    ax.tick_params(axis="x", rotation=30)
    return _finish(fig, source_caption(cap_rows, sources=sources), title=title)


def coefficient_plot(data: pd.DataFrame, *, irr: bool = True, caption: str = "", title: str | None = None):
    """Estimates (or incidence-rate ratios) with 95% intervals from a ``ModelResult.tidy()`` table."""
    d = data[~data["term"].isin(["Intercept", "alpha"])].copy()  # alpha: NB2 dispersion, not an effect
    if d.empty:
        return _no_data(pd.DataFrame(), "No estimates to plot", title=title,
                        note=caption or "Model estimates with 95% confidence intervals.")
    if irr and "irr" in d.columns:
        est, lo, hi, ref, label = d["irr"], d["irr_low"], d["irr_high"], 1.0, "incidence-rate ratio (log scale)"
    else:
        est, lo, hi, ref, label = d["estimate"], d["conf_low"], d["conf_high"], 0.0, "estimate"
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.4 * len(d) + 1.5)))
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
    return _finish(fig, caption or "Model estimates with 95% confidence intervals.", title=title)


def predicted_counts_chart(data: pd.DataFrame, *, x: str = "year", hue: str = "tie_id", observed: str = "activities",
                           predicted: str = "predicted", caption: str = "", title: str | None = "Observed and predicted counts"):
    """Observed counts (points) and model predictions (lines) by ``x`` and ``hue``."""
    if data.empty:
        return _no_data(pd.DataFrame(), "No counts to plot", title=title,
                        note=caption or "Points: observed; lines: model predictions.")
    fig, ax = plt.subplots(figsize=(9, 4))
    sns.lineplot(data=data, x=x, y=predicted, hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    sns.scatterplot(data=data, x=x, y=observed, hue=hue, ax=ax, palette=PALETTE, legend=False, alpha=0.6)
    ax.set(ylabel="events per year")
    return _finish(fig, caption or "Points: observed; lines: model predictions.", title=title)


def people_chart(data: pd.DataFrame, *, hue: str = "direction", caption_data: pd.DataFrame | None = None,
                 sources: pd.DataFrame | None = None,
                 title: str | None = "People exchanged per year (as counted by the sources)"):
    """Participants per year by direction (from :func:`studylib.people_exchanged`).

    ``caption_data`` holds the event rows behind the counts, whose sources the caption names.
    """
    cap_rows = caption_data if caption_data is not None else data
    note = "Counts given as 'at least' are lower bounds."
    if data.empty:
        return _no_data(cap_rows, "No participant counts in the sources", sources=sources, title=title, note=note)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    d = data.assign(**{hue: data[hue].astype(str)})
    sns.barplot(data=d, x="year", y="participants", hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    ax.tick_params(axis="x", rotation=90)
    ax.set(ylabel="people (lower bound)")
    return _finish(fig, source_caption(cap_rows, sources=sources, note=note), title=title)


def axis_balance_chart(data: pd.DataFrame, *, hue: str | None = None, caption_data: pd.DataFrame | None = None,
                       sources: pd.DataFrame | None = None, title: str | None = "Balance across the four strategic axes"):
    """Shares of events per axis with the even split marked (from :func:`studylib.axis_balance`).

    With ``hue`` (e.g. ``'portfolio'`` in :func:`studylib.axis_balance_by_stage`'s table) the groups' bars stand
    side by side on one scale, and the caption gives each group's distance from an even split.
    """
    if data.empty or not data["share"].notna().any():
        return _no_data(caption_data if caption_data is not None else data, "No coded events on any axis",
                        sources=sources, title=title)
    n_axes = data["axis"].nunique()
    fig, ax = plt.subplots(figsize=(7.5 if hue else 6.5, 3.6))
    if hue:
        sns.barplot(data=data, x="axis", y="share", hue=hue, ax=ax, palette=PALETTE, errorbar=None)
    else:
        sns.barplot(data=data, x="axis", y="share", ax=ax, color="C0", errorbar=None)
    ax.axhline(1 / n_axes, color="0.3", linestyle="--", linewidth=1, label="even split")
    ax.set(xlabel="", ylabel="share of coded events", ylim=(0, 1))
    ax.legend(loc="upper right", fontsize=8)
    groups = data.groupby(hue, sort=False)["share"] if hue else [("", data["share"])]
    distances = [(name, 0.5 * (share - 1 / n_axes).abs().sum()) for name, share in groups if share.notna().any()]
    note = "Distance from an even split: " + "; ".join(f"{name} {d:.2f}" if name else f"{d:.2f}" for name, d in distances) + "."
    cap = source_caption(caption_data if caption_data is not None else data, sources=sources, note=note)
    return _finish(fig, cap, title=title)


def kpi_chart(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, title: str | None = "KPIs against their targets"):
    """Indicator values against their targets (indicator rows with a ``target``)."""
    d = data[data["target"].notna()].copy()
    if d.empty:
        return _no_data(d, "No indicators with a target", sources=sources, title=title)
    fig, ax = plt.subplots(figsize=(7.5, max(2.2, 0.6 * len(d) + 1.4)))
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
    return _finish(fig, source_caption(d, sources=sources), title=title)


def cluster_dotplot(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, note: str = "",
                    title: str | None = "Seed 000's topic clusters (reported, uncorroborated)"):
    """Dot plot of the cluster table: one row per cluster, one colour per measure."""
    if data.empty:
        return _no_data(data, "No cluster values", sources=sources, title=title, note=note)
    fig, ax = plt.subplots(figsize=(9, 3.2))  # room for the legend beside the panel
    sns.stripplot(data=data, x="value", y="entity_id", hue="indicator", ax=ax, size=9, jitter=False, palette=PALETTE)
    ax.set(xlabel="reported value", ylabel="")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # beside the panel, off the points
    return _finish(fig, source_caption(data, sources=sources, note=note), title=title)


def indicator_chart(data: pd.DataFrame, *, label: str = "indicator", by: str = "unit",
                    sources: pd.DataFrame | None = None, title: str | None = None, note: str = ""):
    """Horizontal bars of indicator values, one panel per ``by`` value (unit), each panel on its own scale.

    Values in different units are never drawn against one axis; each bar is labelled with its value.
    """
    if data.empty:
        return _no_data(data, "No indicator values", sources=sources, title=title, note=note)
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
    return _finish(fig, source_caption(data, sources=sources, note=note), title=title)
