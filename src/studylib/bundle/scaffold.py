"""Scaffold a data folder for a new city pair, layered over the study data (which is never edited)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import StudyError
from ..paths import DATA_DIR
from .codebook import TABLES, load_codebook
from .validate import SLUG_RE

__all__ = ["new_pair", "city_slug", "bundle_readme", "next_commands", "EXAMPLE_ROWS"]

#: One filled-in example per table, shown in the folder's README (not written into the tables).
EXAMPLE_ROWS = {
    "sources": {"source_id": "smith-2024", "citation": "Smith, A. (2024). 'Title'. Journal 1(2).",
                "source_type": "journal_article", "reliability": "peer_reviewed", "url_or_doi": "doi:10.0000/xyz",
                "language": "en"},
    "cities": {"city_id": "bandung", "name": "Bandung", "name_local": "Kota Bandung", "country": "ID", "level": "city",
               "parent_id": "", "lat": "", "lon": "", "wikidata": "Q10389"},
    "ties": {"tie_id": "bandung-suwon", "city_a": "bandung", "city_b": "suwon", "tie_type": "sister",
             "signed": "1997", "status": "active", "source_id": "smith-2024", "note": "", "locator": "Section 3"},
    "activities": {"activity_id": "bsw-001", "tie_id": "bandung-suwon", "actor": "bandung",
                   "title": "Student exchange", "sector": "education", "activity_type": "exchange_programme",
                   "start": "2010-07", "end": "", "recurrence": "annual", "until": "2015", "direction": "a_to_b",
                   "participants": "20", "participant_group": "students", "institution": "",
                   "source_id": "smith-2024", "locator": "every July since 2010", "certainty": "reported",
                   "actor_type": "government"},
    "indicators": {"entity_id": "bandung", "entity_type": "city", "indicator": "sister_cities", "value": "12",
                   "unit": "count", "year": "2020", "target": "", "source_id": "smith-2024", "locator": "Table 2"},
    "findings": {"finding_id": "bsw-f01", "entity_id": "bandung-suwon", "entity_type": "tie", "kind": "challenge",
                 "theme": "language_difference", "statement": "Language differences hamper communication.",
                 "source_id": "smith-2024", "locator": "Section 5"},
}


def _header(table: str) -> list[str]:
    cb = load_codebook()
    optional = [c for c in cb.optional_columns(table) if c in ("locator", "participants_qualifier", "stage", "actor_type", "note", "target_type", "value_kind", "certainty", "wikidata")]
    return list(cb.columns(table)) + [c for c in optional if c not in cb.columns(table)]


def _known_cities() -> dict[str, dict]:
    path = DATA_DIR / "cities.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["city_id"]: row for row in csv.DictReader(fh)}


def city_slug(name: str) -> str:
    """The city id a name suggests: lower case, accents dropped, other characters as '_' ('Makassar' -> 'makassar',
    'New York' -> 'new_york', 'Malmö' -> 'malmo'); '' when nothing ASCII is left (a name in another script)."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    return slug if re.match(SLUG_RE, slug) else ""


