"""What every chart shares: the study theme, source captions, the caption and title under a chart's own figure,
byte-stable PNG and SVG files, and the parameter descriptions of the charts' docstrings.

The charts themselves are in :mod:`studylib.charts.events`, :mod:`studylib.charts.models`,
:mod:`studylib.charts.indicators` and :mod:`studylib.charts.inference`; :mod:`studylib.charts` gathers the first three
with :func:`set_study_theme`, :func:`source_caption` and :func:`save_figure`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FixedFormatter, Formatter, NullFormatter
from matplotlib.transforms import Bbox

from ..bundle.codebook import load_codebook
from ..i18n import _, get_language, label, localize_number_text, name_in_language
from .fonts import use_cjk_fallback

__all__ = ["set_study_theme", "source_caption", "save_figure", "PALETTE", "RC"]

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

# Parameter and return descriptions shared by the charts' numpydoc docstrings (as seaborn's DocstringComponents,
# kept simple): a docstring names them as {events}, {sources}, ... and :func:`_document` fills them in.
_DOCS = {
    "events": "data : pandas.DataFrame\n        Events, one row per event (from :func:`studylib.expand_activities`).",
    "sources": ("sources : pandas.DataFrame, optional\n        ``Bundle.sources``: the caption then gives each cited "
                "source's reliability."),
    "caption_data": ("caption_data : pandas.DataFrame, optional\n        The event rows behind ``data``, whose sources "
                     "the caption names (default: ``data``'s own rows)."),
    "title": ("title : str or None\n        Shown above the chart (the figure's title; the Axes' title when ``ax`` is "
              "given); None for none."),
    "note": "note : str\n        A sentence added to the caption.",
    "caption": "caption : str\n        The caption under the figure (e.g. from :func:`source_caption`).",
    "labels": "labels : dict, optional\n        Display names by id (e.g. :meth:`StudyRun.labels`).",
    "ax": ("ax : matplotlib.axes.Axes, optional\n        Draw into this Axes; by default the chart makes its own "
           "figure, sized for its data, with the caption under it."),
    "returns_ax": ("Returns\n    -------\n    matplotlib.axes.Axes\n        The Axes drawn into; ``ax.figure.caption`` "
                   "holds the caption when the chart made its own figure. With no rows the Axes says so in words."),
    "returns_fig": ("Returns\n    -------\n    matplotlib.figure.Figure\n        The figure, its caption text in "
                    "``fig.caption``. With no rows it says so in words."),
}


def _document(func):
    """Fill the shared parameter descriptions into ``func``'s docstring."""
    if func.__doc__:  # None under python -OO
        func.__doc__ = func.__doc__.format(**_DOCS)
    return func


def set_study_theme() -> None:
    """Apply the study theme: white grid, colour-blind-safe palette, print-readable sizes, stable SVG ids."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc=RC)
    use_cjk_fallback()  # Hangul, Kana and Kanji fall back to an installed CJK font


def _translating() -> bool:
    """Whether charts are drawn in a language other than English (the source language, drawn as it always was)."""
    return get_language() != "en"


def _number(value, spec: str = "") -> str:
    """``format(value, spec)`` as the chart's language writes numbers: unchanged in English, decimal comma and
    thousands dot in Indonesian ('5,371' -> '5.371', '0.25' -> '0,25')."""
    text = format(value, spec)
    return _swap_separators(text) if _translating() else text


def _swap_separators(text: str) -> str:
    """A number written the English way in the chart's language's symbols ('0.25' -> '0,25' in Indonesian)."""
    return localize_number_text(text)


#: Contexts of the catalog entries for names known only when a chart is drawn (a column, a factor's level, a title).
LABEL_CONTEXT, TITLE_CONTEXT, COLUMN_CONTEXT = "chart label", "chart title", "table column"


def _named(name: str, context: str = LABEL_CONTEXT) -> str:
    """A name that reaches a chart at run time (a default title, a group, a factor's level) in the chart's language:
    the catalog's entry under ``context``, else the name as it is."""
    return name_in_language(context, name) if name else name


def _words(column: str) -> str:
    """A column's name as a chart shows it: 'activity_type' as 'activity type' in English; in another language the
    chart's label for it, else the table's header for it (:mod:`studylib.report.tables`), else the words."""
    for context in (LABEL_CONTEXT, COLUMN_CONTEXT):
        text = _named(column, context)
        if text != column:
            return text
    return column.replace("_", " ")


def _value_words(column: str, value) -> str:
    """A value of ``column`` as a chart shows it: a codebook vocabulary's label in the chart's language ('education',
    'pendidikan'); other values as they are, '_' read as a space ('exchange_programme' -> 'exchange programme')."""
    if _translating() and column in load_codebook().spec["vocabularies"]:
        return label(column, value)
    return str(value).replace("_", " ")


class _DecimalComma(Formatter):
    """Tick labels of another formatter with Indonesian number punctuation (decimal comma, thousands dot)."""

    def __init__(self, inner: Formatter):
        self.inner = inner

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def __call__(self, x, pos=None):
        return _swap_separators(self.inner(x, pos))

    def format_ticks(self, values):
        return [_swap_separators(t) for t in self.inner.format_ticks(values)]

    def get_offset(self):
        return _swap_separators(self.inner.get_offset())


def _localise_ticks(axes) -> None:
    """Numeric tick labels of ``axes`` in the chart's language (nothing changes in English); tick labels that are
    words (categories, set with fixed labels) are left as they are."""
    if not _translating():
        return
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                             (axis.get_minor_formatter, axis.set_minor_formatter)):
                current = get()
                if not isinstance(current, (FixedFormatter, NullFormatter, _DecimalComma)):
                    put(_DecimalComma(current))


