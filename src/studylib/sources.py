"""Archived sources: the text of a bundle's sources, and the check that every locator is found in it.

A bundle folder may hold the text of a source as ``sources/<source_id>.txt`` (UTF-8). When it does, every row
citing that source must carry a locator that occurs in the text verbatim, ignoring differences of whitespace and
line breaks only (a phrase copied across a line break still matches). Folders layer as the tables do: a later
folder's text of a source replaces an earlier one's. A PDF or HTML source is archived with
:func:`archive_source`, which extracts its text (pypdf for PDF, Beautiful Soup for HTML) and records the
original file's SHA-256 in the folder's ``sources.csv``.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Problem, StudyError
from .provenance import file_sha256

__all__ = ["SOURCES_FOLDER", "ORIGINAL_SHA256", "LocatorCount", "normalise_space", "archived_sources",
           "read_source", "find_passages", "locator_found", "closest_passage", "check_locators", "count_locators",
           "archive_source", "extract_text", "write_atomic"]

SOURCES_FOLDER = "sources"
ORIGINAL_SHA256 = "original_sha256"  # column of sources.csv: SHA-256 of the file whose text is archived
CITING_TABLES = ("activities", "ties", "indicators", "findings")
HINT_CHARS = 120
SOURCE_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # an id that is also a safe file name


@dataclass(frozen=True)
class LocatorCount:
    """How many locators were checked against archived text, and how many rows cite a source not archived."""

    checked: int
    not_archived: int
    sources_not_archived: tuple[str, ...]

    def __str__(self) -> str:
        line = f"{self.checked} locator{'s' if self.checked != 1 else ''} found in archived source texts"
        if self.not_archived:
            line += (f"; {self.not_archived} row{'s' if self.not_archived != 1 else ''} cite{'' if self.not_archived != 1 else 's'} "
                     f"{len(self.sources_not_archived)} source{'s' if len(self.sources_not_archived) != 1 else ''} "
                     f"not archived (not checked): {', '.join(self.sources_not_archived)}")
        return line


def normalise_space(text: str) -> str:
    """``text`` with every run of whitespace (spaces, tabs, line breaks) made one space, and no space at the ends."""
    return " ".join(text.split())


def archived_sources(*dirs) -> dict[str, tuple[Path, str]]:
    """``source_id -> (path, label)`` of every ``sources/<id>.txt`` in the bundle folders; later folders win.

    The label names the file as problems do: ``sources/<id>.txt`` in the first folder, ``<folder>/sources/<id>.txt``
    in a later one.
    """
    found: dict[str, tuple[Path, str]] = {}
    for i, folder in enumerate(Path(d) for d in dirs):
        for path in sorted((folder / SOURCES_FOLDER).glob("*.txt")):
            label = f"{SOURCES_FOLDER}/{path.name}" if i == 0 else f"{folder.name}/{SOURCES_FOLDER}/{path.name}"
            found[path.stem] = (path, label)
    return found


def read_source(path: str | Path) -> str:
    """The text of an archived source.

    Raises
    ------
    StudyError
        When the file is not UTF-8.
    """
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StudyError(f"{path}:{line}: the source text is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                         "save it as UTF-8") from None


def _pattern(phrase: str, *, ignore_case: bool) -> re.Pattern | None:
    words = phrase.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE if ignore_case else 0)


def find_passages(text: str, phrase: str, *, ignore_case: bool = True) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of ``text`` where ``phrase`` occurs, whitespace and line breaks aside."""
    pattern = _pattern(phrase, ignore_case=ignore_case)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


def locator_found(text: str, locator: str) -> bool:
    """Whether ``locator`` occurs in ``text`` verbatim, ignoring differences of whitespace and line breaks only."""
    wanted = normalise_space(locator)
    return bool(wanted) and wanted in normalise_space(text)


