"""The study's charts: one function per chart, data first, keyword-only options, ``ax=`` to draw into.

Single-panel charts follow seaborn's axes-level convention: ``ax=None`` makes a figure sized for the data, with
a title and, under it, a caption naming the sources of the rows shown (built from the data's ``source_id`` column
and, when ``sources`` is given, their reliability); given an ``ax``, they draw into it (the title becomes the
Axes' title, the caption is the caller's: see :func:`source_caption`). Either way the Axes is returned; the
figure is ``ax.figure`` and its caption text ``ax.figure.caption``. The multi-panel charts (:func:`summary_chart`,
:func:`indicator_chart`) are figure-level: they make and return their own Figure. :func:`save_figure` writes PNG
and SVG that are byte-identical across runs.

This package gathers the charts under one name (``studylib.charts``); they live one family to a module:
:mod:`.events` (counts, timelines and shares of coded events), :mod:`.models` (fitted count models),
:mod:`.indicators` (reported indicator values), :mod:`.inference` (shares with their intervals), :mod:`.multiverse`
(specification curves), :mod:`.network`
(a sister-city network), and what they share (theme, captions, layout, files, parameter descriptions) in
:mod:`._base`; :mod:`.fonts` finds a font for Hangul, Kana and Kanji.
"""

from __future__ import annotations

from ._base import save_figure, set_study_theme, source_caption
from .events import axis_balance_chart, people_chart, sector_heatmap, sector_shares_chart, summary_chart, timeline
from .indicators import cluster_dotplot, indicator_chart, kpi_chart
from .inference import share_interval_chart
from .models import coefficient_plot, predicted_counts_chart
from .multiverse import specification_curve
from .network import country_pairs_chart, ties_map

__all__ = [
    "set_study_theme", "source_caption", "save_figure", "sector_heatmap", "timeline", "summary_chart", "sector_shares_chart",
    "coefficient_plot", "predicted_counts_chart", "people_chart", "axis_balance_chart", "kpi_chart",
    "cluster_dotplot", "indicator_chart", "share_interval_chart", "country_pairs_chart", "ties_map",
    "specification_curve",
]
