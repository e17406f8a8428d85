"""A run's files: tables as CSV, figures as PNG + SVG, and the saved PNG shown in a notebook.

Kept apart from what is written (the tables and charts) and from the Markdown around it (:mod:`studylib.sections`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_table", "write_figure", "show_png"]


def write_table(data: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Write ``data`` to ``path`` as CSV (UTF-8, no index, ``\\n`` line ends, floats to 6 significant digits).

    Columns whose name starts with ``_`` are working columns and are left out; the table written is returned.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = data.drop(columns=[c for c in data.columns if str(c).startswith("_")])
    clean.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
    return clean


def write_figure(fig, stem: str | Path, *, directory: str | Path | None = None) -> list[Path]:
    """Write ``fig`` as PNG and SVG (see :func:`studylib.charts.save_figure`; matplotlib loads on first use)."""
    from .charts import save_figure

    return save_figure(fig, stem, directory=directory)


def show_png(fig, png: Path, *, stem: str) -> bool:
    """In IPython, show the saved ``png`` at ``fig``'s on-screen size (its title and caption as alt text) and close
    ``fig``, so it is drawn once per file and the report embeds exactly the file written. Outside IPython nothing
    is shown and ``fig`` stays open. Returns whether it was shown.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    if get_ipython() is None:
        return False
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    alt = ". ".join(t for t in (fig.get_suptitle(), getattr(fig, "caption", "")) if t) or stem
    display(Image(filename=str(png), width=round(fig.get_figwidth() * fig.dpi), alt=alt))
    plt.close(fig)
    return True
