"""Tables as reports and the explorer show them: escaped text, no index, numbers formatted for reading.

:class:`Table` and :func:`report_table` are shared by :meth:`studylib.StudyRun.show` and the interactive explorer,
so a number reads the same in a rendered report and in the workbench. :func:`~studylib.report.markdown.md_escape` and
:func:`~studylib.report.markdown.md_code` (re-exported here) make data strings safe inside the Markdown the reports write.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..i18n import (SOURCE_LANGUAGE, _, format_date, format_number, get_language, label, localize_number_text,
                    name_in_language)
from .markdown import md_code, md_escape

__all__ = ["Table", "report_table", "md_escape", "md_code", "numbered_caption_html", "NUMERICAL_ZERO", "MAX_DECIMALS"]

NUMERICAL_ZERO = 1e-9  # below this an estimate is round-off (e.g. 1e-16 for an effect that is zero in theory)
P_VALUE_COLUMNS = ("p_value", "pvalue", "p")
MAX_DECIMALS = 3

TABLE_CLASS = "studylib-table"
# Text reads best left-aligned; '!important' because JupyterLab right-aligns output cells with a stronger selector.
MAX_NOWRAP_COLUMNS = 24
TABLE_STYLE = (f"<style>table.{TABLE_CLASS} td, table.{TABLE_CLASS} th "
               "{text-align: left !important; vertical-align: top !important;}"
               # ids, numbers and dates never break inside ('sb-00/2', '1960-/06-24', '-10.1/89'): a table marks the
               # positions of its id columns and of its columns of short unbroken tokens
               + "".join(f"table.{TABLE_CLASS}.ids-{i} td:nth-child({i}){{white-space: nowrap !important;}}"
                         for i in range(1, MAX_NOWRAP_COLUMNS + 1))
               + f"table.{TABLE_CLASS} td.nowrap{{white-space: nowrap !important;}}"
               + "</style>")
#: A cell that is one token (a number, a date, a code) short enough never to need breaking.
_TOKEN = re.compile(r"^\S{1,16}$")
ID_COLUMNS = ("id", "tie", "activity_id", "tie_id", "source_id", "city_id", "entity_id")
#: Columns of dates as the data write them (ISO or EDTF): shown in words in a language other than English.
DATE_COLUMNS = ("start", "end", "until", "signed", "date", "accessed", "formed")
#: The gettext context of a displayed column header (its machine name in the CSV is the msgid).
HEADER_CONTEXT = "table column"
#: The gettext context of a displayed cell whose text the library chooses (True / False).
CELL_CONTEXT = "table cell"
CAPTION_CLASS = "studylib-caption"


def numbered_caption_html(label: str, caption: str) -> str:
    """``<p>`` with a bold label ("Figure 2.", "Table 1.") and the caption after it, both HTML-escaped."""
    parts = ([f"<strong>{html.escape(label)}</strong>"] if label else []) + ([html.escape(caption)] if caption else [])
    return f'<p class="{CAPTION_CLASS}">{" ".join(parts)}</p>'


def _is_float(value) -> bool:
    return isinstance(value, (float, np.floating)) and value == value  # NaN is missing, not a number


def _tiny(value: float, *, p_value: bool) -> bool:
    """A real value too small to show at ``MAX_DECIMALS`` decimals (shown with two significant digits instead)."""
    return 0 < abs(value) < 10 ** -MAX_DECIMALS and (p_value or abs(value) >= NUMERICAL_ZERO)


def _decimals(values: list, *, p_value: bool) -> int:
    """Decimals for a column's floats: p-values 3; otherwise as many as its most precise value needs, at most 3.

    A column of whole numbers reads as integers, a percentage coded as 99.9 keeps one decimal, and an estimate of
    exactly 1 beside 0.851 reads 1.000.
    """
    if p_value:
        return MAX_DECIMALS
    shown = [f"{v:.{MAX_DECIMALS}f}".rstrip("0") for v in values if np.isfinite(v) and not _tiny(v, p_value=False)]
    return max((len(t) - t.index(".") - 1 for t in shown), default=0)


def _column_text(values, *, p_value: bool = False, own_decimals: bool = False) -> list[str]:
    """Display text of one table column: missing values blank, every float of the column to the same decimals
    (``own_decimals``: each float to the decimals it needs, for values in mixed units, e.g. 4404 people and 99.9 %).

    Values below 0.001 keep two significant digits, so a small real value is not shown as zero; round-off noise
    below ``NUMERICAL_ZERO`` reads as zero, except in p-value columns, where a tiny p is a result.
    """
    values = list(values)
    column = _decimals([v for v in values if _is_float(v)], p_value=p_value)
    local = get_language() != SOURCE_LANGUAGE  # the same digits, the language's decimal mark ('0,971')
    out = []
    for value in values:
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, (float, np.floating)) and value != value):
            out.append("")
        elif isinstance(value, (bool, np.bool_)) and local:  # True / False in words ('ya' / 'tidak')
            out.append(name_in_language(CELL_CONTEXT, str(bool(value))))
        elif not _is_float(value):
            out.append(str(value))
        elif _tiny(value, p_value=p_value):
            out.append(localize_number_text(f"{value:.2g}") if local else f"{value:.2g}")
        else:
            places = _decimals([value], p_value=p_value) if own_decimals else column
            text = f"{0.0 if abs(value) < NUMERICAL_ZERO else value:.{places}f}"
            out.append(localize_number_text(text) if local else text)
    return out


@lru_cache(maxsize=1)
def _vocabulary_columns() -> dict[str, str]:
    """Column name -> the codebook vocabulary its values come from (``sector`` -> ``sector``), over every table."""
    from ..bundle.codebook import load_codebook

    found: dict[str, str] = {}
    for spec in load_codebook().spec["tables"].values():
        for part in ("columns", "optional"):
            for column, rule in (spec.get(part) or {}).items():
                if rule.get("type") == "vocab":
                    found.setdefault(column, rule["vocab"])
    return found


def _in_words(name, texts: list[str]) -> list[str]:
    """A column's displayed texts in the current language: dates in words, vocabulary values as their labels."""
    name = str(name)
    if name in DATE_COLUMNS:
        return [format_date(t) for t in texts]
    vocabulary = _vocabulary_columns().get(name)
    if vocabulary:
        return [label(vocabulary, t) if t else t for t in texts]
    return texts