def closest_passage(text: str, locator: str) -> str:
    """The passage of ``text`` (as many words as ``locator``) most like it, for a hint; '' when nothing is close."""
    words, n = text.split(), len(locator.split())
    if not words or not n:
        return ""
    windows = {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}
    close = difflib.get_close_matches(normalise_space(locator), list(windows), n=1, cutoff=0.5)
    if not close:
        return ""
    return close[0] if len(close[0]) <= HINT_CHARS else close[0][:HINT_CHARS - 1] + "…"


def _cited(tables: dict, archive) -> tuple[pd.DataFrame, pd.Series]:
    """Rows that cite a source with a locator: ``_file, _line, source_id, locator`` of those whose source is in
    ``archive``, and the source ids of the others (one per row). Vectorised: a large bundle is filtered at once."""
    archived, others = [], []
    for table in CITING_TABLES:
        df = tables.get(table)
        if df is None or not len(df) or not {"source_id", "locator"} <= set(df.columns):
            continue
        sid, loc = df["source_id"].fillna("").astype(str), df["locator"].fillna("").astype(str)
        cites = ((sid != "") & (loc.str.strip() != "")).to_numpy()  # a missing value is the column checks' to report
        inside = cites & sid.isin(list(archive)).to_numpy()
        others.append(sid[cites & ~inside])
        archived.append(pd.DataFrame({"_file": df["_file"][inside], "_line": df["_line"][inside],
                                      "source_id": sid[inside], "locator": loc[inside]}))
    columns = ["_file", "_line", "source_id", "locator"]
    rows = pd.concat(archived, ignore_index=True) if archived else pd.DataFrame(columns=columns)
    return rows, (pd.concat(others, ignore_index=True) if others else pd.Series(dtype=str))


def check_locators(tables: dict, dirs, problems: list[Problem]) -> None:
    """Check every locator of a row whose source is archived; add a :class:`Problem` for each not found.

    Parameters
    ----------
    tables : dict of DataFrame
        The bundle's tables as read (text columns plus ``_file`` and ``_line``).
    dirs : sequence of path-like
        The bundle folders, in layering order.
    problems : list of Problem
        Problems found are appended here.
    """
    archive = archived_sources(*dirs)
    if not archive:
        return  # nothing to check: a bundle without source texts costs nothing more
    rows, _ = _cited(tables, archive)
    # a large bundle repeats its locators: each distinct (source, locator) is searched, and hinted, once
    verdicts: dict[tuple[str, str], str] = {}  # (source, locator) -> the message, for those not found
    for source_id, part in rows.groupby("source_id", sort=True):
        path, label = archive[source_id]
        try:
            text = normalise_space(read_source(path))
        except StudyError as exc:
            problems.append(Problem(label, 0, "", str(exc).split(": ", 2)[-1]))
            continue
        for locator in part["locator"].unique():
            if normalise_space(locator) not in text:
                hint = closest_passage(text, locator)
                verdicts[(source_id, locator)] = (
                    f"'{locator}' not found in {label}" + (f"; closest passage: '{hint}'" if hint else ""))
    if not verdicts:
        return
    keys = pd.MultiIndex.from_arrays([rows["source_id"], rows["locator"]])
    bad = rows[keys.isin(list(verdicts))]
    for file, line, source_id, locator in zip(bad["_file"], bad["_line"], bad["source_id"], bad["locator"]):
        problems.append(Problem(str(file), int(line), "locator", verdicts[(source_id, locator)]))


def count_locators(tables: dict, dirs) -> LocatorCount:
    """How many locators of a validated bundle (e.g. ``bundle.tables, bundle.dirs``) were checked against archived
    text, and how many rows cite a source that is not archived."""
    rows, others = _cited(tables, archived_sources(*dirs))
    return LocatorCount(len(rows), len(others), tuple(sorted(set(others.astype(str)))))


# ------------------------------------------------------------------------------------------- archiving


