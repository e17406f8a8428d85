"""A run's files: tables as CSV, figures as PNG + SVG, and the saved PNG shown in a notebook.

Kept apart from what is written (the tables and charts) and from the Markdown around it (:mod:`studylib.report.sections`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..i18n import ReaderText, english_of

__all__ = ["write_table", "write_figure", "show_png", "figure_caption", "NO_PRINT_FIGURES_ENV"]

#: Set (to anything but "" or "0") to write no print versions of the figures (``figures/print/``: a 300-dpi PNG and a
#: vector PDF, about two thirds of the time a figure takes), for drafts and for tests that read none; ``--no-print-figures``
#: sets it (an environment variable, so kernels and pool workers see it).
NO_PRINT_FIGURES_ENV = "STUDYLIB_NO_PRINT_FIGURES"


def write_table(data: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Write ``data`` to ``path`` as CSV (UTF-8, no index, ``\\n`` line ends, floats to 6 significant digits).

    Columns whose name starts with ``_`` are working columns and are left out. Round-off noise (a float below
    :data:`studylib.report.tables.NUMERICAL_ZERO`, e.g. 5.24e-16 for an effect that is zero) is written as 0, except in
    p-value columns, where a tiny p is a result. Sentences for readers (:class:`studylib.i18n.ReaderText`) are written
    in English. The table written is returned, those sentences in the report language.
    """
    from .tables import NUMERICAL_ZERO, P_VALUE_COLUMNS

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = data.drop(columns=[c for c in data.columns if str(c).startswith("_")])
    noisy = [c for c in clean.columns if pd.api.types.is_float_dtype(clean[c]) and str(c).lower() not in P_VALUE_COLUMNS
             and (clean[c].abs() < NUMERICAL_ZERO).any()]
    if noisy:
        clean = clean.copy()
        for c in noisy:
            clean[c] = clean[c].mask(clean[c].abs() < NUMERICAL_ZERO, 0.0)
    # sentences for readers (ReaderText) are written in English: a CSV file is the same data in every language; the
    # table returned (displayed, LaTeX) keeps them in the report language
    texts = [c for c in clean.columns if clean[c].dtype == object and clean[c].map(
        lambda v: isinstance(v, ReaderText)).any()]
    written = clean.assign(**{c: clean[c].map(english_of) for c in texts}) if texts else clean
    written.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
    return clean


def write_figure(fig, stem: str | Path, *, directory: str | Path | None = None) -> list[Path]:
    """Write ``fig`` as PNG and SVG, and its print versions unless :data:`NO_PRINT_FIGURES_ENV` is set (see
    :func:`studylib.charts.save_figure`; matplotlib loads on first use)."""
    from ..charts import save_figure

    return save_figure(fig, stem, directory=directory,
                       print_formats=os.environ.get(NO_PRINT_FIGURES_ENV, "") in ("", "0"))


def figure_caption(fig) -> str:
    """A figure's title and caption as one text ("Title. Sources: ..."), "" when it has neither."""
    title = fig.get_suptitle() or next((ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")
                                        if ax.get_title(loc)), "")
    parts = [t.strip() for t in (title, getattr(fig, "caption", "")) if t and t.strip()]
    return " ".join(p if p.endswith((".", "?", "!")) else p + "." for p in parts)


def show_png(fig, png: Path, *, stem: str, label: str = "") -> bool:
    """In IPython, show the saved ``png`` at ``fig``'s on-screen size (its title and caption as alt text), with
    ``label`` ("Figure 2.") and the caption as text beneath it, and close ``fig``, so it is drawn once per file and
    the report embeds exactly the file written. Outside IPython nothing is shown and ``fig`` stays open. Returns
    whether it was shown.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    if get_ipython() is None:
        return False
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Image, display

    from .tables import numbered_caption_html

    caption = figure_caption(fig)
    display(Image(filename=str(png), width=round(fig.get_figwidth() * fig.dpi), alt=caption or stem))
    if label or caption:
        display(HTML(numbered_caption_html(label, caption)))
    plt.close(fig)
    return True