def column_header(name) -> str:
    """A column's displayed header: its machine name (as in the CSV) in the current language."""
    return name_in_language(HEADER_CONTEXT, str(name)) if isinstance(name, str) else str(name)


def _tokens(column: pd.Series) -> bool:
    """Whether every shown value of a column is one short token (a number, a date, an id, a code)."""
    shown = [v for v in column if v != ""]
    return bool(shown) and all(_TOKEN.match(v) for v in shown)


class Table:
    """A table as a report shows it (what :meth:`StudyRun.show` returns): text HTML-escaped, no index, numbers
    formatted for reading; ``caption`` says where the rows not shown are.

    Each column's numbers have one number of decimals (as many as its most precise value needs, at most 3), except
    the ``own_decimals`` columns, whose numbers each keep their own (values coded in mixed units, e.g. an indicator's
    ``value`` beside its ``unit``). In a notebook it displays as HTML; :meth:`to_html` gives the same HTML, ``data``
    the rows shown.
    """

    def __init__(self, data: pd.DataFrame, *, caption: str = "", own_decimals=(), title: str = "", numbering=None):
        self.data = data
        self.caption = caption
        self.own_decimals = set(own_decimals)
        self.title = title  # the numbered caption's text (e.g. what the table holds and its file)
        self.numbering = numbering  # called once, when first shown: returns the label, e.g. "Table 3."
        self.label = ""

    def to_html(self) -> str:
        if not len(self.data):  # a header with no rows under it says nothing a sentence cannot
            none = _("No rows.")
            return self._heading() + f"<p><em>{html.escape(none)}</em></p>"
        text = pd.DataFrame({j: _column_text(self.data.iloc[:, j], p_value=str(col).lower() in P_VALUE_COLUMNS,
                                             own_decimals=col in self.own_decimals)
                             for j, col in enumerate(self.data.columns)}, index=self.data.index, dtype=object)
        text.columns = self.data.columns  # by position: a repeated column name keeps every column
        if get_language() != SOURCE_LANGUAGE:  # dates in words, codebook labels, headers in the language
            for j, col in enumerate(self.data.columns):
                text.iloc[:, j] = _in_words(col, list(text.iloc[:, j]))
            text.columns = [column_header(col) for col in self.data.columns]
        ids = [f"ids-{j + 1}" for j, col in enumerate(self.data.columns)
               if j < MAX_NOWRAP_COLUMNS and (str(col) in ID_COLUMNS or _tokens(text.iloc[:, j]))]
        table = text.to_html(index=False, border=0, classes=[TABLE_CLASS, *ids], escape=True, na_rep="",
                             justify="left")
        # a cell that is one short token (a date in a column of mixed text, '1997-04-23') is not broken either
        table = re.sub(r"<td>([^\s<]{1,16})</td>", r'<td class="nowrap">\1</td>', table)
        caption = f"<p>{html.escape(self.caption)}</p>\n" if self.caption else ""
        return f"{TABLE_STYLE}\n{self._heading()}{caption}{table}"

    def _heading(self) -> str:
        return numbered_caption_html(self.label, self.title) + "\n" if self.label else ""

    def _repr_html_(self) -> str:
        # numbered when first shown, so the numbers follow the order a reader meets the tables in
        if self.numbering is not None and not self.label:
            self.label = self.numbering(self)
        return self.to_html()

    def __repr__(self) -> str:
        rows, cols = self.data.shape
        return f"<Table: {rows} rows x {cols} columns{'; ' + self.caption if self.caption else ''}>"


def report_table(data: pd.DataFrame, *, max_rows: int = 60, name: str | None = None, own_decimals=()) -> Table:
    """A table for the report: every text HTML-escaped, no index, one number of decimals per column.

    Long tables show their first ``max_rows`` rows and say where the rest is (``tables/<name>.csv`` when ``name``
    is given). ``own_decimals`` names columns of values coded in mixed units, whose numbers each keep their own
    decimals (see :class:`Table`). A table of model terms with a ``label`` column (``ModelReport.tidy()``) shows
    the label as its ``term``.
    """
    if {"term", "label"} <= set(data.columns):  # a model's terms: shown in words (the CSV keeps patsy's names)
        words = data["label"]
        data = data.drop(columns="label").assign(term=words)
    caption = ""
    if len(data) > max_rows:
        where = f"tables/{name}.csv" if name else _("the table's CSV file")
        caption = _("First {shown} of {total} rows; every row is in {where}.").format(
            shown=max_rows, total=format_number(len(data)), where=where)
    return Table(data.head(max_rows), caption=caption, own_decimals=own_decimals)