def extract_text(path: str | Path) -> str:
    """The text of a PDF (pypdf), an HTML page (Beautiful Soup) or a UTF-8 text file.

    Raises
    ------
    StudyError
        For another kind of file, a file that cannot be read, or one without extractable text (e.g. a scan).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            pages = [page.extract_text() or "" for page in PdfReader(path).pages]
        except (PdfReadError, OSError, ValueError) as exc:
            raise StudyError(f"{path}: the PDF cannot be read ({exc})") from None
        text = "\n\n".join(p.strip("\n") for p in pages)
    elif suffix in (".html", ".htm"):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(path.read_bytes(), "html.parser")
        for tag in soup(["script", "style", "noscript", "template"]):
            tag.decompose()
        lines = (line.strip() for line in soup.get_text("\n").splitlines())
        text = "\n".join(line for line in lines if line)
    elif suffix == ".txt":
        text = read_source(path)
    else:
        raise StudyError(f"{path}: cannot archive a '{suffix or 'extension-less'}' file; give a .pdf, .html or .txt")
    if not text.strip():
        raise StudyError(f"{path}: no text could be extracted (a scanned PDF needs OCR first)")
    return text if text.endswith("\n") else text + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so a reader never sees half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _record_hash(sources_csv: Path, source_id: str, digest: str) -> bytes:
    """``sources.csv`` with ``original_sha256`` set for ``source_id`` (the column added if missing)."""
    text = sources_csv.read_bytes().decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    if "source_id" not in header:
        raise StudyError(f"{sources_csv}:1: column 'source_id': required column is missing")
    if ORIGINAL_SHA256 not in header:
        header.append(ORIGINAL_SHA256)
    key, col = header.index("source_id"), header.index(ORIGINAL_SHA256)
    hits = [r for r in rows[1:] if len(r) > key and r[key].strip() == source_id]
    if not hits:
        raise StudyError(f"{sources_csv}: no row for source '{source_id}'; add its row (citation, type, "
                         "reliability...) first, then archive its text")
    for row in rows[1:]:
        if any(v.strip() for v in row):
            row.extend([""] * (len(header) - len(row)))
    hits[0][col] = digest
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode("utf-8")


def archive_source(folder: str | Path, source_id: str, file: str | Path, *, replace: bool = False) -> Path:
    """Archive the text of ``file`` as ``<folder>/sources/<source_id>.txt`` and record its SHA-256.

    The original file's SHA-256 goes to the ``original_sha256`` column of the source's row in the folder's
    ``sources.csv`` (which must already hold that row). Nothing is written when anything fails.

    Parameters
    ----------
    folder : path-like
        A bundle folder of your own (never the study's ``data/``).
    source_id : str
        The source's id in ``sources.csv``.
    file : path-like
        The PDF, HTML or UTF-8 text file.
    replace : bool
        Replace a text already archived for this source.

    Returns
    -------
    Path
        The archived text file.

    Raises
    ------
    StudyError
        For the study's own ``data/``, a missing folder, row or file, an unreadable file, or an existing text
        without ``replace``.
    """
    from .paths import DATA_DIR

    folder, file = Path(folder).expanduser().resolve(), Path(file).expanduser()
    if not re.match(SOURCE_ID_RE, source_id):
        raise StudyError(f"'{source_id}' is not a valid source id (letters, digits, '_', '-', '.', no spaces)")
    if folder == DATA_DIR.resolve():
        raise StudyError(f"{folder} is the study's own data; archive sources into your bundle folder instead")
    if not folder.is_dir():
        raise StudyError(f"{folder}: no such data folder")
    if not file.is_file():
        raise StudyError(f"{file}: no such file")
    sources_csv = folder / "sources.csv"
    if not sources_csv.is_file():
        raise StudyError(f"{sources_csv}: the folder has no sources.csv; add the source's row there first")
    target = folder / SOURCES_FOLDER / f"{source_id}.txt"
    if target.exists() and not replace:
        raise StudyError(f"{target} exists; pass --replace to archive a new text of '{source_id}'")
    text = extract_text(file)
    table = _record_hash(sources_csv, source_id, file_sha256(file))
    target.parent.mkdir(exist_ok=True)
    write_atomic(target, text.encode("utf-8"))
    write_atomic(sources_csv, table)
    return target
