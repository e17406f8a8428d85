"""Import a reference manager's export (BibTeX ``.bib`` or CSL-JSON ``.json``, what Zotero writes) into a bundle
folder's ``sources.csv``.

Each entry is keyed by its citation key, which becomes the ``source_id``. A key that is not in ``sources.csv`` adds
a row; a key that is updates the row's bibliographic columns (``entry_type``, ``authors``, ``title``, ``year``,
``date``, ``container``, ``volume``, ``issue``, ``pages``, ``publisher``, ``accessed``, and ``url_or_doi`` and
``language`` when the entry has them) and reports each changed field. The study's own judgements on an existing row
(``source_type``, ``reliability``, ``citation``, ``note``) are never touched. An entry whose DOI belongs to another
row, or a key given twice, is refused: nothing is ever silently duplicated.

A new row needs values the export cannot give: its ``reliability`` is ``unverified`` and its ``source_type`` follows
from the entry type where that type says it (``article`` -> ``journal_article``; otherwise ``report``, ``news``...),
and the import says which rows to check. ``citation`` is written from the entry's own fields.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StudyError

__all__ = ["import_sources", "ImportReport", "read_bibliography", "RECORD_COLUMNS", "CSL_TO_ENTRY"]

RECORD_COLUMNS = ("entry_type", "authors", "title", "year", "date", "container", "volume", "issue", "pages",
                  "publisher", "accessed")
REQUIRED = ("source_id", "citation", "source_type", "reliability", "url_or_doi", "language")
#: CSL type -> codebook entry_type.
CSL_TO_ENTRY = {"article-journal": "article", "article": "article", "article-magazine": "article",
                "article-newspaper": "news_article", "book": "book", "chapter": "chapter",
                "paper-conference": "conference_paper", "report": "report", "thesis": "thesis",
                "manuscript": "manuscript", "webpage": "webpage", "post-weblog": "webpage", "post": "webpage",
                "dataset": "dataset", "document": "misc", "pamphlet": "report", "speech": "misc"}
#: BibTeX / biblatex type -> codebook entry_type.
BIB_TO_ENTRY = {"article": "article", "book": "book", "inbook": "chapter", "incollection": "chapter",
                "inproceedings": "conference_paper", "conference": "conference_paper", "techreport": "report",
                "report": "report", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
                "unpublished": "manuscript", "online": "webpage", "electronic": "webpage", "www": "webpage",
                "dataset": "dataset", "misc": "misc", "booklet": "report", "manual": "report"}
#: entry_type -> source_type of a new row, where the entry type says what kind of document it is.
SOURCE_TYPES = {"article": "journal_article", "news_article": "news", "press_release": "press_release",
                "report": "report", "manuscript": "working_paper", "thesis": "working_paper", "dataset": "dataset",
                "conference_paper": "working_paper", "book": "report", "chapter": "report", "webpage": "blog",
                "misc": "report"}
LANGUAGE_CODES = {"indonesian": "id", "bahasa indonesia": "id", "english": "en", "korean": "ko", "japanese": "ja",
                  "chinese": "zh", "german": "de", "french": "fr", "dutch": "nl", "spanish": "es"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass
class ImportReport:
    """What an import did: ids added, updated (with each changed field as ``(field, old, new)``) and unchanged."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    path: Path | None = None

    def lines(self) -> list[str]:
        out = [f"added {i} (reliability 'unverified' and source_type set from its entry type: check them)"
               for i in self.added]
        for i, changes in self.updated.items():
            out.append(f"updated {i}: " + "; ".join(f"{f} {old!r} -> {new!r}" for f, old, new in changes))
        out += [f"unchanged {i}" for i in self.unchanged]
        return out


