"""Load and validate a data bundle: a folder of five CSV tables described by the codebook.

Several folders layer: the default ``data/`` first, then a researcher's folder that adds rows. Every
problem is collected (not just the first) and reported as ``file:line: column 'x': message``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import shutil
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import TABLES, Codebook, load_codebook
from .errors import Problem, StudyError, ValidationError
from .paths import CODEBOOK_PATH, DATA_DIR
from .sources import check_locators

__all__ = ["Bundle", "load_bundle", "validate_bundle", "DataWarning", "table_files", "is_current", "hand_over", "handed_over", "remove_handover"]

DATE_RE = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
SLUG_RE = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
MIN_YEAR = 1800
MAX_YEAR = date.today().year + 10  # planned programmes are allowed; a far-future year is a typo
ORIGIN_COLUMNS = ["_file", "_line"]


class DataWarning(UserWarning):
    """Something in a bundle worth knowing that is not an error (e.g. an unknown column)."""


@dataclass
class Bundle:
    """Validated, typed study tables.

    Each table is a DataFrame; ``_file`` and ``_line`` say where every row came from. Date columns keep
    the text as coded plus ``<col>_year`` and ``<col>_precision`` (year, month, day or unknown).
    """

    tables: dict[str, pd.DataFrame]
    dirs: list[Path]
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    warnings: list[str] = field(default_factory=list)
    codebook: Codebook = field(default_factory=load_codebook)

    def __getattr__(self, name):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def summary(self) -> pd.DataFrame:
        """Rows per table, the share of rows with a locator, and the sources cited."""
        rows = []
        for name in TABLES:
            df = self.tables[name]
            has_loc = "locator" in df.columns
            cited = df["source_id"].nunique() if "source_id" in df.columns else np.nan
            rows.append({
                "table": name,
                "rows": len(df),
                "with_locator": (df["locator"].fillna("").str.strip() != "").mean() if has_loc and len(df) else np.nan,
                "sources_cited": cited,
            })
        return pd.DataFrame(rows)

    def tie_ids(self) -> list[str]:
        return sorted(self.tables["ties"]["tie_id"])

    def city_name(self, city_id: str) -> str:
        cities = self.tables["cities"].set_index("city_id")
        return str(cities.at[city_id, "name"]) if city_id in cities.index else city_id

    def tie_label(self, tie_id: str) -> str:
        """Display name of a tie, e.g. 'Surabaya–Busan'."""
        ties = self.tables["ties"].set_index("tie_id")
        if tie_id not in ties.index:
            return tie_id
        row = ties.loc[tie_id]
        return f"{self.city_name(row['city_a'])}–{self.city_name(row['city_b'])}"


# ----------------------------------------------------------------------------------------------- reading


def _decode(raw: bytes, label: str, problems: list[Problem]) -> str | None:
    if not raw or raw.isspace():  # same as `not raw.strip()`, without copying a large file
        problems.append(Problem(label, 1, "", "the file is empty (expected a header line and rows)"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(
            label, line, "",
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); it looks like a Windows/Latin-1 "
            "export: save it as 'CSV UTF-8' and try again",
        ))
        return None


def _read_table(path: Path, label: str, problems: list[Problem], raw: bytes | None = None) -> pd.DataFrame | None:
    """Read one table (CSV, or the first sheet of an .xlsx) as text, with the line or sheet row of each record.

    ``raw`` is the file's bytes when the caller has read them already (to hash them).
    """
    if path.suffix == ".xlsx":
        return _read_xlsx(path, label, problems)
    raw = path.read_bytes() if raw is None else raw
    text = _decode(raw, label, problems)
    if text is None:
        return None
    fast = _read_simple_csv(text, label, raw)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        records, lines, prev = [], [], reader.line_num
        for rec in reader:
            lines.append(prev + 1)
            prev = reader.line_num
            records.append(rec)
    except csv.Error as exc:
        problems.append(Problem(label, reader.line_num, "", f"the CSV cannot be parsed: {exc}"))
        return None
    except StopIteration:
        problems.append(Problem(label, 1, "", "the file is empty (expected a header line and rows)"))
        return None
    header = [h.strip() for h in header]
    if len(header) == 1 and ";" in header[0]:
        problems.append(Problem(label, 1, "", "the file is semicolon-delimited; save it with commas as separators"))
        return None
    return _frame(header, records, lines, label, problems)


PADDING = (" ,", ", ", " \n", "\n ", "\t")


def _has_padding(text: str, raw: bytes | None = None) -> bool:
    """Whether a field may be padded: a space beside a comma or a line break, or a tab, anywhere in the file.

    On the file's bytes this is one vectorised pass instead of five scans of the text: the patterns are ASCII, and in
    UTF-8 an ASCII byte only ever stands for itself, so the bytes hold a pattern exactly when the text does.
    """
    if raw is None or len(raw) < 1 << 16:
        return any(pad in text for pad in PADDING)
    if b"\t" in raw:
        return True
    data = np.frombuffer(raw, dtype=np.uint8)
    spaces = np.flatnonzero(data == 32)
    after = data[np.minimum(spaces + 1, len(data) - 1)]
    before = data[np.maximum(spaces - 1, 0)]
    beside = ((spaces + 1 < len(data)) & ((after == 44) | (after == 10))) | ((spaces > 0) & ((before == 44) | (before == 10)))
    return bool(beside.any())


def _read_simple_csv(text: str, label: str, raw: bytes | None = None) -> pd.DataFrame | None:
    """Fast path with pyarrow's CSV parser when every record is one physical line; ``None`` for the careful path.

    The careful path (the csv module) handles quoted newlines, ragged rows and odd headers with exact line numbers.
    """
    try:  # pyarrow's parser is multi-threaded; only empty fields become missing ('NA', 'Nan' stay text)
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], engine="pyarrow")
    except Exception:  # noqa: BLE001 - any parser complaint: the careful path reports it with its line
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    raw_header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), [])
    header = list(df.columns)
    if (len(df) + 1 != lines or header != raw_header or any(h != h.strip() for h in header)
            or len(set(header)) != len(header) or (len(header) == 1 and ";" in header[0])):
        return None
    df = df.fillna("")
    line_no = np.arange(2, len(df) + 2, dtype=np.int64)
    blank = (df == "").all(axis=1).to_numpy() if len(df) else np.zeros(0, dtype=bool)
    if blank.any():
        df = df[~blank]
    if _has_padding(text, raw) or text[:1] == " ":  # padding somewhere
        df = df.apply(lambda col: col.str.strip())
    df["_file"] = label
    df["_line"] = line_no[~blank]
    return df.reset_index(drop=True)


def _frame(header, records, lines, label, problems, unit="line") -> pd.DataFrame | None:
    """Build the text DataFrame of one table, dropping blank records and flagging ragged ones."""
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        problems.append(Problem(label, 1, dup, "the column appears twice in the header"))
        return None
    ncol = len(header)
    keep_recs, keep_lines = [], []
    for rec, line in zip(records, lines):
        if not any(v.strip() for v in rec):
            continue  # blank line
        if len(rec) != ncol:
            problems.append(Problem(label, line, "", f"the row has {len(rec)} fields but the header has {ncol}"))
            continue
        keep_recs.append(rec)
        keep_lines.append(line)
    df = pd.DataFrame(keep_recs, columns=header, dtype="str") if keep_recs else pd.DataFrame(columns=header, dtype="str")
    df = df.apply(lambda s: s.str.strip()) if len(df) else df
    df["_file"] = label
    df["_line"] = np.asarray(keep_lines, dtype=np.int64)
    return df


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(path: Path, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read the first sheet of a workbook; problems name the sheet row (``label`` carries the sheet name)."""
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is a user error
        problems.append(Problem(label, 1, "", f"the workbook cannot be read ({type(exc).__name__}: {exc})"))
        return None
    ws = wb.worksheets[0]
    sheet_label = f"{label} (sheet '{ws.title}')"
    merged = [str(r) for r in ws.merged_cells.ranges if r.min_row == 1]
    if merged:
        problems.append(Problem(sheet_label, 1, "", f"the header has merged cells ({', '.join(merged)}); "
                                                  "unmerge them so each column has its own name"))
        return None
    rows = list(ws.iter_rows(values_only=True))
    if not rows or not any(v is not None for v in rows[0]):
        problems.append(Problem(sheet_label, 1, "", "the sheet is empty (expected a header row and rows)"))
        return None
    width = max((i + 1 for i, v in enumerate(rows[0]) if v is not None), default=0)
    header = [_xlsx_text(v).strip() for v in rows[0][:width]]
    records = [[_xlsx_text(v) for v in (list(r) + [None] * width)[:width]] for r in rows[1:]]
    return _frame(header, records, list(range(2, len(rows) + 1)), sheet_label, problems)


