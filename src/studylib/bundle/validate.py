"""Check a bundle's text tables against the codebook: every problem found, each located by file, line and column.

Nothing is raised here: the checks collect :class:`~studylib.errors.Problem` records (and warnings for what is not
an error) for :func:`studylib.validate_bundle` to return.
"""

from __future__ import annotations

import difflib
import re
from datetime import date

import numpy as np
import pandas as pd

from ..errors import Problem
from . import dates
from .codebook import Codebook
from .read import ORIGIN_COLUMNS

__all__ = ["check_columns", "check_values", "check_rows", "DATE_RE", "ID_RE", "SLUG_RE", "MIN_YEAR", "MAX_YEAR"]

DATE_RE = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
SLUG_RE = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
MIN_YEAR = 1800
MAX_YEAR = date.today().year + 10  # planned programmes are allowed; a far-future year is a typo


class _Checker:
    """Collects problems for one table, vectorised over its rows."""

    def __init__(self, df: pd.DataFrame, problems: list[Problem]):
        self.df = df
        self.problems = problems

    def flag(self, mask, column: str, message) -> None:
        """Record a problem for every row where ``mask`` is true; ``message`` may be a function of the value."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        sub = self.df.loc[mask, ["_file", "_line", column] if column in self.df.columns else ["_file", "_line"]]
        for rec in sub.itertuples(index=False):
            value = rec[2] if len(rec) > 2 else None
            text = message(value) if callable(message) else message
            self.problems.append(Problem(rec[0], int(rec[1]), column, text))


def _numbers(s: pd.Series, mask: np.ndarray) -> pd.Series:
    """``pd.to_numeric(s.where(mask), errors="coerce")``, parsing only the masked values (most may be empty)."""
    if mask.all() or not mask.any():
        return pd.to_numeric(s.where(mask), errors="coerce")
    out = np.full(len(s), np.nan)
    out[mask] = pd.to_numeric(s[mask], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(out, index=s.index)


def _digits(s: pd.Series, mask: np.ndarray, start: int, stop: int) -> pd.Series:
    """``pd.to_numeric(s.str[start:stop].where(mask), errors="coerce")`` where the masked slices are digits.

    Arrow-backed text is cast in one vectorised call; anything else, or a slice Arrow cannot read as a whole number
    (which the regular expressions can let through, e.g. non-ASCII digits), takes the general path.
    """
    general = lambda: pd.to_numeric(s.str[start:stop].where(mask), errors="coerce")  # noqa: E731
    arrow = getattr(s.array, "_pa_array", None)
    if arrow is None or not mask.any():
        return general()
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        picked = arrow.filter(pa.array(mask))
        values = pc.cast(pc.utf8_slice_codeunits(picked, start, stop), pa.int64())
        if values.null_count:
            return general()
        values = values.to_numpy()
    except Exception:  # noqa: BLE001 - e.g. '١٩٩٠': let pandas parse it as before
        return general()
    out = np.full(len(s), np.nan)
    out[mask] = values
    return pd.Series(out, index=s.index)



def _suggest(value: str, allowed: list[str], aliases: dict | None = None) -> str:
    alias = (aliases or {}).get(value.strip().lower())
    close = [alias] if alias in allowed else difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    if alias in allowed:
        hint += " (the codebook's words are English)"
    return f"'{value}' is not one of {', '.join(allowed)}{hint}"


def _latin(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin letter (accents allowed: 'Sürabaya', 'Łódź')."""
    import unicodedata

    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def _edits(a: str, b: str) -> int:
    """Levenshtein distance of two short strings (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _close_id(value: str, known) -> str | None:
    """The known id ``value`` is a typo of (a few edits apart, or a tie id with its cities swapped), else None.

    Ids share prefixes and suffixes ('-2019'), so a loose similarity would suggest an unrelated id."""
    parts = value.split("-")
    if len(parts) == 2 and f"{parts[1]}-{parts[0]}" in known:
        return f"{parts[1]}-{parts[0]}"
    candidates = difflib.get_close_matches(value, known, n=5, cutoff=0.6)  # cheap first pass, as many ids as rows
    best = min(candidates, key=lambda k: (_edits(value, k), k), default=None)
    return best if best is not None and _edits(value, best) <= max(1, len(value) // 6) else None


_QUALIFIED = re.compile(r"^(?:(~|±|ca\.?|circa|about|approx\.?|approximately|around|sekitar|kurang lebih|kira-kira)"
                        r"|(>=?|≥|more than|over|at least|lebih dari|minimal))?\s*(\d+)\s*(\+|lebih)?$", re.IGNORECASE)


def _count_message(value: str) -> str:
    """Why ``value`` is not a number of people, with the fix when it is a qualified count ('~30', '50+')."""
    m = _QUALIFIED.match(value.strip())
    if m and (m.group(1) or m.group(2) or m.group(4)):
        qualifier = "about" if m.group(1) else "at_least"
        return (f"'{value}' is not a number of people: write {m.group(3)} here and '{qualifier}' in "
                "participants_qualifier")
    return f"'{value}' is not a number of people"


def check_columns(table: str, df: pd.DataFrame, cb: Codebook, file: str, problems, warns) -> bool:
    required = list(cb.columns(table))
    known = set(cb.all_columns(table)) | set(ORIGIN_COLUMNS)
    missing = [c for c in required if c not in df.columns]
    for c in missing:
        close = difflib.get_close_matches(c, [h for h in df.columns if h not in known], n=1)
        hint = f" (is '{close[0]}' a misspelling?)" if close else ""
        problems.append(Problem(file, 1, c, f"required column is missing{hint}"))
    for c in df.columns:
        if c not in known:
            warns.append(f"{file}:1: column '{c}': unknown column, ignored")
    return not missing


def check_values(table: str, df: pd.DataFrame, cb: Codebook, problems: list[Problem]) -> None:
    """Check each value of one table against its column's type, vocabulary and bounds."""
    chk = _Checker(df, problems)
    for col, spec in cb.all_columns(table).items():
        if col not in df.columns:
            continue
        s = df[col].fillna("")
        empty = (s == "").to_numpy()
        if spec.get("required"):
            chk.flag(empty, col, "a value is required")
        kind = spec["type"]
        present = ~empty
        if spec.get("script") == "latin":
            foreign = present & s.str.contains(r"[^\x00-\x7f]", regex=True).to_numpy(dtype=bool)
            if foreign.any():
                foreign[foreign] = [not _latin(v) for v in s[foreign]]
                chk.flag(foreign, col, lambda v: f"'{v}' is not in Latin script: write the name in Latin letters here "
                                                 "and the local script in name_local")
        if kind == "vocab":
            allowed = cb.vocabulary(spec["vocab"])
            bad = present & ~s.isin(allowed).to_numpy()
            aliases = (cb.spec.get("aliases") or {}).get(spec["vocab"], {})
            chk.flag(bad, col, lambda v, a=allowed, al=aliases: _suggest(v, a, al))
        elif kind == "id":
            chk.flag(present & ~s.str.match(ID_RE).to_numpy(), col,
                     lambda v: f"'{v}' is not a valid id (letters, digits, '_', '-', '.', no spaces)")
        elif kind == "slug":
            chk.flag(present & ~s.str.match(SLUG_RE).to_numpy(), col,
                     lambda v: f"'{v}' is not a slug (lower-case ASCII letters and digits joined by '_')")
        elif kind == "country":
            chk.flag(present & ~s.str.match(r"^[A-Z]{2}$").to_numpy(), col,
                     lambda v: f"'{v}' is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. ID, KR)")
        elif kind == "float":
            num = pd.to_numeric(s.where(present), errors="coerce")
            comma = s.str.match(r"^-?\d+,\d+$").to_numpy()
            chk.flag(present & comma, col, lambda v: f"'{v}' uses a decimal comma; write it with a dot ({v.replace(',', '.')})")
            chk.flag(present & ~comma & num.isna().to_numpy(), col, lambda v: f"'{v}' is not a number")
            lo, hi = spec.get("min"), spec.get("max")
            if lo is not None:
                chk.flag((num < lo).to_numpy(), col, lambda v, lo=lo: f"{v} is below the minimum {lo}")
            if hi is not None:
                chk.flag((num > hi).to_numpy(), col, lambda v, hi=hi: f"{v} is above the maximum {hi}")
        elif kind == "count":
            num = _numbers(s, present)
            chk.flag(present & num.isna().to_numpy(), col, _count_message)
            chk.flag((num < 0).to_numpy(), col, lambda v: f"{v} is negative; a count of people cannot be")
            chk.flag(((num >= 0) & (num % 1 != 0)).to_numpy(), col, lambda v: f"{v} is fractional; a count of people is a whole number")
        elif kind == "year":
            ok = s.str.match(r"^\d{4}$").to_numpy()
            chk.flag(present & ~ok, col, lambda v: f"'{v}' is not a year (YYYY)")
            yr = _digits(s, present & ok, 0, 4)
            chk.flag(((yr < MIN_YEAR) | (yr > MAX_YEAR)).to_numpy(), col,
                     lambda v: f"year {v} is outside {MIN_YEAR}–{MAX_YEAR}; is it a typo?")
        elif kind == "date":
            _check_dates(chk, s, present, col)