def read_bibliography(path: str | Path) -> list[dict]:
    """The entries of a BibTeX (``.bib``) or CSL-JSON (``.json``) file as ``sources.csv`` columns (source_id and
    the bibliographic columns; ``url_or_doi`` and ``language`` when the entry has them)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise StudyError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".bib":
        rows = _read_bibtex(path)
    elif suffix in (".json", ".csljson"):
        rows = _read_csl_json(path)
    else:
        raise StudyError(f"{path}: import a BibTeX (.bib) or CSL-JSON (.json) file, as Zotero exports them")
    seen = set()
    for row in rows:
        key = row["source_id"]
        if not ID_RE.match(key):
            raise StudyError(f"{path}: citation key {key!r} cannot be a source_id (letters, digits, '_', '-', '.', "
                             "':' only; no spaces)")
        if key in seen:
            raise StudyError(f"{path}: citation key {key!r} is given twice")
        seen.add(key)
    return rows


def _latex_text(value: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    return " ".join(LatexNodes2Text(math_mode="verbatim").latex_to_text(value).split())


def _read_bibtex(path: Path) -> list[dict]:
    import bibtexparser
    from bibtexparser import middlewares as m

    text = path.read_text(encoding="utf-8-sig")
    library = bibtexparser.parse_string(text, append_middleware=[m.SeparateCoAuthors(), m.SplitNameParts()])
    if library.failed_blocks:
        block = library.failed_blocks[0]
        where = f"{path}:{getattr(block, 'start_line', 0) + 1}"
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            raise StudyError(f"{where}: citation key {getattr(block, 'key', '?')!r} is given twice")
        raise StudyError(f"{where}: cannot read this BibTeX entry ({type(block).__name__})")
    rows = []
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        row = {"source_id": entry.key, "entry_type": BIB_TO_ENTRY.get(entry.entry_type.lower(), "misc")}
        names = fields.get("author") or fields.get("editor") or []
        row["authors"] = "; ".join(_bib_name(n) for n in names if _bib_name(n))
        plain = {k: _latex_text(str(v).replace("--", "-")) for k, v in fields.items() if isinstance(v, str)}
        row["title"] = plain.get("title", "")
        row["container"] = (plain.get("journal") or plain.get("journaltitle") or plain.get("booktitle")
                            or plain.get("howpublished", "") if not plain.get("howpublished", "").startswith(
                                ("http://", "https://", "\\url")) else "")
        row["volume"], row["issue"], row["pages"] = (plain.get("volume", ""), plain.get("number") or
                                                     plain.get("issue", ""), plain.get("pages", ""))
        row["publisher"] = plain.get("publisher") or plain.get("institution") or plain.get("school") or \
            plain.get("organization", "")
        date = plain.get("date", "")
        year = plain.get("year", "") or date[:4]
        month = _month(plain.get("month", ""))
        row["year"] = year if re.fullmatch(r"\d{4}", year) else ""
        row["date"] = date if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date) and len(date) > 4 else (
            f"{year}-{month:02d}" if month and row["year"] else "")
        accessed = plain.get("urldate", "")
        row["accessed"] = accessed if re.fullmatch(r"\d{4}-\d{2}-\d{2}", accessed) else ""
        doi, url = fields.get("doi", "").strip(), fields.get("url", "").strip()
        row["url_or_doi"] = f"doi:{doi}" if doi else url
        language = (plain.get("langid") or plain.get("language", "")).strip().lower()
        row["language"] = LANGUAGE_CODES.get(language, language if re.fullmatch(r"[a-z]{2}", language) else "")
        rows.append(row)
    return rows


def _bib_name(name) -> str:
    """'Family, Given' of a bibtexparser NameParts; an organisation (one braced last name) as '{Name}'."""
    last = " ".join([*name.von, *name.last])
    if not name.first and last.startswith("{") and last.endswith("}"):
        return "{" + _latex_text(last[1:-1]) + "}"
    family = _latex_text(last)
    given = _latex_text(" ".join(name.first))
    jr = _latex_text(" ".join(name.jr))
    return ", ".join(t for t in (family, given + (f", {jr}" if jr else "")) if t) if family else given


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"], start=1)}


def _month(text: str) -> int:
    text = text.strip().lower()[:3]
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else 0
    return _MONTHS.get(text, 0)


def _read_csl_json(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise StudyError(f"{path}: not valid JSON ({exc})") from None
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise StudyError(f"{path}: a CSL-JSON file is a list of items, each with an 'id'")
    rows = []
    for item in items:
        row = {"source_id": str(item["id"]), "entry_type": CSL_TO_ENTRY.get(item.get("type", ""), "misc")}
        names = item.get("author") or item.get("editor") or []
        row["authors"] = "; ".join(_csl_name(n) for n in names if _csl_name(n))
        row["title"] = _clean(item.get("title", ""))
        row["container"] = _clean(item.get("container-title", ""))
        row["volume"], row["issue"], row["pages"] = (_clean(item.get("volume", "")), _clean(item.get("issue", "")),
                                                     _clean(item.get("page", "")))
        row["publisher"] = _clean(item.get("publisher", ""))
        issued = _csl_date(item.get("issued"))
        row["year"] = issued[:4]
        row["date"] = issued if len(issued) > 4 else ""
        accessed = _csl_date(item.get("accessed"))
        row["accessed"] = accessed if len(accessed) == 10 else ""
        doi, url = _clean(item.get("DOI", "")), _clean(item.get("URL", ""))
        row["url_or_doi"] = f"doi:{doi}" if doi else url
        language = _clean(item.get("language", "")).lower()
        row["language"] = LANGUAGE_CODES.get(language, language[:2] if re.match(r"^[a-z]{2}($|[-_])", language) else "")
        rows.append(row)
    return rows


def _clean(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _csl_name(name: dict) -> str:
    if name.get("literal"):
        return "{" + _clean(name["literal"]) + "}"
    family = " ".join(t for t in (name.get("non-dropping-particle", ""), name.get("family", "")) if t)
    given = " ".join(t for t in (name.get("given", ""), name.get("dropping-particle", "")) if t)
    return ", ".join(t for t in (_clean(family), _clean(given)) if t)


def _csl_date(value) -> str:
    """ISO text (YYYY, YYYY-MM or YYYY-MM-DD) of a CSL date ("" when it has no year)."""
    if not isinstance(value, dict):
        return ""
    parts = (value.get("date-parts") or [[]])[0]
    if not parts and value.get("raw"):
        match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(value["raw"]))
        parts = [int(p) for p in match.groups() if p] if match else []
    try:
        parts = [int(p) for p in parts[:3]]
    except (TypeError, ValueError):
        return ""
    if not parts:
        return ""
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


def _citation(row: dict) -> str:
    """A plain citation written from the entry's own fields (no part added that the entry does not give)."""
    names = [n[1:-1] if n.startswith("{") else n.split(",")[0] for n in row["authors"].split("; ") if n]
    who = ", ".join(names)
    when = row["date"] or row["year"]
    where = row["container"] + (f" {row['volume']}" if row["volume"] else "") + (
        f"({row['issue']})" if row["issue"] else "") + (f", {row['pages']}" if row["pages"] else "")
    parts = [who, f"({when})" if when else "", f"'{row['title']}'" if row["title"] else "", where.strip(),
             row["publisher"]]
    text = ". ".join(p for p in parts if p)
    return (text + ".") if text else row["source_id"]