# -------------------------------------------------------------------------------------------- validation


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


def _categorical(s: pd.Series, categories: list[str]) -> pd.Categorical:
    """``pd.Categorical(s.replace("", np.nan), categories=categories)`` by codes (one hash pass, not one per row)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(u, -1) if u != "" else -1 for u in uniques] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def _suggest(value: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"'{value}' is not one of {', '.join(allowed)}{hint}"


def _check_columns(table: str, df: pd.DataFrame, cb: Codebook, file: str, problems, warns) -> bool:
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


def _check_values(table: str, df: pd.DataFrame, cb: Codebook, problems: list[Problem]) -> None:
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
        if kind == "vocab":
            allowed = cb.vocabulary(spec["vocab"])
            bad = present & ~s.isin(allowed).to_numpy()
            chk.flag(bad, col, lambda v, a=allowed: _suggest(v, a))
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
            chk.flag(present & num.isna().to_numpy(), col, lambda v: f"'{v}' is not a number of people")
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
    chk.flag(present & ~shape_ok, col,
             lambda v: f"'{v}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD at the precision the source gives")
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


def _check_rows(tables: dict[str, pd.DataFrame], cb: Codebook, problems: list[Problem]) -> None:
    """Rules across columns and tables: keys, references, dates, ties."""
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
            _Checker(df, problems).flag(
                bad.to_numpy(), col,
                lambda v, t=ref_table, c=ref_col, k=known: f"'{v}' is not a {c} in {t}.csv" + (
                    f"; did you mean '{m[0]}'?" if (m := difflib.get_close_matches(v, sorted(k), n=1)) else ""),
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
    ind = tables["indicators"]
    if {"entity_id", "entity_type"} <= set(ind.columns):
        for etype, ref in (("city", ("cities", "city_id")), ("tie", ("ties", "tie_id"))):
            known = set(tables[ref[0]][ref[1]]) if ref[1] in tables[ref[0]].columns else set()
            bad = (ind["entity_type"] == etype) & ~ind["entity_id"].isin(known)
            _Checker(ind, problems).flag(bad.to_numpy(), "entity_id",
                                         lambda v, r=ref: f"'{v}' is not a {r[1]} in {r[0]}.csv")


# ------------------------------------------------------------------------------------------------ typing


def _typed(table: str, df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Convert validated text columns to types: categories, numbers, dates with their precision."""
    df = df.copy()
    for col, spec in cb.all_columns(table).items():
        if col not in df.columns:
            df[col] = "" if spec["type"] not in ("float", "count", "year") else np.nan
        kind = spec["type"]
        s = df[col]
        if kind == "vocab":
            df[col] = _categorical(s, cb.vocabulary(spec["vocab"]))
        elif kind == "float":
            df[col] = pd.to_numeric(s.replace("", np.nan), errors="coerce").astype("float64")
        elif kind == "count":
            df[col] = _numbers(s, (s.notna() & (s != "")).to_numpy(dtype=bool)).astype("Int64")
        elif kind == "year":
            df[col] = _digits(s, (s.notna() & (s != "")).to_numpy(dtype=bool), 0, None).astype("Int64")
        elif kind == "date":
            s = s.fillna("").astype(str)
            df[col] = s
            df[f"{col}_year"] = _digits(s, (s != "").to_numpy(dtype=bool), 0, 4).astype("Int64")
            df[f"{col}_precision"] = pd.Categorical(
                np.select([s.str.len() == 10, s.str.len() == 7, s.str.len() == 4], ["day", "month", "year"], "unknown"),
                categories=["year", "month", "day", "unknown"],
            )
        else:
            df[col] = s.fillna("").astype(str)
    if table == "activities":
        df["stage"] = df["stage"].fillna("implemented")
    return df.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ public


