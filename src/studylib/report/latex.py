"""Tables for papers: booktabs LaTeX of a saved table, and a side-by-side regression table of several models.

Both need ``\\usepackage{booktabs}`` (long tables also ``longtable``; wide tables, of more than
:data:`WIDE_TABLE_COLUMNS` columns, are landscape longtables and need ``pdflscape`` and ``array``) in the paper's
preamble. Text is escaped (``& % $ # _ { } ~ ^ \\``), so a coded title or a formula term prints as it reads in the
CSV; it stays UTF-8 (Indonesian, Hangul, ``≥``): compile with XeLaTeX or LuaLaTeX (with a CJK font for Hangul and
Kanji), or pdfLaTeX for Latin text only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import _, localize_number_text

__all__ = ["escape", "to_latex", "write_latex", "regression_table", "write_regression_table", "LONG_TABLE_ROWS",
           "MAX_LATEX_ROWS", "WIDE_TABLE_COLUMNS"]

LONG_TABLE_ROWS = 40  # more rows than this: a longtable, which breaks across pages
WIDE_TABLE_COLUMNS = 8  # more columns than this: a landscape longtable whose long text columns wrap
WRAP_CHARACTERS = 24  # a text column whose cells are longer than this on average wraps in a p{} column (when wide)
MAX_LATEX_ROWS = 2_000  # more rows than this is a data file, not a table for a paper: CSV only
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def escape(text) -> str:
    """``text`` with LaTeX's special characters escaped (Unicode letters are kept: compile with UTF-8)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in str(text))


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _column_text(column: pd.Series, decimals: int | None, own: bool = False) -> list[str]:
    """A column as text: ``decimals`` places when given, else the report's own rule (see :class:`studylib.Table`)."""
    if decimals is None or not _is_number(column):
        from .tables import P_VALUE_COLUMNS
        from .tables import _column_text as report_text

        return report_text(column, p_value=str(column.name).lower() in P_VALUE_COLUMNS, own_decimals=own)
    return ["" if pd.isna(v) else localize_number_text(f"{v:.{decimals}f}") for v in column]


def to_latex(data: pd.DataFrame, *, caption: str, label: str, decimals: int | dict | None = None,
             own_decimals=()) -> str:
    """A booktabs LaTeX table of ``data`` (no index): caption, label, escaped text, right-aligned numbers.

    Parameters
    ----------
    data : pandas.DataFrame
        The table, as saved to CSV.
    caption : str
        The caption (escaped).
    label : str
        The ``\\label`` key, e.g. ``tab:pair_profile-metrics``.
    decimals : int or dict, optional
        Decimals of the numeric columns (one number, or per column name); by default each column gets the
        decimals the report shows (as many as its most precise value needs, at most 3).
    own_decimals : sequence of str
        Columns of values in mixed units whose numbers each keep their own decimals (as in the report).

    Returns
    -------
    str
        A ``table`` environment, or a ``longtable`` above :data:`LONG_TABLE_ROWS` rows.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"to_latex needs a DataFrame, not {type(data).__name__}")
    per_column = decimals if isinstance(decimals, dict) else {c: decimals for c in data.columns}
    text = pd.DataFrame({j: _column_text(data.iloc[:, j], per_column.get(col), col in set(own_decimals))
                         for j, col in enumerate(data.columns)}, index=range(len(data)), dtype=object)
    from .tables import column_header

    text.columns = [column_header(c) for c in data.columns]  # the machine name in English, as in the CSV
    wide = data.shape[1] > WIDE_TABLE_COLUMNS
    align = "".join("r" if _is_number(data.iloc[:, j]) else _text_column(text.iloc[:, j], wide)
                    for j in range(data.shape[1]))
    long = len(data) > LONG_TABLE_ROWS or wide
    styler = text.style.hide(axis="index").format(escape="latex").format_index(escape="latex", axis=1)
    body = styler.to_latex(hrules=True, column_format=align or "l", caption=escape(caption), label=label,
                           environment="longtable" if long else None,
                           position=None if long else "htbp", position_float=None if long else "centering")
    if wide:  # pdflscape turns the page in the PDF viewer too
        body = ("% A wide table: needs \\usepackage{pdflscape} (and booktabs, longtable, array).\n"
                f"\\begin{{landscape}}\n\\footnotesize\n{body}\\end{{landscape}}\n")
    return body


def _text_column(cells: pd.Series, wide: bool) -> str:
    """``l``, or for a wide table's column of long text a wrapping ``p{}`` column sized to it (ids, numbers and
    short words stay ``l``: they are never broken)."""
    if not wide or not len(cells):
        return "l"
    mean = sum(len(str(c)) for c in cells) / len(cells)
    if mean <= WRAP_CHARACTERS:
        return "l"
    return f"p{{{min(4.5, 1.5 + mean / 40):.1f}cm}}"


def write_latex(data: pd.DataFrame, path: Path, *, caption: str, label: str, decimals=None,
                own_decimals=()) -> Path | None:
    """Write :func:`to_latex` of ``data`` to ``path`` (UTF-8) and return the path; ``None`` (nothing written) for
    a table of more than :data:`MAX_LATEX_ROWS` rows, which no paper prints (its CSV is the record; rendering a
    million rows through the Styler would take many minutes)."""
    path = Path(path)
    if len(data) > MAX_LATEX_ROWS:
        return None
    path.write_text(to_latex(data, caption=caption, label=label, decimals=decimals, own_decimals=own_decimals),
                    encoding="utf-8")
    return path


def write_regression_table(models, path: Path, *, caption: str, label: str, **options) -> Path:
    """Write :func:`regression_table` of ``models`` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(regression_table(models, caption=caption, label=label, **options), encoding="utf-8")
    return path


