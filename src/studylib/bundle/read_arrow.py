"""The fast path of reading a CSV table: pyarrow's parser, for files whose every record is one physical line.

Anything it cannot read exactly (quoted newlines, ragged rows, odd headers) is left to the careful path in
:mod:`studylib.bundle.read`, which reports problems with their line.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

__all__ = ["read_simple_csv"]

PADDING = (" ,", ", ", " \n", "\n ", "\t")
LONE_CR = re.compile(r"\r(?!\n)")  # a line ending without its LF: the first one is enough


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


def read_simple_csv(text: str, label: str, raw: bytes | None = None) -> pd.DataFrame | None:
    """Fast path with pyarrow's CSV parser when every record is one physical line; ``None`` for the careful path.

    The careful path (the csv module) handles quoted newlines, ragged rows and odd headers with exact line numbers.
    """
    if "\r" in text and LONE_CR.search(text):
        return None  # a lone CR ends lines (Excel for Mac's "CSV (Macintosh)"): the csv module reads those
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

