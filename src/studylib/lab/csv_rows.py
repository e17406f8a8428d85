"""One record of a CSV file appended or replaced, every other byte of the file kept.

The coding workbench saves rows into a coder's ``activities.csv`` with :func:`with_row`: the bytes the file would
have with one more record (or one record replaced), computed as text, written by the caller. The file's byte order
mark, line endings and the existing records are kept as they are; a column the file lacks is added to every record.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..bundle.read import read_records
from ..errors import StudyError

__all__ = ["csv_text", "read_records", "with_row", "write_csv"]

BOM = b"\xef\xbb\xbf"


def csv_text(rows: list[list[str]], newline: str) -> str:
    """``rows`` as CSV text, each record ended by ``newline``."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write ``header`` and ``rows`` to ``path`` as UTF-8 CSV."""
    path.write_text(csv_text([header, *rows], "\n"), encoding="utf-8")


def with_row(old: bytes, values: dict, *, header: list[str], key: str, replace: str | None = None,
             file="the file") -> tuple[bytes, int]:
    """The bytes of the CSV file ``old`` with a record of ``values`` added, and the record's first line.

    Parameters
    ----------
    old : bytes
        The file as it is (``b""`` when it does not exist yet).
    values : dict
        The record, column -> text; columns left out (or empty) are written empty.
    header : list of str
        The header of a new file (an existing file keeps its own).
    key : str
        The column that identifies a record, for ``replace``.
    replace : str, optional
        The ``key`` of the record ``values`` replaces (in place); by default the record is appended.
    file : path-like or str
        The file's name in messages.

    Raises
    ------
    StudyError
        When there is no record ``replace`` to replace.
    """
    text = old.decode("utf-8-sig") if old else ""
    bom = BOM if old.startswith(BOM) else b""
    newline = "\r\n" if "\r\n" in text else "\n"
    header, records = read_records(text) if text.strip() else (list(header), [])
    extra = [c for c in values if c not in header]
    if extra and records:  # a column the file lacks: every row gets it (empty), so the file is rewritten
        header = header + extra
        body = [[r.get(c, "") or "" for c in header] for r, _ in records]
        lines = csv_text([header, *body], newline)
        text, records = lines, read_records(lines)[1]
    elif extra:
        header = header + extra
    record = csv_text([[values.get(c, "") for c in header]], newline)
    if not records and not text.strip():
        return csv_text([header], newline).encode("utf-8") + record.encode("utf-8"), 2
    physical = text.splitlines(keepends=True)
    if replace is None:
        if physical and not physical[-1].endswith(("\n", "\r")):
            physical[-1] += newline
        return bom + ("".join(physical) + record).encode("utf-8"), len(physical) + 1
    spans = [span for r, span in records if (r.get(key) or "").strip() == replace]
    if not spans:
        raise StudyError(f"no row '{replace}' in {file} to replace")
    first, last = spans[0]
    out = "".join(physical[:first - 1]) + record + "".join(physical[last:])
    return bom + out.encode("utf-8"), first
