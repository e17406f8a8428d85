"""Dates as the sources give them: a plain date at its precision, or an uncertain one in EDTF.

Plain dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``. When a source dates something only loosely, the coder
writes what it says in the Library of Congress Extended Date/Time Format (EDTF, ISO 8601-2), never in a home-made
syntax:

- an interval ``2007/2023`` (some time from 2007 to 2023; either side may be a month or a day, ``2007-07/2008``);
- one of a set ``[2008..2023]`` (EDTF level 2: a single date, one of those from 2008 to 2023, not known which);
- before / after: ``../2008`` (2008 or earlier), ``2008/..`` (2008 or later); an empty side (``/2008``) means
  unknown and reads the same way;
- approximate ``2011~``, uncertain ``2011?``, or both ``2011%`` (on a whole date: ``2011-03~``).

:func:`year_window` gives the years such a value allows. Yearly analyses place only plain dates in a year; an
uncertain one is known only within its window, and a sensitivity analysis may impute a year inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["EdtfDate", "parse_date", "year_window", "is_uncertain", "uncertain_dates", "date_problem", "APPROXIMATE_YEARS",
           "PLAIN_DATE_RE"]

PLAIN_DATE_RE = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
_PLAIN = re.compile(PLAIN_DATE_RE)
_QUALIFIED = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)([~?%])$")
OPEN = ".."

#: Years either side of an approximate or uncertain date (``2011~`` -> 2010-2012). EDTF gives ``~`` and ``?`` no
#: width; this is the study's assumption, a parameter of :func:`year_window`.
APPROXIMATE_YEARS = 1


@dataclass(frozen=True)
class EdtfDate:
    """A parsed date: ``kind`` is 'plain', 'qualified' (``~``/``?``/``%``), 'interval' or 'one_of' (``[a..b]``).

    ``lower`` / ``upper`` are the plain-date texts bounding it (``None`` for an open or unknown side);
    ``qualifier`` is the EDTF mark of a qualified date.
    """

    text: str
    kind: str
    lower: str | None
    upper: str | None
    qualifier: str = ""


class DateError(ValueError):
    """A text that is not a date the codebook accepts (the message says what to write)."""


HOW = ("write YYYY, YYYY-MM or YYYY-MM-DD at the precision the source gives, or an EDTF uncertain date: "
       "2007/2023, [2008..2023], ../2008, 2008/.., 2011~ or 2011?")
_ONE_OF = re.compile(r"^\[([^\[\],]+)\.\.([^\[\],]+)\]$")


def _plain_problem(text: str, *, min_year: int, max_year: int) -> str | None:
    m = _PLAIN.match(text)
    if not m:
        return "is not a date"
    y, mo, d = (int(g) if g else None for g in m.groups())
    if not min_year <= y <= max_year:
        return f"year outside {min_year}–{max_year}; is it a typo?"
    if mo is not None and not 1 <= mo <= 12:
        return f"has no month {m.group(2)} (months run 01–12)"
    if d is not None:
        try:
            date(y, mo, d)
        except ValueError:
            return "is not a calendar date"
    return None


def _key(text: str, pad: str) -> str:
    """Comparable key of a plain date, padded to the start ('lo') or end ('hi') of its period."""
    fill = {"lo": ("-01", "-01"), "hi": ("-12", "-31")}[pad]
    if len(text) == 4:
        return text + fill[0] + fill[1]
    return text + fill[1] if len(text) == 7 else text


def parse_date(value: str, *, min_year: int = 1800, max_year: int | None = None) -> EdtfDate | None:
    """Parse a coded date; ``None`` for an empty cell.

    Raises
    ------
    DateError
        With a message naming what is wrong (shape, month, calendar day, year range, reversed interval).
    """
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    max_year = date.today().year + 10 if max_year is None else max_year
    one_of = _ONE_OF.match(text)
    if one_of:  # EDTF "one of a set", written as a range of plain dates: one date, not known which
        lo, hi = one_of.groups()
        for side in (lo, hi):
            problem = _plain_problem(side, min_year=min_year, max_year=max_year)
            if problem:
                raise DateError(f"'{text}' is not a valid set: '{side}' {problem}")
        if _key(hi, "hi") < _key(lo, "lo"):
            raise DateError(f"'{text}' is a set whose last date is before its first")
        return EdtfDate(text, "one_of", lo, hi)
    if "/" in text:
        if text.count("/") != 1:
            raise DateError(f"'{text}' is not a date: an EDTF interval has one '/' ({HOW})")
        lo, hi = text.split("/")
        sides = []
        for side in (lo, hi):
            if side in ("", OPEN):
                sides.append(None)
                continue
            problem = _plain_problem(side, min_year=min_year, max_year=max_year)
            if problem:
                raise DateError(f"'{text}' is not a valid interval: '{side}' {problem}"
                                + (f" ({HOW})" if problem == "is not a date" else ""))
            sides.append(side)
        if sides == [None, None]:
            raise DateError(f"'{text}' has no known side; leave the cell empty when the source gives no date")
        if None not in sides and _key(sides[1], "hi") < _key(sides[0], "lo"):
            raise DateError(f"'{text}' is an interval whose end is before its start")
        return EdtfDate(text, "interval", sides[0], sides[1])
    q = _QUALIFIED.match(text)
    if q:
        problem = _plain_problem(q.group(1), min_year=min_year, max_year=max_year)
        if problem:
            raise DateError(f"'{text}': '{q.group(1)}' {problem}")
        return EdtfDate(text, "qualified", q.group(1), q.group(1), q.group(2))
    problem = _plain_problem(text, min_year=min_year, max_year=max_year)
    if problem:
        if problem == "is not a date":
            raise DateError(f"'{text}' is not a date: {HOW}")
        if problem.startswith("year outside"):
            raise DateError(f"year in '{text}' is outside {min_year}–{max_year}; is it a typo?")
        if problem.startswith("has no month"):
            raise DateError(f"'{text}' {problem}")
        raise DateError(f"'{text}' is not a calendar date")
    return EdtfDate(text, "plain", text, text)


def is_uncertain(value: str) -> bool:
    """Whether a coded date is an EDTF interval, open end or qualified date (not a plain date, not empty)."""
    text = "" if value is None else str(value).strip()
    return bool(text) and not _PLAIN.match(text)


def uncertain_dates(values: pd.Series, *, undated: bool = False) -> np.ndarray:
    """:func:`is_uncertain` for a column of coded dates, as a boolean array; with ``undated``, an empty or missing
    date counts too. Each distinct value is looked at once (a million rows hold few distinct dates)."""
    codes, distinct = pd.factorize(pd.Series(values, copy=False))  # missing -> -1
    flags = np.array([(undated and str(v) == "") or is_uncertain(v) for v in distinct] + [undated], dtype=bool)
    return flags[np.where(codes < 0, len(flags) - 1, codes)]


def year_window(value: str, *, approximate: int = APPROXIMATE_YEARS) -> tuple[int | None, int | None]:
    """Earliest and latest year a coded date allows; ``None`` for an open or unknown side.

    A plain date gives its year twice (``'2012-11-03'`` -> ``(2012, 2012)``); ``'2007/2023'`` -> ``(2007, 2023)``;
    ``'[2008..2023]'`` -> ``(2008, 2023)``; ``'../2008'`` -> ``(None, 2008)``; ``'2011~'`` and ``'2011?'`` -> ``(2010, 2012)`` with the default
    ``approximate=1``. An empty cell gives ``(None, None)``.

    Raises
    ------
    ValueError
        For text that is not a valid date (see :func:`parse_date`), or a negative ``approximate``.
    """
    if approximate < 0:
        raise ValueError("approximate must be a number of years >= 0")
    parsed = parse_date(value, min_year=0, max_year=9999)
    if parsed is None:
        return (None, None)
    lo = int(parsed.lower[:4]) if parsed.lower else None
    hi = int(parsed.upper[:4]) if parsed.upper else None
    if parsed.kind == "qualified":
        lo, hi = lo - approximate, hi + approximate
    return (lo, hi)


def date_problem(value: str, *, min_year: int, max_year: int) -> str | None:
    """The validator's message for a coded date, or ``None`` when it is empty or valid."""
    try:
        parse_date(value, min_year=min_year, max_year=max_year)
    except DateError as exc:
        return str(exc)
    return None