TRUE_WORDS = {"yes", "true", "1", "y"}


def _merge_layers(table: str, frames: list[pd.DataFrame], cb: Codebook, problems: list[Problem]) -> list[pd.DataFrame]:
    """Layer later folders over earlier ones by key.

    A later row with an id already present is dropped when it repeats the earlier row exactly, replaces it when
    its ``override`` column says yes, and is an error otherwise (the message says how to override).
    """
    key = cb.key(table)
    if not key or len(frames) < 2:
        return frames
    merged = [frames[0]]
    contract = [c for c in cb.all_columns(table) if c != "override"]
    for layer in frames[1:]:
        if key not in layer.columns:
            merged.append(layer)
            continue
        earlier = pd.concat(merged, ignore_index=True)
        seen = earlier.drop_duplicates(key, keep="last").set_index(key)
        clash = layer[key].isin(seen.index)
        wants = layer.get("override", pd.Series("", index=layer.index)).fillna("").str.lower().isin(TRUE_WORDS)
        same = pd.Series(False, index=layer.index)
        for i in layer.index[clash]:
            cols = [c for c in contract if c in layer.columns and c in seen.columns]
            same[i] = all(str(layer.at[i, c]) == str(seen.at[layer.at[i, key], c]) for c in cols)
        for _, row in layer[clash & ~same & ~wants].iterrows():
            k = row[key]
            problems.append(Problem(
                row["_file"], int(row["_line"]), key,
                f"'{k}' is already in {seen.at[k, '_file']} (line {seen.at[k, '_line']}); to replace that row on "
                "purpose, add a column 'override' and write 'yes' in this row; otherwise choose another id"))
        replaced = set(layer.loc[clash & wants, key])
        merged = [m[~m[key].isin(replaced)] for m in merged]
        merged.append(layer[~clash | wants])  # clashes are reported above or identical repeats
    return merged