def import_sources(file: str | Path, data_dir: str | Path) -> ImportReport:
    """Add or update the rows of ``data_dir/sources.csv`` from a BibTeX or CSL-JSON file; return what changed.

    Raises
    ------
    StudyError
        For a file that cannot be read, a key that cannot be an id or is given twice, or an entry whose DOI is
        another row's (it would duplicate that source).
    """
    entries = read_bibliography(file)
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise StudyError(f"{folder}: no such data folder (make one with: studylib new-pair CITY_A CITY_B)")
    target = folder / "sources.csv"
    if target.is_file():
        with open(target, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = [dict(r) for r in reader]
    else:
        header, rows = list(REQUIRED), []
    for column in (*REQUIRED, *RECORD_COLUMNS):
        if column not in header:
            header.append(column)
    by_id = {r.get("source_id", ""): r for r in rows}
    dois = {_doi(r.get("url_or_doi", "")): r.get("source_id", "") for r in rows if _doi(r.get("url_or_doi", ""))}
    report = ImportReport(path=target)
    for entry in entries:
        key = entry["source_id"]
        doi = _doi(entry["url_or_doi"])
        if doi and dois.get(doi, key) != key:
            raise StudyError(f"{file}: entry {key!r} has the DOI {doi} of source {dois[doi]!r} in {target}; give it "
                             f"the key {dois[doi]!r} to update that row (nothing was written)")
        if key not in by_id:
            row = {h: "" for h in header}
            row.update({k: v for k, v in entry.items() if k in header})
            row["citation"] = _citation(entry)
            row["source_type"] = SOURCE_TYPES.get(entry["entry_type"], "report")
            row["reliability"] = "unverified"
            row["language"] = entry["language"] or "und"
            rows.append(row)
            by_id[key] = row
            report.added.append(key)
            continue
        row = by_id[key]
        changes = []
        for column in (*RECORD_COLUMNS, "url_or_doi", "language"):
            new = entry.get(column, "")
            if column in ("url_or_doi", "language") and not new:
                continue  # the export does not say: the row's value stands
            old = row.get(column, "") or ""
            if new != old:
                changes.append((column, old, new))
                row[column] = new
        if changes:
            report.updated[key] = changes
        else:
            report.unchanged.append(key)
    import io

    from ..provenance import write_atomic

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{h: r.get(h, "") or "" for h in header} for r in rows])
    write_atomic(target, buffer.getvalue().encode("utf-8"))
    return report


def _doi(text: str) -> str:
    match = re.match(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", (text or "").strip(), re.I)
    return match.group(1).lower() if match else ""
