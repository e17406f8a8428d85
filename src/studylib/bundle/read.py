"""Read one table file (CSV, or the first sheet of an .xlsx) as text, with the file and line of every record.

The columns stay text here; :mod:`studylib.bundle.validate` checks them and :mod:`studylib.bundle` types them. A CSV takes
the fast path (:mod:`studylib.bundle.read_arrow`) when it can, else the careful path below (the csv module).
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from .read_arrow import read_simple_csv

__all__ = ["read_table", "read_records", "ORIGIN_COLUMNS"]

ORIGIN_COLUMNS = ["_file", "_line"]


def read_records(text: str) -> tuple[list[str], list[tuple[dict, tuple[int, int]]]]:
    """Header and ``(row, (first line, last line))`` of every non-blank record of a CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    out, prev = [], reader.line_num
    for rec in reader:
        first, prev = prev + 1, reader.line_num
        if any(v.strip() for v in rec):
            out.append((dict(zip(header, rec)), (first, prev)))
    return header, out


def _decode(raw: bytes, label: str, problems: list[Problem]) -> str | None:
    if not raw or raw.isspace():  # same as `not raw.strip()`, without copying a large file
        problems.append(Problem(label, 1, "", "the file is empty (expected a header line and rows)"))
        return None
    if raw[:4] == b"PK\x03\x04":  # a zip archive: an .xlsx workbook saved (or renamed) with a .csv name
        stem = label.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        problems.append(Problem(label, 1, "", "the file is an Excel workbook (.xlsx) under a .csv name, not a CSV: "
                                f"rename it to {stem}.xlsx, or open it in Excel and save it as 'CSV UTF-8'"))
        return None
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the old binary Excel format (.xls)
        problems.append(Problem(label, 1, "", "the file is an old Excel workbook (.xls) under a .csv name, not a CSV: "
                                "open it in Excel and save it as 'CSV UTF-8'"))
        return None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:200]:  # Excel's 'Unicode Text' and the like
        problems.append(Problem(label, 1, "", "the file is UTF-16, not UTF-8: save it as 'CSV UTF-8' and try again"))
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


#: Tables parsed in this process, by their file's bytes: a bundle loaded again (the coding workbench after each save,
#: each coder's folder over the same study data, each variant coding) parses only the files whose bytes changed.
#: Only tables read without a problem are kept, the last :data:`KEEP_PARSED` of them, none from a file over
#: :data:`KEEP_PARSED_BYTES` (a few MB in all: a large table is parsed each time rather than held in memory).
KEEP_PARSED = 32
KEEP_PARSED_BYTES = 256 << 10
_PARSED: OrderedDict = OrderedDict()
_PARSED_LOCK = threading.Lock()  # the runner's Dask executor loads bundles in threads


def read_table(path: Path, label: str, problems: list[Problem], raw: bytes | None = None,
               digest: str | None = None) -> pd.DataFrame | None:
    """Read one table (CSV, or the first sheet of an .xlsx) as text, with the line or sheet row of each record.

    ``raw`` is the file's bytes when the caller has read them already, and ``digest`` their SHA-256 when it has
    hashed them (:func:`studylib.bundle.load.validate_bundle` records it). The same bytes under the same
    label give the same table, so a file read before is not parsed again (a copy is returned: what the caller does
    to it stays with the caller).
    """
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > KEEP_PARSED_BYTES:
        return _parse_table(path, label, problems, raw)
    key = (digest or hashlib.sha256(raw).hexdigest(), path.suffix, label)
    with _PARSED_LOCK:
        kept = _PARSED.get(key)
        if kept is not None:
            _PARSED.move_to_end(key)
            return kept.copy()
    before = len(problems)
    df = _parse_table(path, label, problems, raw)
    if df is not None and len(problems) == before:
        with _PARSED_LOCK:
            _PARSED[key] = df.copy()
            while len(_PARSED) > KEEP_PARSED:
                _PARSED.popitem(last=False)
    return df


def _parse_table(path: Path, label: str, problems: list[Problem], raw: bytes) -> pd.DataFrame | None:
    """:func:`read_table` without the memory of earlier reads."""
    if path.suffix == ".xlsx":
        return _read_xlsx(path, label, problems)
    text = _decode(raw, label, problems)
    if text is None:
        return None
    fast = read_simple_csv(text, label, raw)
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


def _cell_value(cell):
    """A cell's value; a date shown without its day (Excel turns a typed '2019-03' into 1 March 2019 shown as
    'Mar-19') keeps the precision the user meant: '2019-03' (or '2019' when only the year is shown)."""
    value = cell.value
    if not hasattr(value, "isoformat") or not getattr(cell, "is_date", False):
        return value
    import re

    shown = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", str(cell.number_format or "")).lower()  # drop literals, colours
    if "d" in shown or "general" in shown or not shown:
        return value
    return value.isoformat()[:7] if "m" in shown else value.isoformat()[:4]


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
    rows = [[_cell_value(c) for c in r] for r in ws.iter_rows()]
    if not rows or not any(v is not None for v in rows[0]):
        problems.append(Problem(sheet_label, 1, "", "the sheet is empty (expected a header row and rows)"))
        return None
    width = max((i + 1 for i, v in enumerate(rows[0]) if v is not None), default=0)
    header = [_xlsx_text(v).strip() for v in rows[0][:width]]
    records = [[_xlsx_text(v) for v in (list(r) + [None] * width)[:width]] for r in rows[1:]]
    return _frame(header, records, list(range(2, len(rows) + 1)), sheet_label, problems)