def source_caption(data: pd.DataFrame, *, sources: pd.DataFrame | None = None, note: str = "") -> str:
    """'Sources: id [reliability]; ...' for the rows in ``data``, then how many of them are events added by the
    annual-programme expansion (if any: those counts rest on an assumption), then an optional note."""
    ids = sorted({s for s in data.get("source_id", pd.Series(dtype=str)).dropna().astype(str) if s})
    if sources is not None:
        rel = sources.set_index("source_id")["reliability"].astype(str)
        ids = [f"{i} [{label('reliability', rel.get(i, '?'))}]" for i in ids]
    text = _("Sources: {sources}").format(sources="; ".join(ids) if ids else _("none"))
    notes = " ".join(t for t in (_expansion_note(data), note) if t)
    return f"{text}. {notes}" if notes else text + "."


def _expansion_note(data: pd.DataFrame) -> str:
    expanded = int(data["expanded"].fillna(False).astype(bool).sum()) if "expanded" in data.columns else 0
    if not expanded:
        return ""
    return _("{expanded} of {total} events come from expanding annual programmes to one event a year (an "
             "assumption: see Method).").format(expanded=_number(expanded, ","), total=_number(len(data), ","))


def _axes(ax, size) -> tuple:
    """The Axes to draw into and whether the chart made it: ``ax``, or that of a new figure of ``size``."""
    if ax is not None:
        return ax, False
    return plt.subplots(figsize=size)[1], True


CAPTION_SIZE = 7.5


def _wrap_caption(fig, caption: str, *, fontsize: float = CAPTION_SIZE) -> str:
    """``caption`` broken into lines that fit the figure's width, measured with the figure's renderer at the
    resolution the files are written at (hinted glyphs are not exactly to scale: a line that fits at 100 dpi can
    run past the edge at 150)."""
    screen_dpi = fig.dpi
    fig.set_dpi(max(screen_dpi, RC["savefig.dpi"]))
    renderer = fig.canvas.get_renderer()
    room = (0.98 - 0.01) * fig.get_figwidth() * fig.dpi  # the caption starts 1 % in from the left edge
    probe = fig.text(0, 0, "", fontsize=fontsize)
    width = max(20, int(room / (0.45 * fontsize * fig.dpi / 72)))  # a first guess: average glyph ~0.45 em wide
    try:
        while True:
            wrapped = "\n".join(textwrap.wrap(caption, width)) if caption else ""
            probe.set_text(wrapped)
            if width <= 20 or probe.get_window_extent(renderer).width <= room:
                return wrapped
            width -= 4
    finally:
        probe.remove()
        fig.set_dpi(screen_dpi)