def _fit(model):
    """The fitted :class:`~studylib.ModelResult` of a model or model report, or None when it was not estimated."""
    if hasattr(model, "fitted"):  # a ModelReport
        return model.result if model.fitted else None
    if hasattr(model, "glance") and hasattr(model, "family"):
        return model
    raise TypeError(f"regression_table needs ModelResult or ModelReport objects, not {type(model).__name__}")


class _Fixed:
    """``decimals`` places, with a value that rounds to zero shown as 0 (never -0.000)."""

    def __init__(self, decimals: int):
        self.decimals = decimals

    def format(self, value: float) -> str:
        return localize_number_text(f"{round(float(value), self.decimals) + 0.0:.{self.decimals}f}")


def regression_table(models, *, caption: str, label: str, names=None, interval: bool = False,
                     decimals: int = 3) -> str:
    """Several models side by side, as papers print them: one column per model, a row per term.

    Each cell is the estimate (log scale for count and logit models) with its standard error in parentheses below,
    or its 95 % confidence interval in brackets (``interval=True``). Below the terms: family, n, log-likelihood,
    AIC and (Poisson) deviance. A model that could not be estimated keeps its column, marked "not estimated".

    Parameters
    ----------
    models : sequence of ModelResult or ModelReport
        The models, in column order (a :class:`~studylib.report.study.ModelReport` may be unfitted).
    caption, label : str
        Caption (escaped) and ``\\label`` key.
    names : sequence of str, optional
        Column headings; default "(1)", "(2)", ...
    interval : bool
        Show 95 % confidence intervals instead of standard errors.
    decimals : int
        Decimals of estimates, errors and intervals.
    """
    models = list(models)
    if not models:
        raise ValueError("regression_table needs at least one model")
    fits = [_fit(m) for m in models]
    names = list(names) if names is not None else [f"({i + 1})" for i in range(len(models))]
    if len(names) != len(models):
        raise ValueError(f"{len(names)} names for {len(models)} models")
    from ..analysis.terms import term_label

    labels = next((m.labels for m in models if getattr(m, "labels", None)), {})  # a ModelReport's tie names
    tidies = [f.tidy().set_index("term") if f is not None else None for f in fits]
    terms = list(dict.fromkeys(t for tidy in tidies if tidy is not None for t in tidy.index))
    fmt = _Fixed(decimals)
    lines = []
    for term in terms:
        top, below = [escape(term_label(term, labels))], [""]
        for tidy in tidies:
            if tidy is None or term not in tidy.index or not np.isfinite(tidy.at[term, "estimate"]):
                top.append("")
                below.append("")
                continue
            row = tidy.loc[term]
            top.append(fmt.format(row["estimate"]))
            below.append(_("[{low}, {high}]").format(low=fmt.format(row["conf_low"]), high=fmt.format(row["conf_high"]))
                         if interval else f"({fmt.format(row['std_error'])})")
        lines += [" & ".join(top) + r" \\", " & ".join(below) + r" \\"]
    stats = {"Family": [], "$n$": [], "Log-likelihood": [], "AIC": [], "Deviance": []}
    shown = {"Family": _("Family"), "$n$": "$n$", "Log-likelihood": _("Log-likelihood"), "AIC": "AIC",
             "Deviance": _("Deviance")}
    from ..analysis.models import FAMILY_NAMES

    for fit in fits:
        if fit is None:
            for key in stats:
                stats[key].append(_("not estimated") if key == "Family" else "")
            continue
        g = fit.glance().iloc[0]
        stats["Family"].append(escape(FAMILY_NAMES.get(fit.family, fit.family)))
        stats["$n$"].append(f"{int(g['n'])}")
        stats["Log-likelihood"].append(localize_number_text(f"{g['loglik']:.2f}"))
        stats["AIC"].append(localize_number_text(f"{g['aic']:.2f}"))
        stats["Deviance"].append(localize_number_text(f"{g['deviance']:.2f}") if np.isfinite(g["deviance"]) else "")
    footer = [" & ".join([shown[key], *values]) + r" \\" for key, values in stats.items() if any(values)]
    spread = _("95\\,\\% confidence intervals in brackets") if interval else _("standard errors in parentheses")
    from ..analysis.terms import reference_sentence

    refs = list(dict.fromkeys(reference_sentence(getattr(f, "result", None), labels) for f in fits if f is not None))
    note = " ".join([_("Estimates (log scale for count and logit models) with {spread}.").format(spread=spread),
                     *(escape(r) for r in refs if r)])
    columns = "l" + "c" * len(models)
    return "\n".join([
        r"\begin{table}[htbp]", r"\centering", f"\\caption{{{escape(caption)}}}", f"\\label{{{label}}}",
        f"\\begin{{tabular}}{{{columns}}}", r"\toprule",
        " & ".join(["", *(escape(n) for n in names)]) + r" \\", r"\midrule", *lines, r"\midrule", *footer,
        r"\bottomrule", r"\end{tabular}",
        f"\\par\\smallskip\\footnotesize {note}", r"\end{table}", "",
    ])