def _check_dates(chk: _Checker, s: pd.Series, present: np.ndarray, col: str) -> None:
    shape_ok = s.str.match(DATE_RE).to_numpy()
    other = present & ~shape_ok
    if other.any():  # EDTF uncertain dates and malformed text: checked one by one (they are few) in dates.py
        said = {v: dates.date_problem(v, min_year=MIN_YEAR, max_year=MAX_YEAR) for v in set(s[other])}
        chk.flag(other & s.map(lambda v: said.get(v) is not None).to_numpy(dtype=bool), col, lambda v: said[v])
    ok = present & shape_ok
    length = s.str.len().to_numpy()
    y = _digits(s, ok, 0, 4)
    m = _digits(s, ok & (length >= 7), 5, 7)
    d = _digits(s, ok & (length == 10), 8, 10)
    chk.flag(((y < MIN_YEAR) | (y > MAX_YEAR)).to_numpy(), col,
             lambda v: f"year in '{v}' is outside {MIN_YEAR}–{MAX_YEAR}; is it a typo?")
    chk.flag(((m < 1) | (m > 12)).to_numpy(), col, lambda v: f"'{v}' has no month {v[5:7]} (months run 01–12)")
    has_day = (d.notna() & m.between(1, 12)).to_numpy()
    if has_day.any():
        full = pd.to_datetime(s.where(has_day), format="%Y-%m-%d", errors="coerce")
        chk.flag(has_day & full.isna().to_numpy(), col, lambda v: f"'{v}' is not a calendar date")


