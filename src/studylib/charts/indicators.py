"""Charts of reported indicator values: KPIs against their targets, the cluster table as a dot plot, and indicator
values in different units, one panel (and scale) per unit.

Every chart under one name, and the conventions they follow: :mod:`studylib.charts`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from ..i18n import _
from ._base import (PALETTE, _axes, _document, _finish, _finish_figure, _named, _no_data, _number, _translating,
                    source_caption)

__all__ = ["kpi_chart", "cluster_dotplot", "indicator_chart"]

UNIT_CONTEXT = "indicator unit"  # catalog context of the units indicators are coded in (count, index, minutes...)


def _target_text(target: float, kind: str) -> str:
    """A target in words: 'at least 0.9', 'change of +25%' (a relative change is a share of its baseline)."""
    if kind == "relative_change":
        return _("change of {change}").format(change=_number(target, "+.0%"))
    words = {"at_least": _("at least"), "at_most": _("at most")}.get(kind) or _("target")
    return f"{words} {_number(target, 'g')}"


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
        return _no_data(d, _("No indicators with a target"), sources=sources, title=title, ax=ax)
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
            ax_.text(0.5, 0.5, _("no reported value (target only)"), transform=ax_.transAxes, ha="center", va="center",
                     fontsize=8, color="0.3", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        span = max(abs(p) for p in points) or 1.0
        ax_.set_xlim(min(0.0, *points) - 0.1 * span, max(0.0, *points) + 0.25 * span)
        if percent:
            ax_.xaxis.set_major_formatter(FuncFormatter(lambda v, pos: f"{v:+.0%}"))
        ax_.set_yticks([])
        ax_.set_ylim(-1, 1)
        unit = f" ({_named(row.unit, UNIT_CONTEXT)})" if isinstance(row.unit, str) and row.unit else ""
        where = _("relative to an unstated baseline") if percent else ""
        what = _("{indicator}{unit}: target {target} {where}").format(
            indicator=str(row.indicator).replace("_", " "), unit=unit, target=_target_text(row.target, kind),
            where=where).strip()
        if own:
            ax_.set_title(what, loc="left", fontsize=9, fontweight="normal")
        else:
            ax_.set_xlabel(what)  # the Axes' title is the caller's
    note = _("Dashed line: the target; dot: the reported value. Each KPI on its own scale.")
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
        return _no_data(data, _("No cluster values"), sources=sources, title=title, note=note, ax=ax)
    ax, own = _axes(ax, (9, 3.2))  # room for the legend beside the panel
    sns.stripplot(data=data, x="value", y="entity_id", hue="indicator", ax=ax, size=9, jitter=False, palette=PALETTE)
    ax.set(xlabel=_("reported value"), ylabel="")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # beside the panel, off the points
    if _translating():
        ax.get_legend().set_title(_("indicator"))
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
            d.loc[i, [label, "value", "is_range"]] = [_("{name} (range)").format(name=stem), d.at[j, "value"], True]
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
        return _no_data(data, _("No indicator values"), sources=sources, title=title, note=note).figure
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
            text = f"{_number(lo, 'g')}–{_number(v, 'g')}" if is_range else _number(v, "g")
            ax.annotate(text, (end, bar.get_y() + bar.get_height() / 2), xytext=(-3 if v < 0 else 3, 0),
                        textcoords="offset points", ha="right" if v < 0 else "left", va="center", fontsize=8)
        if log:
            ax.set_xscale("log")
            ax.set_xlim(1, high.max() * 6)  # room for the value labels on a log scale
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, pos: f"{v:,.0f}"))
        else:
            ax.margins(x=0.12)
            if (base >= 0).all() and (high >= 0).all():
                ax.set_xlim(left=0)  # a range's bar starts at its minimum, on an axis from zero
        ax.set_title(_named(unit, UNIT_CONTEXT) + (_(" (log scale)") if log else ""), loc="left", fontsize=9, fontweight="normal")
        ax.set(xlabel="", ylabel="")
    return _finish_figure(fig, source_caption(data, sources=sources, note=note), title=title)
