"""Charts of a sister-city network: ties by country pair, and chosen cities' ties on longitude/latitude axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import _

if TYPE_CHECKING:  # the name is for the annotation only: charts need no network code at import
    from ..network.graph import Network

__all__ = ["country_pairs_chart", "ties_map"]


def country_pairs_chart(pairs: pd.DataFrame, *, top: int = 15, caption: str = "", title: str | None = None, ax=None):
    """Horizontal bars of ties per country pair: the ``top`` pairs plus the highlighted ones (drawn in colour), each
    labelled with its rate per 1,000 possible city pairs and, when ``pairs`` has ``conf_low``/``conf_high``, the rate's
    95% interval.

    Returns the Axes (drawn into ``ax`` when given, else into a figure of its own with ``caption`` under it).
    """
    from ._base import _axes, _finish, _number, _translating

    show = pd.concat([pairs.head(top), pairs[pairs["highlighted"]]]).drop_duplicates(["country_a", "country_b"])
    show = show.sort_values("ties")
    longer = _translating()  # Indonesian country names and labels run longer: a wider figure, more room for them
    ax, own = _axes(ax, (9 if longer else 7.5, 0.28 * len(show) + 1.6))
    ax.barh(show["pair"], show["ties"], color=np.where(show["highlighted"], "C1", "0.6"))
    low = show["conf_low"] if "conf_low" in show else pd.Series(np.nan, index=show.index)
    high = show["conf_high"] if "conf_high" in show else pd.Series(np.nan, index=show.index)
    for y, (n, rate, lo, hi) in enumerate(zip(show["ties"], show["ties_per_1000_pairs"], low, high)):
        interval = (_(", 95% CI {low}–{high}").format(low=_number(lo, ".2f"), high=_number(hi, ".2f"))
                    if lo == lo and hi == hi else "")
        rated = _(" ({rate}{interval} per 1,000 pairs)").format(rate=_number(rate, ".2f"), interval=interval)
        ax.text(n, y, f" {_number(n, ',')}" + (rated if rate == rate else ""), va="center", fontsize=7.5)
    ax.set_xlabel(_("ties in the network"))
    ax.set_ylabel("")
    ax.margins(x=0.8 if longer else 0.5)  # room for the labels
    return _finish(ax, caption, title=title, own=own)


def ties_map(net: Network, nodes, *, labels: dict | None = None, highlight=(), caption: str = "",
             title: str | None = None, ax=None):
    """The given nodes' ties drawn as straight lines on longitude/latitude axes over every city as a grey dot.

    ``highlight``: pairs of node indices (the focal ties) drawn as thick black lines above the rest (dashed when the
    network does not hold the tie).

    No base map is drawn (nothing is downloaded): the network's own cities outline the inhabited world. Returns the
    Axes (drawn into ``ax`` when given, else into a figure of its own with ``caption`` under it).
    """
    from ._base import _axes, _finish

    c = net.cities
    ax, own = _axes(ax, (9, 4.9))  # the -60..80 x -180..180 box at equal aspect: little empty space
    ax.scatter(c["lon"], c["lat"], s=1, color="0.75", linewidths=0)
    lat, lon = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
    for i, node in enumerate(nodes):
        nb = net.neighbours(node)
        color = f"C{i % 10}"
        for other in nb:
            ax.plot([lon[node], lon[other]], [lat[node], lat[other]], color=color, linewidth=0.6, alpha=0.6)
        ax.scatter(lon[nb], lat[nb], s=6, color=color)
        name = (labels or {}).get(node, c["name"].iat[node])
        ax.scatter([lon[node]], [lat[node]], s=40, color=color, edgecolor="black", zorder=3, label=f"{name} ({len(nb)})")
    drawn = False
    for a, b in highlight:
        a, b = int(a), int(b)
        if a < 0 or b < 0:
            continue
        held = bool(net.has_tie([a], [b])[0])
        ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color="black", linewidth=2.2, zorder=4, linestyle="-" if held else "--",
                label=None if drawn else _("focal ties (dashed: not in the network)"))
        drawn = True
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 80)
    ax.set_xlabel(_("longitude"))
    ax.set_ylabel(_("latitude"))
    ax.set_aspect("equal")
    if len(nodes) or drawn:
        ax.legend(loc="lower left", fontsize=7.5, title=_("city (partners)"), title_fontsize=7.5)
    return _finish(ax, caption, title=title, own=own)