def new_pair(city_a: str, city_b: str, *, into: str | Path | None = None, xlsx: bool = False) -> Path:
    """Create a bundle folder for the tie ``<city_a>-<city_b>``.

    The folder holds the six tables with their headers, a row for each city (copied from the study data when it
    already knows the city, else a row to fill), one tie row to fill, and a README explaining every column.

    Parameters
    ----------
    city_a, city_b : str
        City ids: lower-case ASCII slugs (``bandung``, ``suwon``, ``new_york``).
    into : path-like, optional
        Folder to create (default ``data/local/<city_a>-<city_b>/``, which git ignores). Never overwritten.
    xlsx : bool
        Write spreadsheet (.xlsx) tables instead of CSV.

    Returns
    -------
    Path
        The new folder.
    """
    for c in (city_a, city_b):
        if not re.match(SLUG_RE, c):
            slug = city_slug(c)
            hint = f"; did you mean '{slug}'?" if slug else ""
            raise StudyError(f"'{c}' is not a city id: use lower-case ASCII letters and digits joined by '_' "
                             f"(e.g. new_york){hint}")
    if city_a == city_b:
        raise StudyError("a tie needs two different cities")
    tie_id = f"{city_a}-{city_b}"
    folder = Path(into) if into else DATA_DIR / "local" / tie_id
    if folder.exists():
        raise StudyError(f"{folder} already exists; it is never overwritten (choose another --into or remove it)")
    known = _known_cities()
    rows = {t: [] for t in TABLES}
    for c in (city_a, city_b):
        rows["cities"].append(known.get(c) or {"city_id": c})
    rows["ties"].append({"tie_id": tie_id, "city_a": city_a, "city_b": city_b})
    try:
        folder.mkdir(parents=True)
    except OSError as exc:  # read-only, or a file in the way: a user's choice of folder, not a bug
        raise StudyError(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    try:
        for table in TABLES:
            header = _header(table)
            records = [[r.get(h, "") for h in header] for r in rows[table]]
            (_write_xlsx if xlsx else _write_csv)(folder / f"{table}.{'xlsx' if xlsx else 'csv'}", header, records)
        readme = bundle_readme(tie_id, folder=folder, known_cities=[c for c in (city_a, city_b) if c in known], xlsx=xlsx)
        (folder / "README.md").write_text(readme, encoding="utf-8")
    except OSError as exc:
        raise StudyError(f"{folder}: cannot write the tables ({exc.strerror or exc})") from None
    return folder


def _write_csv(path: Path, header: list[str], records: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(records)


#: Rows of an .xlsx scaffold that get the drop-downs and the text format of dates (Excel applies neither further down).
XLSX_ROWS = 2000


def _write_xlsx(path: Path, header: list[str], records: list[list[str]]) -> None:
    """The table as the first sheet of a workbook, ready for Excel: a drop-down of the codebook's values in every
    vocabulary column (the lists on a hidden second sheet, 'vocabularies'; the reader reads the first sheet only),
    and date columns formatted as text, so that Excel keeps a typed ``2015-09`` as written instead of turning it into
    1 September 2015."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    table = path.stem
    specs = load_codebook().all_columns(table) if table in TABLES else {}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = table
    ws.append(header)
    for r in records:
        ws.append(r)
    lists, at = None, 0
    for col, name in enumerate(header, start=1):
        spec = specs.get(name) or {}
        letter = get_column_letter(col)
        cells = f"{letter}2:{letter}{XLSX_ROWS + 1}"
        if spec.get("type") == "date":
            ws.column_dimensions[letter].number_format = "@"  # what Excel applies to cells typed later
            for row in range(2, XLSX_ROWS + 2):
                ws.cell(row, col).number_format = "@"
        elif spec.get("type") == "vocab" and spec.get("vocab"):
            values = load_codebook().vocabulary(spec["vocab"])
            if lists is None:
                lists = wb.create_sheet("vocabularies")
                lists.sheet_state = "hidden"
            at += 1
            lists.cell(1, at, spec["vocab"])
            for i, value in enumerate(values, start=2):
                lists.cell(i, at, value)
            source = f"vocabularies!${get_column_letter(at)}$2:${get_column_letter(at)}${len(values) + 1}"
            check = DataValidation(type="list", formula1=f"={source}", allow_blank=not spec.get("required", False))
            check.error, check.errorTitle = f"Choose one of the codebook's values for {name}.", name
            check.prompt, check.promptTitle = f"{name}: one of {', '.join(values)}"[:255], name
            check.add(cells)
            ws.add_data_validation(check)
    wb.save(path)


def next_commands(tie_id: str, folder: Path) -> list[str]:
    """The two commands that follow a scaffold: validate the folder, then render the pair's profile."""
    return [f"studylib validate --data {folder}", f"studylib run pair_profile --data {folder} -p tie {tie_id}"]


def bundle_readme(tie_id: str, *, folder: Path, known_cities=(), xlsx: bool = False) -> str:
    """README for a new pair's folder: what to fill, every column with an example, and the vocabularies (the tables
    named as the folder holds them: ``.xlsx`` with ``xlsx``)."""
    cb = load_codebook()
    ext = ".xlsx" if xlsx else ".csv"
    lines = [
        f"# Data for the tie `{tie_id}`",
        "",
        "This folder is layered on top of the study's own data (which is never edited). Fill the tables, one row",
        f"per fact, each citing a `source_id` from `sources{ext}` and a `locator` (a section heading or a short quoted",
        "phrase) so every number in the reports can be traced. Never invent a date or number: write dates at the",
        "precision the source gives (`2010`, `2010-07`, `2010-07-15`), a loosely bounded one in EDTF (`2007/2023`,",
        "`../2008`, `2008/..`, `2011~`), and leave unknown values empty. Fill `actor_type` (who organises or carries",
        "out each activity, as the source names it) and `stage` (implemented, agreed, planned, proposed).",
        "",
        "Archive each source's text (`studylib archive-source <this folder> SOURCE_ID FILE`, for a PDF, HTML or text",
        "file) and code it in `notebooks/code_sources.ipynb`; `studylib validate` then checks that every locator",
        "occurs verbatim in its source's text (differences of whitespace and line breaks aside).",
        "",
    ]
    if known_cities:
        lines += [f"The study data already knows {', '.join(f'`{c}`' for c in known_cities)}: its row is copied into",
                  f"`cities{ext}` unchanged (an identical repeat is fine; to change it, add a column `override` = `yes`).", ""]
    lines += ["Then check and render:", "", "```bash", *next_commands(tie_id, folder), "```", ""]
    for table in TABLES:
        lines += [f"## `{table}`", "", "| column | required | meaning | example |", "|---|---|---|---|"]
        ex = EXAMPLE_ROWS[table]
        for col, spec in cb.all_columns(table).items():
            req = "yes" if spec.get("required") else ""
            doc = spec["doc"] + (f" One of: {', '.join(cb.vocabulary(spec['vocab']))}." if spec["type"] == "vocab" else "")
            lines.append(f"| `{col}` | {req} | {doc} | {ex.get(col, '')} |")
        lines.append("")
    lines += ["## Vocabularies", ""]
    for name, values in cb.spec["vocabularies"].items():
        lines.append(f"**{name}**")
        lines += [f"- `{v}`: {d}" for v, d in values.items()]
        lines.append("")
    return "\n".join(lines)
