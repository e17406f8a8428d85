"""Archived sources: the text of a bundle's sources, and the check that every locator is found in it.

A bundle folder may hold the text of a source as ``sources/<source_id>.txt`` (UTF-8). When it does, every row
citing that source must carry a locator that occurs in the text verbatim, ignoring differences of whitespace and
line breaks only (a phrase copied across a line break still matches). Folders layer as the tables do: a later
folder's text of a source replaces an earlier one's. A PDF or HTML source is archived with
:func:`studylib.bundle.archive.archive_source`, which extracts its text (pypdf for PDF, Beautiful Soup for HTML) and
records the original file's SHA-256 in the folder's ``sources.csv``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import Problem, StudyError

__all__ = ["SOURCES_FOLDER", "ORIGINAL_SHA256", "LocatorCount", "normalise_space", "archived_sources",
           "read_source", "find_passages", "locator_found", "closest_passage", "check_locators", "count_locators"]

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