def _untangle_ticks(fig) -> None:
    """Turn an Axes' level x tick labels to 35 degrees when neighbours would run together (e.g. six sector names
    side by side)."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
        gap = 0.5 * labels[0].get_fontsize() * fig.dpi / 72 if labels else 0  # under half an em reads as one phrase
        if any(a.x1 + gap > b.x0 for a, b in zip(boxes, boxes[1:])) and labels[0].get_rotation() == 0:
            for t in labels:
                t.set_rotation(35)
                t.set_ha("right")
                t.set_rotation_mode("anchor")


def _finish_figure(fig, caption: str, *, title: str | None = None):
    """Title the figure, put ``caption`` under it wrapped to the figure's width, and lay it out so no text is cut:
    the figure grows by the caption's height (the panels keep theirs) and crowded x tick labels are turned."""
    if title:
        fig.suptitle(_named(title, TITLE_CONTEXT), x=0.01, ha="left", fontweight="bold")  # a default title, translated
    _localise_ticks(fig.axes)
    wrapped = _wrap_caption(fig, caption)
    text = fig.text(0.01, 0.005, wrapped, ha="left", va="bottom", fontsize=CAPTION_SIZE, color="0.3",
                    gid=CAPTION_GID)
    _untangle_ticks(fig)
    caption_in = text.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi + 0.12
    height = fig.get_figheight()
    fig.set_figheight(height + caption_in)
    title_in = 0.25 if title else 0.0
    fig.tight_layout(rect=(0, caption_in / (height + caption_in), 1, 1 - title_in / (height + caption_in)))
    # tight_layout leaves a placeholder layout engine behind, and with any engine set savefig lays the whole figure
    # out again before drawing each file; the layout is final here, so drop it (the files come out the same)
    fig.set_layout_engine(None)
    fig.caption = caption
    fig.caption_height_inches = caption_in  # the band under the panels that holds the caption (see save_figure)
    return fig


def _finish(ax, caption: str, *, title: str | None, own: bool):
    """Caption and title the chart's own figure; in a caller's Axes only set the title. Returns ``ax``."""
    if own:
        _finish_figure(ax.figure, caption, title=title)
        return ax
    _localise_ticks([ax])
    if title:
        ax.set_title(_named(title, TITLE_CONTEXT), loc="left")  # a default title in the chart's language
    return ax


def _no_data(data: pd.DataFrame, message: str, *, sources=None, title=None, note: str = "", size=(7.5, 2.5), ax=None):
    """An Axes that says, in its body, that there is nothing to draw (instead of an empty or failing plot)."""
    ax, own = _axes(ax, size)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.3")
    ax.set_axis_off()
    return _finish(ax, source_caption(data, sources=sources, note=note), title=title, own=own)


CAPTION_GID = "studylib-caption"  # the caption under a chart's own figure (left out of the print files)
#: Resolution of the print PNG (journals ask for 300 dpi); the report's own PNG keeps ``RC["savefig.dpi"]``.
PRINT_DPI = 300
PRINT_FOLDER = "print"


def save_figure(fig, stem: str | Path, *, directory: str | Path | None = None, print_formats: bool = True) -> list[Path]:
    """Write ``fig`` (a Figure, or an Axes of one) as ``<stem>.png`` and ``<stem>.svg`` with no timestamps or
    random ids; return the paths.

    With ``print_formats`` (the default) it is also written for a journal, beside them in ``print/``: a 300-dpi PNG
    and a vector PDF (fonts embedded as TrueType/CID, never Type 3), equally byte-stable, without the caption drawn
    under the chart (a paper prints its caption as text; it is in the run's manifest). They are not in the returned
    list, which names the files the report shows.
    """
    fig = fig.figure  # an Axes' figure; a Figure's own ``figure`` is itself
    stem = Path(directory) / stem if directory is not None else Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(RC):
        png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
        fig.savefig(png, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
        if print_formats:
            folder = stem.parent / PRINT_FOLDER
            folder.mkdir(exist_ok=True)
            # a journal prints the caption as text under the figure: the print files leave the drawn one out
            captions = [t for t in fig.texts if t.get_gid() == CAPTION_GID and t.get_visible()]
            for text in captions:
                text.set_visible(False)
            try:
                # the band the caption took is cut off (a fixed box: no extra layout pass, as with 'tight')
                band = getattr(fig, "caption_height_inches", 0.0) if captions else 0.0
                width, height = fig.get_size_inches()
                tight = {"bbox_inches": Bbox([[0, band], [width, height]])} if band else {}
                fig.savefig(folder / png.name, dpi=PRINT_DPI, metadata={"Software": None}, **tight)
                with plt.rc_context({"pdf.fonttype": 42}):  # TrueType / CID fonts: journal checkers reject Type 3
                    # dpi: the resolution of any part drawn as an image (a dense specification curve's marks)
                    fig.savefig(folder / f"{stem.name}.pdf", dpi=PRINT_DPI, metadata={
                        "CreationDate": None, "Creator": None, "Producer": None}, **tight)
            finally:
                for text in captions:
                    text.set_visible(True)
    return [png, svg]
