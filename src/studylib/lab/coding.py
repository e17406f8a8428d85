"""The coding workbench's logic without widgets: a passage of an archived source coded as a validated activity row.

:class:`CodingSession` reads the layered bundle folders and their archived sources, searches a source's text, gives
the activity form's fields from the codebook, checks one value as it is typed, and :meth:`CodingSession.save`
validates the candidate row with the bundle validator itself and writes the coder's ``activities.csv`` atomically
(a temporary file in the same folder, then ``os.replace``; the existing rows' bytes are kept). Nothing is written
when the row has a problem, and never into the study's own ``data/``.

**A coder's mode** (``blind=True``): a coder works in a folder of their own layered on the shared bundle (the
pair's sources, ties and cities), may code the same units (the same ``activity_id``) as another coder without an
``override`` column, and sees nothing of any other coding: the activities of every other folder (the study's
``data/`` included) are left out of the tables, the highlighted passages and the ids. With ``units`` (a round's
``units.csv``: ``activity_id``, ``tie_id``, ``source_id``, ``locator``) the units are fixed in advance and
:meth:`CodingSession.unit_form` gives each one's form to fill; without it the coder segments the text freely.

:func:`form_row`, :func:`empty_form` and
:func:`filled_form` turn the form's values into a row and back. :class:`studylib.lab.workbench.CodingWorkbench` is the
ipywidgets shell over them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..bundle.codebook import TABLES, load_codebook
from ..bundle.sources import (SOURCES_FOLDER, archived_sources, closest_passage, find_passages, normalise_space,
                              read_source)
from ..errors import Problem, StudyError, ValidationError
from ..inference.agreement import read_units
from ..paths import DATA_DIR, PROJECT_ROOT
from ..provenance import write_atomic
from .csv_rows import read_records, with_row, write_csv
from .passages import Passage, search_passages

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
    blind : bool
        A coder's mode: rows with ids of other folders are codings of the same units (no ``override`` needed),
        and no activity of another folder is shown (not in :attr:`tables`, :meth:`coded` or :meth:`next_id`).
    units : path-like, optional
        A round's ``units.csv``: the units to code, each with its source and locator (relative paths start at
        the project root).

    Raises
    ------
    StudyError
        When ``save_to`` is the study's ``data/`` (or a folder in it other than ``data/local/``), a folder of
        ``data_dirs`` does not exist, or a unit's source is not archived or its locator is not in the text.
    """

    def __init__(self, save_to, *, data_dirs=(), blind: bool = False, units=None):
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
        self.blind = bool(blind)
        self.codebook = load_codebook()
        self.reload()
        self.units_file = _resolve(units) if units else None
        self.units = self._read_units() if self.units_file else None

    def _read_units(self):
        units = read_units(self.units_file)
        label = f"{self.units_file.parent.name}/{self.units_file.name}"
        problems = []
        for u in units.itertuples():
            if not u.source_id:
                problems.append(Problem(label, u.line, "source_id", "a value is required (the workbench shows the "
                                                                    "unit's source)"))
            elif u.source_id not in self._archive:
                problems.append(Problem(label, u.line, "source_id", f"no archived text for source '{u.source_id}' "
                                        f"in {', '.join(str(d) for d in self.layers)}"))
            elif not u.locator:
                problems.append(Problem(label, u.line, "locator", "a value is required (the unit's passage)"))
            elif (message := self.check_locator(u.source_id, u.locator)) is not None:
                problems.append(Problem(label, u.line, "locator", message))
        if problems:
            raise ValidationError(problems)
        return units

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
        found = validate_bundle(*self.layers, codebook=self.codebook, replace=self.blind)
        self.tables, self.problems = found.tables, found.problems
        if self.blind:  # nothing of any other coding: only this folder's activities
            own = f"{self.save_to.name}/{TABLE}.csv"
            acts = self.tables[TABLE]
            self.tables = {**self.tables, TABLE: acts[acts["_file"] == own]}
            self.problems = [p for p in self.problems if p.file.startswith(f"{self.save_to.name}/")]
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
        """``(start, end, row ids)`` of the passages of the source that rows of any layer already cite (in a
        coder's mode: only the coder's own activities)."""
        text, spans = self.text(source_id), {}
        for table in ((TABLE,) if self.blind else ("activities", "ties", "indicators")):
            df = self.tables[table]
            if not len(df) or "locator" not in df.columns:
                continue
            key = self.codebook.key(table)
            for i, row in df[df["source_id"] == source_id].iterrows():
                label = str(row[key]) if key else f"{table}:{row['_line']}"
                for span in find_passages(text, str(row["locator"]), ignore_case=False):
                    spans.setdefault(span, []).append(label)
        return [(s, e, ", ".join(ids)) for (s, e), ids in sorted(spans.items())]

    # ------------------------------------------------------------------------------------------ units fixed in advance
    def unit_ids(self) -> list[str]:
        """The ids of the units to code (``[]`` when the coder segments freely)."""
        return [] if self.units is None else list(self.units["activity_id"])

    def unit(self, activity_id: str) -> dict:
        """One unit of ``units.csv``: ``activity_id``, ``tie_id``, ``source_id``, ``locator``."""
        if activity_id not in self.unit_ids():
            raise StudyError(f"'{activity_id}' is not a unit of {self.units_file}")
        row = self.units.set_index("activity_id").loc[activity_id]
        return {"activity_id": activity_id, "tie_id": row["tie_id"], "source_id": row["source_id"],
                "locator": row["locator"]}

    def is_coded(self, activity_id: str) -> bool:
        """Whether ``save_to`` holds a row for ``activity_id``."""
        return any((r.get(KEY) or "").strip() == activity_id for r in self.own_rows())

    def unit_form(self, activity_id: str) -> tuple[dict, bool]:
        """The row to show for a unit, and whether it is already coded: the coder's own row when there is one,
        else the unit's id, tie, source and locator (the rest to fill)."""
        if self.is_coded(activity_id):
            return self.row(activity_id), True
        return {k: v for k, v in self.unit(activity_id).items() if v}, False

    def units_in(self, source_id: str) -> list[tuple[int, int, str]]:
        """``(start, end, activity id)`` of the units whose passage is in ``source_id``."""
        if self.units is None:
            return []
        text = self.text(source_id)
        return [(s, e, u.activity_id) for u in self.units.itertuples() if u.source_id == source_id
                for s, e in find_passages(text, u.locator, ignore_case=False)]

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
        """The first ``<prefix>-NNN`` id not used in any layer (in a coder's mode: not used in the coder's own)."""
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
            problems = validate_bundle(*under, copy, codebook=self.codebook, replace=self.blind).problems
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