def _folders(dirs) -> list[Path]:
    return [Path(d).expanduser().resolve() for d in dirs] if dirs else [DATA_DIR]


def _table_paths(folder: Path, table: str) -> list[Path]:
    """Where a bundle folder may hold ``table``: as CSV or as an Excel workbook."""
    return [folder / f"{table}{ext}" for ext in (".csv", ".xlsx")]


def _resolve_dirs(dirs) -> list[Path]:
    out = _folders(dirs)
    for d in out:
        if not d.is_dir():
            raise StudyError(f"{d}: no such data folder")
    return out


def validate_bundle(*dirs, codebook: Codebook | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem], list[str], dict[str, str]]:
    """Read and check bundle folders; return raw tables, problems, warnings and file hashes.

    The first folder must hold all five tables; later folders (a researcher's own rows) may hold any of them.
    """
    cb = codebook or load_codebook()
    paths = _resolve_dirs(dirs)
    problems: list[Problem] = []
    warns: list[str] = []
    hashes: dict[str, str] = {}
    layers: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    for i, folder in enumerate(paths):
        for table in TABLES:
            found = [path for path in _table_paths(folder, table) if path.exists()]
            label_of = (lambda p: p.name) if i == 0 else (lambda p, f=folder: f"{f.name}/{p.name}")
            if len(found) > 1:
                problems.append(Problem(label_of(found[0]), 1, "", f"both {table}.csv and {table}.xlsx exist; keep one"))
                continue
            if not found:
                if i == 0:
                    problems.append(Problem(f"{table}.csv", 0, "", f"the table is missing from {folder}"))
                continue
            path = found[0]
            raw = path.read_bytes()
            hashes[str(path)] = hashlib.sha256(raw).hexdigest()
            df = _read_table(path, label_of(path), problems, raw=raw)
            del raw
            if df is None:
                continue
            label = df["_file"].iat[0] if len(df) else label_of(path)
            if not _check_columns(table, df, cb, label, problems, warns):
                continue
            if len(df) == 0 and i == 0 and table != "indicators":
                problems.append(Problem(label, 1, "", "the table has a header but no rows"))
            layers[table].append(df)
    tables = {}
    for table in TABLES:
        cols = list(cb.columns(table)) + ORIGIN_COLUMNS
        frames = _merge_layers(table, layers[table], cb, problems)
        tables[table] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
        as_text = {c: "str" for c in tables[table].columns if c != "_line" and tables[table][c].dtype != "str"}
        if as_text:  # columns already of the text dtype need no copy
            tables[table] = tables[table].astype(as_text)
    for table, df in tables.items():
        _check_values(table, df, cb, problems)
    _check_rows(tables, cb, problems)
    check_locators(tables, paths, problems)  # locators against archived source texts (sources.py)
    return tables, sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.message)), warns, hashes