def _date_key(s: pd.Series, pad: str) -> pd.Series:
    """Comparable text key of a partial date, padded to the start ('lo') or end ('hi') of its period."""
    fill = {"lo": ("-01", "-01"), "hi": ("-12", "-31")}[pad]
    out = s.where(s.str.len() != 4, s + fill[0] + fill[1])
    return out.where(out.str.len() != 7, out + fill[1])


def _table_files(df: pd.DataFrame, table: str) -> str:
    """The file names a table was read from, for messages ('sources.csv', or 'sources.xlsx' for a workbook)."""
    names = sorted({str(f).split(" (sheet ")[0].rsplit("/", 1)[-1] for f in df.get("_file", [])} - {""})
    return " or ".join(names) if names else f"{table}.csv"


def check_rows(tables: dict[str, pd.DataFrame], cb: Codebook, problems: list[Problem]) -> None:
    """Check the rules across columns and tables: unique keys, references, dates in order, ties named by their cities
    (checked on the whole bundle, after :func:`check_values` on each table)."""
    for table, df in tables.items():
        key = cb.key(table)
        if key and key in df.columns:
            dup = df[key].ne("") & df.duplicated(key, keep="first")
            if not dup.any():
                continue
            first_line = df.drop_duplicates(key).set_index(key)["_line"]
            first_file = df.drop_duplicates(key).set_index(key)["_file"]
            _Checker(df, problems).flag(
                dup.to_numpy(), key,
                lambda v: f"duplicate id '{v}' (first at {first_file[v]}:{first_line[v]}); ids must be unique",
            )
    for table, df in tables.items():
        for col, spec in cb.all_columns(table).items():
            if spec["type"] != "ref" or col not in df.columns:
                continue
            ref_table, ref_col = spec["ref"].split(".")
            known = set(tables[ref_table][ref_col]) if ref_col in tables[ref_table].columns else set()
            s = df[col].fillna("")
            bad = (s != "") & ~s.isin(known)
            where = _table_files(tables[ref_table], ref_table)
            _Checker(df, problems).flag(
                bad.to_numpy(), col,
                lambda v, w=where, c=ref_col, k=known: f"'{v}' is not a {c} in {w}" + (
                    f"; did you mean '{m}'?" if (m := _close_id(v, sorted(k))) else ""),
            )
    ties = tables["ties"]
    if {"tie_id", "city_a", "city_b"} <= set(ties.columns):
        chk = _Checker(ties, problems)
        same = (ties["city_a"] != "") & (ties["city_a"] == ties["city_b"])
        chk.flag(same.to_numpy(), "city_b", lambda v: f"a tie from a city to itself ('{v}')")
        expected = ties["city_a"] + "-" + ties["city_b"]
        wrong = ~same & (ties["tie_id"] != expected)
        exp = dict(zip(ties["tie_id"], expected))
        chk.flag(wrong.to_numpy(), "tie_id",
                 lambda v: f"tie id '{v}' disagrees with its cities; it should be '{exp.get(v, '<city_a>-<city_b>')}'")
    acts = tables["activities"]
    if {"start", "end", "until"} <= set(acts.columns):
        chk = _Checker(acts, problems)
        start, end, until = acts["start"].fillna(""), acts["end"].fillna(""), acts["until"].fillna("")
        valid = start.str.match(DATE_RE) & end.str.match(DATE_RE)
        before = valid & (_date_key(end, "hi") < _date_key(start, "lo"))
        chk.flag(before.to_numpy(), "end", lambda v: f"end '{v}' is before start")
        valid_u = start.str.match(DATE_RE) & until.str.match(r"^\d{4}$")
        before_u = valid_u & (until < start.str[:4])
        chk.flag(before_u.to_numpy(), "until", lambda v: f"until {v} is before the start year")
        loose = (start.str.contains(r"[/~?%]") | end.str.contains(r"[/~?%]")).to_numpy(dtype=bool)
        for i in np.flatnonzero(loose):  # uncertain dates (EDTF): compare what they allow (dates.py)
            if dates.end_before_start(start.iat[i], end.iat[i]):
                chk.flag(np.arange(len(acts)) == i, "end", lambda v: f"end '{v}' is before the earliest start")
            first = dates.earliest_year(start.iat[i])
            if first is not None and until.iat[i].isdigit() and int(until.iat[i]) < first:
                chk.flag(np.arange(len(acts)) == i, "until", lambda v: f"until {v} is before the earliest start year")
    for ind in (tables["indicators"], tables["findings"]):  # both describe entities by id and type
        if not {"entity_id", "entity_type"} <= set(ind.columns):
            continue
        for etype, ref in (("city", ("cities", "city_id")), ("tie", ("ties", "tie_id"))):
            known = set(tables[ref[0]][ref[1]]) if ref[1] in tables[ref[0]].columns else set()
            bad = (ind["entity_type"] == etype) & ~ind["entity_id"].isin(known)
            where = _table_files(tables[ref[0]], ref[0])
            _Checker(ind, problems).flag(bad.to_numpy(), "entity_id",
                                         lambda v, r=ref, w=where: f"'{v}' is not a {r[1]} in {w}")
        bad = (ind["entity_type"] == "country") & ~ind["entity_id"].str.match(r"^[A-Z]{2}$")
        _Checker(ind, problems).flag(bad.to_numpy(), "entity_id",
                                     lambda v: f"'{v}' is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. KR)")
