"""Charts of the activity-level inference: shares of coded activities with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ..i18n import _
from ._base import PALETTE, _axes, _finish, _named, _no_data, _value_words, source_caption

__all__ = ["share_interval_chart"]


def share_interval_chart(data: pd.DataFrame, *, by: str = "sector", hue: str = "tie_id", labels: dict | None = None,
                         caption_data: pd.DataFrame | None = None, sources: pd.DataFrame | None = None,
                         title: str | None = "Shares of coded activities", level_label: str = "95% Jeffreys interval",
                         ax=None):
    """Shares of coded activities per category of ``by`` (one marker per ``hue`` group) with their intervals.

    ``data`` comes from :func:`studylib.share_intervals` (columns ``by, hue, share, conf_low, conf_high``);
    ``caption_data`` holds the activity rows behind it, whose sources the caption names. Draws into ``ax`` (a new
    captioned figure when None) and returns the Axes.
    """
    cap_rows = caption_data if caption_data is not None else data
    if data.empty:
        return _no_data(cap_rows, _("No coded activities to share out"), sources=sources, title=title, ax=ax)
    d = data.copy()
    groups = list(dict.fromkeys(d[hue])) if hue in d.columns else [None]
    cats = list(dict.fromkeys(d[by]))
    colours = sns.color_palette(PALETTE, len(groups))
    ax, own = _axes(ax, (9, 4))
    width = 0.7 / max(len(groups), 1)
    for i, g in enumerate(groups):
        part = d if g is None else d[d[hue] == g]
        x = np.array([cats.index(c) for c in part[by]]) - 0.35 + width * (i + 0.5)
        err = np.vstack([part["share"] - part["conf_low"], part["conf_high"] - part["share"]])
        name = (labels or {}).get(g, g) if g is not None else None
        ax.errorbar(x, part["share"], yerr=err, fmt="o", color=colours[i], capsize=3,
                    label=f"{name} (n = {int(part['total'].iloc[0])})" if name is not None else None)
    ax.set_xticks(range(len(cats)), [_value_words(by, c) for c in cats], rotation=30, ha="right",
                  rotation_mode="anchor")  # codes as words, each label ending at its tick
    ax.set(xlabel="", ylabel=_("share of coded activities"), ylim=(0, 1))
    if groups != [None]:
        ax.legend(frameon=False, fontsize=8)
    note = _("Points: shares of coded activities (dated or not); bars: {interval}.").format(interval=_named(level_label))
    return _finish(ax, source_caption(cap_rows, sources=sources, note=note), title=title, own=own)