def load_bundle(*dirs, codebook: Codebook | None = None) -> Bundle:
    """Load, validate and type one or more bundle folders (default: the study's ``data/``).

    Parameters
    ----------
    *dirs : path-like
        Bundle folders, layered in order: the default data first, then a researcher's folder.

    Returns
    -------
    Bundle
        Typed tables plus the SHA-256 of every file read.

    Raises
    ------
    ValidationError
        With every problem found, each naming file, line and column.
    """
    cb = codebook or load_codebook()
    tables, problems, warns, hashes = validate_bundle(*dirs, codebook=cb)
    if problems:
        raise ValidationError(problems)
    for w in warns:
        warnings.warn(w, DataWarning, stacklevel=2)
    typed = {t: _typed(t, df, cb) for t, df in tables.items()}
    return Bundle(tables=typed, dirs=_resolve_dirs(dirs), files=hashes, warnings=warns, codebook=cb)


# ------------------------------------------------------------------------------------ validated once per run

HANDOVER_DIR = ".studylib-validated"  # in a run's output folder while its notebook runs


def table_files(*dirs) -> dict[str, str] | None:
    """SHA-256 of every table file the bundle folders hold now, by path: what :attr:`Bundle.files` records when the
    same folders load. Missing folders add nothing (loading reports them); ``None`` if a file cannot be read."""
    found = {}
    for folder in _folders(dirs):
        for table in TABLES:
            for path in _table_paths(folder, table):
                try:
                    found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError:
                    return None
    return found


def _key(dirs: list, files: dict) -> dict:
    """What a validation depends on: the folders, every table file's SHA-256, the codebook's and the latest valid year."""
    return {"dirs": [str(d) for d in dirs], "files": files, "max_year": MAX_YEAR,
            "codebook": hashlib.sha256(Path(CODEBOOK_PATH).read_bytes()).hexdigest()}


def _current_key(dirs) -> dict | None:
    files = table_files(*dirs)
    return None if files is None else _key(_folders(dirs), files)


def is_current(bundle: Bundle, *dirs) -> bool:
    """Whether ``bundle`` was validated in this process from exactly the table files ``dirs`` hold now (same folders,
    same bytes): if so, validating them again would give the same bundle.

    The codebook (loaded once per process) and the latest valid year (fixed when this module loads) are the ones
    the bundle was validated with; across processes :func:`handed_over` compares them too.
    """
    files = table_files(*dirs)
    return files is not None and files == bundle.files and _folders(dirs) == list(bundle.dirs)


def hand_over(bundle: Bundle, folder: str | Path) -> Path:
    """Leave a validated bundle in a run's output folder for the notebook kernel the runner starts next.

    The runner has just validated these bytes; the kernel takes the bundle over (see :func:`handed_over`) instead of
    validating them again, and the runner deletes the folder written here when the notebook has run. The tables
    are Arrow files (types kept exactly; reading them runs no code), beside a JSON record of what was validated.
    """
    path = Path(folder) / HANDOVER_DIR
    path.mkdir()
    for name, table in bundle.tables.items():
        table.to_feather(path / f"{name}.arrow")
    record = {**_key(bundle.dirs, bundle.files), "warnings": bundle.warnings}
    (path / "validated.json").write_text(json.dumps(record), encoding="utf-8")
    return path


def handed_over(folder: str | Path, *dirs) -> Bundle | None:
    """The bundle the runner left in ``folder``, if it was validated from exactly the files ``dirs`` hold now.

    Every table file is hashed again and compared with the hashes of the bytes that were validated, together with
    the folders, the codebook and the year; any difference (an edit, a new file in a layer, other folders) returns
    ``None``, and the caller validates afresh. The bundle's warnings are issued again, as loading would.
    """
    path = Path(folder) / HANDOVER_DIR
    try:
        record = json.loads((path / "validated.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    warns = record.pop("warnings", None)
    if not isinstance(warns, list) or record != _current_key(dirs):
        return None
    try:
        tables = {name: pd.read_feather(path / f"{name}.arrow") for name in TABLES}
    except (OSError, ValueError):
        return None
    for w in warns:
        warnings.warn(w, DataWarning, stacklevel=3)
    return Bundle(tables=tables, dirs=_folders(dirs), files=record["files"], warnings=warns, codebook=load_codebook())


def remove_handover(folder: str | Path) -> None:
    """Delete what :func:`hand_over` left in ``folder`` (if anything)."""
    shutil.rmtree(Path(folder) / HANDOVER_DIR, ignore_errors=True)
