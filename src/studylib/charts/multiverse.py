"""The specification curve of a multiverse (Simonsohn, Simmons & Nelson 2020; Steegen et al. 2016): one quantity's
estimate in every specification, sorted, with its interval, and each specification's factor settings marked
beneath it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from mpl_toolkits.axes_grid1 import make_axes_locatable

from ..i18n import _, factor_level
from ._base import _axes, _finish, _named, _no_data, _number, _words

__all__ = ["specification_curve"]

FACTORS = ("expansion", "window", "undated", "coding")


#: Above this many specifications the curve's points, interval and factor marks are rasterized in vector files.
RASTERIZE_ABOVE = 500


def specification_curve(data: pd.DataFrame, *, quantity: str, factors=FACTORS, null: float | None = None,
                        main_spec: int = 0, label: str | None = None, log: bool = False, title: str | None = None,
                        caption: str = "", ax=None):
    """Estimates of ``quantity`` in every specification, sorted, with intervals; factor settings marked beneath.

    Parameters
    ----------
    data : DataFrame
        ``tables/multiverse.csv`` (:meth:`studylib.Multiverse.table`): ``spec_id``, the factor columns,
        ``quantity, estimate, conf_low, conf_high``.
    quantity : str
        Which quantity to draw.
    factors : sequence of str
        The factor columns marked beneath the curve (one row per level).
    null : float, optional
        A reference line (1 for a rate ratio, 0 for a balance).
    main_spec : int
        The main analysis' ``spec_id``, drawn in a contrasting colour.
    log : bool
        A logarithmic y axis (rate ratios).
    caption : str
        The figure's caption (what is drawn and the data behind it).
    ax : Axes, optional
        Draw the curve into it (the factor panel is added beneath it); None makes a captioned figure.

    Returns
    -------
    Axes
        The curve's Axes (``ax.figure`` holds both panels).
    """
    rows = data[data["quantity"] == quantity]
    rows = rows[np.isfinite(rows["estimate"].to_numpy(dtype=float))]
    if rows.empty:
        return _no_data(data.iloc[:0], _("No specification estimates {quantity}").format(quantity=quantity), title=title,
                        note=caption, ax=ax)
    factors = [f for f in factors if f in rows.columns and rows[f].nunique() > 1]
    levels = [(f, lvl) for f in factors for lvl in dict.fromkeys(rows.sort_values("spec_id")[f].astype(str))]
    rows = rows.sort_values(["estimate", "spec_id"], kind="stable").reset_index(drop=True)
    ax, own = _axes(ax, (9, 3.2 + 0.22 * len(levels)))
    x = np.arange(len(rows))
    est = rows["estimate"].to_numpy(dtype=float)
    # thousands of specifications: their marks are thinner than a pixel, and as vectors they made each SVG ~2 MB and
    # each figure's vector files most of its time; drawn as an image inside the SVG/PDF (the PNG is the same)
    dense = len(rows) > RASTERIZE_ABOVE
    has_ci = {"conf_low", "conf_high"} <= set(rows.columns) and rows["conf_low"].notna().any()
    if has_ci:
        ax.fill_between(x, rows["conf_low"].to_numpy(dtype=float), rows["conf_high"].to_numpy(dtype=float),
                        color="0.85", step="mid", linewidth=0, label=_("95% interval"), rasterized=dense)
    ax.plot(x, est, ".", color="0.25", markersize=2.5, label=_("estimate"), rasterized=dense)
    main = rows.index[rows["spec_id"] == main_spec]
    if len(main):
        ax.plot(x[main], est[main], "o", color="#D55E00", markersize=6, label=_("main analysis"))
    if null is not None:
        ax.axhline(null, color="0.4", linewidth=0.8, linestyle="--")
    if log:
        from matplotlib.ticker import LogLocator, ScalarFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(ScalarFormatter())
        ax.yaxis.get_minor_formatter().set_scientific(False)
    ax.set(xlim=(-0.5, len(rows) - 0.5), xlabel="", ylabel=label or _words(quantity))
    ax.tick_params(axis="x", labelbottom=False)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    if levels:
        below = make_axes_locatable(ax).append_axes("bottom", size=f"{min(60, 12 * len(levels))}%", pad=0.08,
                                                    sharex=ax)
        for i, (f, lvl) in enumerate(levels):
            on = (rows[f].astype(str) == lvl).to_numpy()
            below.plot(x[on], np.full(on.sum(), i), "|", color="0.2", markersize=4, rasterized=dense)
        below.set_yticks(range(len(levels)), [_named(f) + ": " + factor_level(lvl) for f, lvl in levels], fontsize=7)
        below.set_ylim(len(levels) - 0.5, -0.5)
        below.set_xlabel(_("{n} specifications, sorted by estimate").format(n=_number(len(rows), ",")))
        below.grid(False)
    note = caption or (_("Each point is {quantity} in one specification of the multiverse").format(quantity=_words(quantity))
                       + (_(" with its 95% interval (shaded)") if has_ci else "")
                       + _("; the marks beneath show each specification's factor settings."))
    return _finish(ax, note, title=title, own=own)
