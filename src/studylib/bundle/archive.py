"""Archive a source: extract the text of a PDF, HTML page or text file into ``<bundle>/sources/<source_id>.txt`` and
record the original file's SHA-256 in the bundle's ``sources.csv`` (``studylib archive-source``)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import StudyError
from ..provenance import file_sha256, write_atomic
from .sources import ORIGINAL_SHA256, SOURCE_ID_RE, SOURCES_FOLDER, read_source

__all__ = ["archive_source", "extract_text"]


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
    from ..paths import DATA_DIR

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
