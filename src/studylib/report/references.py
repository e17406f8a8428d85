"""The study's sources as a bibliography: BibTeX, CSL-JSON and a formatted reference list.

``sources.csv`` codes each source's full citation as one text (author, title, venue and date as far as the source
states them), its address (``url_or_doi``), type, reliability and language. The citation is not split into fields
here: guessing authors or years from it could invent what the source does not say. So every entry carries the coded
citation verbatim (BibTeX ``note``, CSL-JSON ``title``) with the fields that *are* coded (DOI or URL, language,
type, reliability, caveat), and the reference list prints the citation as coded, with its address or a plain "no
address known".

A run folder lists the sources its saved tables cite: the union of the ``source_id`` columns (and the
``sources`` lists of metric tables) of ``tables/*.csv`` (see :func:`cited_source_ids`).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

__all__ = ["cited_source_ids", "to_bibtex", "to_csl_json", "reference_list_markdown", "reference_list_html",
           "write_references", "NO_ADDRESS"]

NO_ADDRESS = "No address (URL or DOI) is known for this source."

#: CSL type per codebook ``source_type``. BibTeX entries are all ``@misc`` (the one type whose only needed field,
#: here ``note``, is coded for every source: typed entries would need authors and venues split out of the citation).
CSL_TYPES = {"journal_article": "article-journal", "working_paper": "manuscript", "report": "report",
             "policy_article": "article", "official_web": "webpage", "press_release": "document",
             "news": "article-newspaper", "blog": "post-weblog"}
LANGUAGES = {"id": "indonesian", "en": "english", "ko": "korean", "ja": "japanese", "zh": "chinese"}
SOURCE_COLUMNS = ("source_id", "sources")  # table columns naming sources (one id, or ids joined by ';' or ',')


def cited_source_ids(tables_dir: Path) -> list[str]:
    """Sorted ids of the sources cited by the CSV tables in ``tables_dir`` (empty when there is none)."""
    ids: set[str] = set()
    for path in sorted(Path(tables_dir).glob("*.csv")):
        try:
            head = pd.read_csv(path, nrows=0)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
            continue
        columns = [c for c in head.columns if c in SOURCE_COLUMNS]
        if not columns:
            continue
        frame = pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False)
        for column in columns:
            for cell in frame[column]:
                ids.update(part.strip() for part in re.split(r"[;,]", cell) if part.strip())
    return sorted(ids)


def _rows(sources: pd.DataFrame, ids=None) -> pd.DataFrame:
    """The rows of ``sources`` for ``ids`` (all when None), sorted by citation as a reference list is."""
    rows = sources if ids is None else sources[sources["source_id"].isin(list(ids))]
    rows = rows.fillna("").astype(str)
    # by the citation's first word, as a reference list is ordered: a leading quote or bracket does not count
    return rows.iloc[sorted(range(len(rows)), key=lambda i: (rows["citation"].iloc[i].lstrip(_LEADING).casefold(),
                                                              rows["source_id"].iloc[i]))]


_LEADING = "'\"‘’“”([{ "


def _address(url_or_doi: str) -> tuple[str, str]:
    """(doi, url) of a coded address: 'doi:10.x/y', 'https://doi.org/10.x/y' and '10.x/y' are DOIs."""
    text = url_or_doi.strip()
    match = re.match(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", text, flags=re.IGNORECASE)
    if match:
        return match.group(1), ""
    return "", text


def _verbatim(address: str) -> str:
    """An address for a verbatim BibTeX field: braces (which would end the field) percent-encoded."""
    return address.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def to_bibtex(sources: pd.DataFrame, ids=None) -> str:
    """BibTeX entries (UTF-8; for biblatex/biber or any UTF-8 BibTeX) of the sources ``ids`` (all when None).

    Keys are the source ids; every entry is ``@misc`` with the coded citation as its ``note``, ``doi`` or ``url``
    the address, ``keywords`` the source type and reliability, ``annote`` the caveat. Entries without an address say
    so in ``annote``.
    """
    from .latex import escape as _bib_text

    entries = []
    for row in _rows(sources, ids).itertuples(index=False):
        doi, url = _address(row.url_or_doi)
        fields = [("note", _bib_text(row.citation))]
        if doi:
            fields.append(("doi", _verbatim(doi)))  # verbatim: biblatex and natbib styles print these literally
        if url:
            fields.append(("url", _verbatim(url)))
        if getattr(row, "language", ""):
            fields.append(("langid", LANGUAGES.get(row.language, row.language)))
        fields.append(("keywords", f"{row.source_type}, {row.reliability}"))
        caveat = " ".join(t for t in ("" if (doi or url) else NO_ADDRESS, getattr(row, "note", "")) if t)
        if caveat:
            fields.append(("annote", _bib_text(caveat)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{row.source_id},\n{body}\n}}\n")
    header = "% Sources cited by the study's coded data (studylib references); the 'note' is the coded citation.\n"
    return header + "\n" + "\n".join(entries)


def to_csl_json(sources: pd.DataFrame, ids=None) -> list[dict]:
    """CSL-JSON items (a list of dicts, for ``json.dump``) of the sources ``ids`` (all when None).

    ``title`` holds the coded citation verbatim (its authors and date are not split out: see the module notes).
    """
    items = []
    for row in _rows(sources, ids).itertuples(index=False):
        doi, url = _address(row.url_or_doi)
        item = {"id": row.source_id, "type": CSL_TYPES.get(row.source_type, "document"), "title": row.citation}
        if doi:
            item["DOI"] = doi
        if url:
            item["URL"] = url
        if getattr(row, "language", ""):
            item["language"] = row.language
        note = f"{row.source_type}; reliability {row.reliability}" + ("" if (doi or url) else f". {NO_ADDRESS}")
        item["note"] = note + (f". {row.note}" if getattr(row, "note", "") else "")
        items.append(item)
    return items


def _entries(sources: pd.DataFrame, ids):
    for row in _rows(sources, ids).itertuples(index=False):
        doi, url = _address(row.url_or_doi)
        yield row, (f"https://doi.org/{doi}" if doi else url), (f"doi:{doi}" if doi else url)


def reference_list_markdown(sources: pd.DataFrame, ids=None) -> str:
    """A Markdown "References" list: each source's coded citation, its address (or that none is known), its key."""
    from .tables import md_escape

    lines = []
    for row, link, shown in _entries(sources, ids):
        where = f"<{link}>" if link.startswith(("http://", "https://")) else (md_escape(shown) if shown else NO_ADDRESS)
        flag = f" Reliability: {md_escape(row.reliability)}." if row.reliability in ("grey", "unverified") else ""
        lines.append(f"- {md_escape(row.citation)} {where} \\[`{row.source_id}`\\]{flag}")
    return "\n".join(lines) or "- (no source is cited)"