def window_columns(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``year_window`` of every value of a validated text column, as two nullable integer columns (earliest, latest).

    Plain dates are read by slicing (vectorised); only the few uncertain ones are parsed one by one.
    """
    s = s.fillna("").astype(str)
    plain = s.str.match(PLAIN_DATE_RE).to_numpy(dtype=bool)
    lo = np.full(len(s), np.nan)
    hi = np.full(len(s), np.nan)
    if plain.any():
        years = pd.to_numeric(s[plain].str[:4], errors="coerce").to_numpy(dtype=float)
        lo[plain] = years
        hi[plain] = years
    for i in np.flatnonzero(~plain & (s != "").to_numpy(dtype=bool)):
        try:
            a, b = year_window(s.iat[i])
        except ValueError:
            continue
        lo[i] = np.nan if a is None else a
        hi[i] = np.nan if b is None else b
    return (pd.Series(lo, index=s.index).astype("Int64"), pd.Series(hi, index=s.index).astype("Int64"))


def end_before_start(start: str, end: str) -> bool:
    """Whether ``end`` is certainly before ``start``: its latest possible day precedes the start's earliest.

    Unknown or open sides never conflict; invalid texts are reported elsewhere and return False.
    """
    try:
        s, e = parse_date(start, min_year=0, max_year=9999), parse_date(end, min_year=0, max_year=9999)
    except DateError:
        return False
    if s is None or e is None or s.lower is None or e.upper is None:
        return False
    s_lo, e_hi = s.lower, e.upper
    if s.kind == "qualified" or e.kind == "qualified":  # approximate: compare years with their slack
        return int(e_hi[:4]) + APPROXIMATE_YEARS < int(s_lo[:4]) - APPROXIMATE_YEARS
    return _key(e_hi, "hi") < _key(s_lo, "lo")


def earliest_year(value: str) -> int | None:
    """The earliest year a valid coded date allows (``None`` when empty, open or invalid)."""
    try:
        return year_window(value)[0]
    except ValueError:
        return None
