"""Charts of fitted count models: estimates (or incidence-rate ratios) with their intervals, and observed counts
beside the model's predictions.

Every chart under one name, and the conventions they follow: :mod:`studylib.charts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..i18n import _
from ._base import PALETTE, _axes, _document, _finish, _no_data, _translating, _words

__all__ = ["coefficient_plot", "predicted_counts_chart"]


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
        return _no_data(pd.DataFrame(), _("No estimates to plot"), title=title,
                        note=caption or _("Model estimates with 95% confidence intervals."), ax=ax)
    if irr and "irr" in d.columns:
        est, lo, hi, ref, label = d["irr"], d["irr_low"], d["irr_high"], 1.0, _("incidence-rate ratio (log scale)")
    else:
        est, lo, hi, ref, label = d["estimate"], d["conf_low"], d["conf_high"], 0.0, _("estimate")
    ax, own = _axes(ax, (7.5, max(2.5, 0.4 * len(d) + 1.5)))
    ypos = np.arange(len(d))
    ax.errorbar(est, ypos, xerr=[est - lo, hi - est], fmt="o", color="C0", capsize=3)
    ax.axvline(ref, color="0.4", linestyle="--", linewidth=1)
    ax.set_yticks(ypos, d["label"] if "label" in d.columns else d["term"])  # the term in words when given
    ax.invert_yaxis()
    ax.set(xlabel=label, ylabel="")
    if irr and "irr" in d.columns and len(d) and np.all(np.isfinite(lo)) and (lo > 0).all():
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    caption = " ".join(t for t in (caption or _("Model estimates with 95% confidence intervals."),
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
        return _no_data(pd.DataFrame(), _("No counts to plot"), title=title,
                        note=caption or _("Points: observed; lines: model predictions."), ax=ax)
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
    ax.set(ylabel=_("events per year"))
    if _translating():  # the column names seaborn writes, in the chart's language ('year' -> 'tahun')
        ax.set_xlabel(_words(x))
        if ax.get_legend() is not None:
            ax.get_legend().set_title(_words(hue))
    note = caption or _("Points: counts of events; lines: model predictions.")
    if assumed.any():
        note += _(" Hollow points: {n} counts that include events added by expanding annual programmes (an "
                  "assumption: see Method), not events a source reports for that year.").format(n=int(assumed.sum()))
        key = [Line2D([], [], marker="o", linestyle="", color="0.35", label=_("reported events only")),
               Line2D([], [], marker="o", linestyle="", color="0.35", markerfacecolor="none",
                      label=_("includes expanded events (assumption)"))]
        ax.add_artist(ax.legend(handles=key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8,
                                frameon=False))
        ax.legend(title=_words(hue), fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1),
                  frameon=False)
    return _finish(ax, note, title=title, own=own)