def reference_list_html(sources: pd.DataFrame, ids=None) -> str:
    """The same list as :func:`reference_list_markdown`, as an HTML ``<ol>`` (text escaped)."""
    items = []
    for row, link, shown in _entries(sources, ids):
        if link.startswith(("http://", "https://")):
            where = f'<a href="{html.escape(link)}">{html.escape(shown)}</a>'
        else:
            where = html.escape(shown) if shown else html.escape(NO_ADDRESS)
        items.append(f'<li id="ref-{html.escape(row.source_id)}">{html.escape(row.citation)} {where} '
                     f"[<code>{html.escape(row.source_id)}</code>]</li>")
    return '<ol class="references">\n' + "\n".join(items) + "\n</ol>" if items else "<p>No source is cited.</p>"


def write_references(directory: Path, sources: pd.DataFrame | None, ids=None) -> list[Path]:
    """Write ``references.bib`` and ``references.json`` (CSL-JSON) into a run folder; return their paths.

    ``ids`` defaults to the sources cited by the folder's ``tables/*.csv``. Nothing is written without ``sources``.
    """
    if sources is None:
        return []
    directory = Path(directory)
    ids = cited_source_ids(directory / "tables") if ids is None else ids
    bib, csl = directory / "references.bib", directory / "references.json"
    bib.write_text(to_bibtex(sources, ids), encoding="utf-8")
    csl.write_text(json.dumps(to_csl_json(sources, ids), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [bib, csl]
