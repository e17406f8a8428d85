"""The coding workbench's logic without widgets: a passage of an archived source coded as a validated activity row.

:class:`CodingSession` reads the layered bundle folders and their archived sources, searches a source's text, gives
the activity form's fields from the codebook, checks one value as it is typed, and :meth:`CodingSession.save`
validates the candidate row with the bundle validator itself and writes the coder's ``activities.csv`` atomically
(a temporary file in the same folder, then ``os.replace``; the existing rows' bytes are kept). Nothing is written
when the row has a problem, and never into the study's own ``data/``. :func:`form_row`, :func:`empty_form` and
:func:`filled_form` turn the form's values into a row and back. :class:`studylib.lab.workbench.CodingWorkbench` is the
ipywidgets shell over them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..bundle.codebook import TABLES, load_codebook
from .csv_rows import read_records, with_row, write_csv
from ..errors import Problem, StudyError, ValidationError
from .passages import Passage, search_passages
from ..paths import DATA_DIR, PROJECT_ROOT
from ..bundle.sources import (SOURCES_FOLDER, archived_sources, closest_passage, find_passages, normalise_space,
                              read_source)
from ..provenance import write_atomic

__all__ = ["CodingSession", "form_row", "empty_form", "filled_form"]

TABLE = "activities"
KEY = "activity_id"
SKIPPED = ("override",)  # columns the form does not offer
LIVE_CHECKED = ("date", "year", "count", "float", "id", "slug")  # column types checked as they are typed


def _resolve(folder) -> Path:
    path = Path(folder).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


class CodingSession:
    """Code activities from archived sources into a bundle folder of one's own.

    Parameters
    ----------
    save_to : path-like
        The folder new rows go to (a new pair's folder, or a coder's own folder); a relative path is taken from
        the project root. Created on the first save. Never the study's ``data/``.
    data_dirs : sequence of path-like
        Bundle folders read under ``save_to`` (e.g. the new pair's folder when ``save_to`` is a second coder's);
        the study's ``data/`` is always the first layer.

    Raises
    ------
    StudyError
        When ``save_to`` is the study's ``data/`` (or a folder in it other than ``data/local/``), or a folder of
        ``data_dirs`` does not exist.
    """

    def __init__(self, save_to, *, data_dirs=()):
        self.save_to = _resolve(save_to)
        data = DATA_DIR.resolve()
        if self.save_to == data or (data in self.save_to.parents and (data / "local") not in
                                    [self.save_to, *self.save_to.parents]):
            raise StudyError(f"{self.save_to} is the study's own data, which the workbench never writes; save into "
                             "a folder of your own (e.g. data/local/<pair>/ or a coder's folder)")
        self.data_dirs = [d for d in (_resolve(d) for d in data_dirs) if d != self.save_to]
        for d in self.data_dirs:
            if not d.is_dir():
                raise StudyError(f"{d}: no such data folder")
        self.codebook = load_codebook()
        self.reload()

    # ------------------------------------------------------------------------------------------ data
    @property
    def layers(self) -> list[Path]:
        """The folders read, in layering order: ``data/``, ``data_dirs``, then ``save_to`` once it exists."""
        return [DATA_DIR, *self.data_dirs, *([self.save_to] if self.save_to.is_dir() else [])]

    @property
    def file(self) -> Path:
        """The ``activities.csv`` new rows go to."""
        return self.save_to / f"{TABLE}.csv"

    def reload(self) -> None:
        """Read the layered tables again (after a save, or an edit made outside the workbench)."""
        from ..bundle.load import validate_bundle

        if (self.save_to / f"{TABLE}.xlsx").exists():
            raise StudyError(f"{self.save_to / (TABLE + '.xlsx')}: the workbench writes CSV; convert this folder's "
                             "activities to activities.csv first")
        found = validate_bundle(*self.layers, codebook=self.codebook)
        self.tables, self.problems = found.tables, found.problems
        self._archive = archived_sources(*self.layers)
        self._texts: dict[str, str] = {}

    def sources(self) -> list[str]:
        """Ids of the sources whose text is archived in one of the folders."""
        return sorted(self._archive)

    def text(self, source_id: str) -> str:
        """The archived text of ``source_id``."""
        if source_id not in self._archive:
            raise StudyError(f"no archived text for source '{source_id}'; archived: {', '.join(self.sources())}")
        if source_id not in self._texts:
            self._texts[source_id] = read_source(self._archive[source_id][0])
        return self._texts[source_id]

    def search(self, source_id: str, phrase: str) -> list[Passage]:
        """Every place ``phrase`` occurs in the source (case and whitespace aside)."""
        return search_passages(self.text(source_id), phrase)

    def check_locator(self, source_id: str, locator: str) -> str | None:
        """``None`` when the locator is in the source's text (whitespace aside); otherwise what is wrong."""
        if not locator.strip():
            return "a value is required"
        text = self.text(source_id)
        if normalise_space(locator) in normalise_space(text):
            return None
        hint = closest_passage(text, locator)
        return f"not found in {self._archive[source_id][1]}" + (f"; closest passage: '{hint}'" if hint else "")

    def coded(self, source_id: str) -> list[tuple[int, int, str]]:
        """``(start, end, row ids)`` of the passages of the source that rows of any layer already cite."""
        text, spans = self.text(source_id), {}
        for table in ("activities", "ties", "indicators"):
            df = self.tables[table]
            if not len(df) or "locator" not in df.columns:
                continue
            key = self.codebook.key(table)
            for i, row in df[df["source_id"] == source_id].iterrows():
                label = str(row[key]) if key else f"{table}:{row['_line']}"
                for span in find_passages(text, str(row["locator"]), ignore_case=False):
                    spans.setdefault(span, []).append(label)
        return [(s, e, ", ".join(ids)) for (s, e), ids in sorted(spans.items())]

    # ------------------------------------------------------------------------------------------ the form
    def fields(self) -> dict[str, dict]:
        """The form's fields: every activity column of the codebook (required first, in codebook order)."""
        return {c: spec for c, spec in self.codebook.all_columns(TABLE).items() if c not in SKIPPED}

    def choices(self, column: str) -> list[str] | None:
        """Allowed values of a vocabulary or reference column (``None`` for a free one)."""
        spec = self.fields()[column]
        if spec["type"] == "vocab":
            return self.codebook.vocabulary(spec["vocab"])
        if spec["type"] == "ref":
            table, col = spec["ref"].split(".")
            return sorted(v for v in self.tables[table][col].dropna().unique() if v)
        return None

    def own_rows(self) -> list[dict]:
        """The rows of ``save_to``'s ``activities.csv`` (the ones this workbench can open and edit)."""
        if not self.file.exists():
            return []
        return [r for r, _ in read_records(self.file.read_bytes().decode("utf-8-sig"))[1]]

    def row(self, activity_id: str) -> dict:
        """One row of ``save_to``'s ``activities.csv``, to edit."""
        for r in self.own_rows():
            if r.get(KEY, "").strip() == activity_id:
                return {k: (v or "").strip() for k, v in r.items()}
        raise StudyError(f"no row '{activity_id}' in {self.file}; rows of other folders are read-only here")

    def next_id(self, prefix: str) -> str:
        """The first ``<prefix>-NNN`` id not used in any layer."""
        used = set(self.tables[TABLE][KEY])
        n = 1
        while f"{prefix}-{n:03d}" in used:
            n += 1
        return f"{prefix}-{n:03d}"

    def check_value(self, column: str, value: str) -> str | None:
        """What the validator says about ``value`` in ``column`` on its own (``None`` when nothing); for live checks.

        A one-row bundle is validated in a temporary folder, so the rules are the validator's own (dates, years,
        counts, ids, vocabularies); rules across columns and tables are checked when the row is saved.
        """
        from ..bundle.load import validate_bundle

        header = list(self.codebook.all_columns(TABLE))
        with tempfile.TemporaryDirectory(prefix="studylib-check-") as tmp:
            for table in TABLES:
                cols = header if table == TABLE else list(self.codebook.columns(table))
                rows = [[value if c == column else "" for c in cols]] if table == TABLE else []
                write_csv(Path(tmp) / f"{table}.csv", cols, rows)
            problems = validate_bundle(tmp, codebook=self.codebook).problems
        found = [p.message for p in problems if p.file == f"{TABLE}.csv" and p.line == 2 and p.column == column
                 and not (p.message == "a value is required" and value.strip())]
        return found[0] if found else None

    def check_field(self, source_id: str, column: str, value: str) -> str | None:
        """What is wrong with ``value`` typed into the form's ``column`` (``None`` when nothing), for live checks.

        A locator is looked for in the source's text (:meth:`check_locator`); a date, year, count, number, id or
        slug is checked by :meth:`check_value`; other columns, and empty values, wait for the save.
        """
        if not value.strip():
            return None
        if column == "locator":
            return self.check_locator(source_id, value)
        if self.fields()[column]["type"] in LIVE_CHECKED:
            return self.check_value(column, value)
        return None

    # ------------------------------------------------------------------------------------------ saving
    def candidate(self, row: dict, *, replace: str | None = None) -> tuple[bytes, int]:
        """The bytes ``activities.csv`` would have with ``row`` added (or replacing row ``replace``), and its line."""
        old = self.file.read_bytes() if self.file.exists() else b""
        values = {k: normalise_space(str(v)) if k != "note" else str(v).strip() for k, v in row.items()}
        values = {k: v for k, v in values.items() if v}
        return with_row(old, values, header=list(self.fields()), key=KEY, replace=replace, file=self.file)

    def check(self, row: dict, *, replace: str | None = None) -> list[Problem]:
        """The problems the validator finds in ``row`` once it is in ``save_to``'s ``activities.csv``.

        The candidate file is validated with every layer, in a temporary copy of ``save_to``; problems of other
        rows (there before) are not the new row's and are left out.
        """
        from ..bundle.load import validate_bundle

        data, line = self.candidate(row, replace=replace)
        with tempfile.TemporaryDirectory(prefix="studylib-row-") as tmp:
            copy = Path(tmp) / self.save_to.name
            copy.mkdir()
            if self.save_to.is_dir():
                for path in self.save_to.iterdir():
                    if path.is_file() and path.suffix in (".csv", ".xlsx"):
                        shutil.copyfile(path, copy / path.name)
                if (self.save_to / SOURCES_FOLDER).is_dir():
                    (copy / SOURCES_FOLDER).symlink_to(self.save_to / SOURCES_FOLDER, target_is_directory=True)
            (copy / self.file.name).write_bytes(data)
            under = self.layers[:-1] if self.save_to.is_dir() else self.layers
            problems = validate_bundle(*under, copy, codebook=self.codebook).problems
        label = f"{copy.name}/{self.file.name}"
        return [p for p in problems if p.file == label and p.line == line]

    def save(self, row: dict, *, replace: str | None = None) -> int:
        """Validate ``row`` and append it to ``save_to``'s ``activities.csv`` (or replace row ``replace``).

        Returns
        -------
        int
            The row's line in the file.

        Raises
        ------
        ValidationError
            With the row's problems; nothing is written.
        StudyError
            When the file changed on disk while the row was being checked.
        """
        before = self.file.read_bytes() if self.file.exists() else None
        problems = self.check(row, replace=replace)
        if problems:
            raise ValidationError(problems)
        data, line = self.candidate(row, replace=replace)
        self.save_to.mkdir(parents=True, exist_ok=True)
        if (self.file.read_bytes() if self.file.exists() else None) != before:
            raise StudyError(f"{self.file} changed while the row was checked; nothing written, save again")
        write_atomic(self.file, data)
        self.reload()
        return line


# ----------------------------------------------------------------------------------------------- the form's row
def form_row(values: dict, source_id: str) -> dict:
    """The form's ``values`` (column -> value) as a row: every value as text (``None`` as ''), ``source_id`` set."""
    row = {c: ("" if v is None else str(v)) for c, v in values.items()}
    row["source_id"] = source_id
    return row


def empty_form(options: dict) -> dict:
    """The values of an empty form: '' in every column (a column without '' among its ``options``: its first)."""
    return {c: "" if choices is None or "" in choices else choices[0] for c, choices in options.items()}


def filled_form(row: dict, options: dict) -> tuple[dict, list[str]]:
    """The form's values for ``row``, and what was left empty because it is not among its column's choices.

    Parameters
    ----------
    row : dict
        Column -> value, e.g. :meth:`CodingSession.row`.
    options : dict
        The form's columns -> the values a column can take (``None`` for a free one).

    Returns
    -------
    values : dict
        Column -> value, for every column of ``options``; a value not among its choices is '' (e.g. a vocabulary
        slip made in the CSV: chosen again in the form).
    unknown : list of str
        ``"column 'value'"`` of each value left empty.
    """
    values, unknown = {}, []
    for col, choices in options.items():
        value = row.get(col, "")
        if choices is not None and value not in choices:
            unknown.append(f"{col} '{value}'")
            value = ""
        values[col] = value
    return values, unknown
