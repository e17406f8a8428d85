"""The coding workbench: read an archived source, pick a passage, and code it as a validated activity row.

:class:`CodingSession` is the logic, testable without a browser: the archived sources of the layered bundle
folders, search in a source's text, the activity form's fields read from the codebook, a live check of one value,
and :meth:`CodingSession.save`, which validates the candidate row with the bundle validator itself and appends it
to the coder's ``activities.csv`` atomically (a temporary file in the same folder, then ``os.replace``; the
existing rows' bytes are kept). Nothing is written when the row has a problem, and never into the study's own
``data/``. :class:`CodingWorkbench` wraps it in ipywidgets for JupyterLab (``notebooks/code_sources.ipynb``).

Text selected with the mouse in a widget is not sent to Python, so a passage is chosen by searching for it: every
match is listed with its context, picking one makes it the locator, and the locator field is checked against the
text as it is edited.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .codebook import TABLES, load_codebook
from .errors import Problem, StudyError, ValidationError
from .paths import DATA_DIR, PROJECT_ROOT
from .sources import (SOURCES_FOLDER, archived_sources, closest_passage, find_passages, normalise_space,
                      read_source, write_atomic)

__all__ = ["CodingSession", "CodingWorkbench", "Passage", "code_sources"]

TABLE = "activities"
SKIPPED = ("override",)  # columns the form does not offer
CONTEXT_CHARS = 60
LIVE_CHECKED = ("date", "year", "count", "float", "id", "slug")  # column types checked as they are typed
FALLBACK_HTML = ("<p><em>Coding workbench (ipywidgets): open this notebook in JupyterLab (<code>make lab</code>) "
                 "to use it.</em></p>")


@dataclass(frozen=True)
class Passage:
    """A place in a source's text: ``text[start:end]``, with some context either side for display."""

    start: int
    end: int
    text: str
    before: str
    after: str

    @property
    def locator(self) -> str:
        """The passage as a locator: its words as the source writes them, one space between each."""
        return normalise_space(self.text)

    def label(self) -> str:
        return f"…{normalise_space(self.before)} [{self.locator}] {normalise_space(self.after)}…"


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
        from .bundle import validate_bundle

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
        text = self.text(source_id)
        return [Passage(s, e, text[s:e], text[max(0, s - CONTEXT_CHARS):s], text[e:e + CONTEXT_CHARS])
                for s, e in find_passages(text, phrase)]

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
        return [r for r, _ in _records(self.file.read_bytes().decode("utf-8-sig"))[1]]

    def row(self, activity_id: str) -> dict:
        """One row of ``save_to``'s ``activities.csv``, to edit."""
        for r in self.own_rows():
            if r.get("activity_id", "").strip() == activity_id:
                return {k: (v or "").strip() for k, v in r.items()}
        raise StudyError(f"no row '{activity_id}' in {self.file}; rows of other folders are read-only here")

    def next_id(self, prefix: str) -> str:
        """The first ``<prefix>-NNN`` id not used in any layer."""
        used = set(self.tables[TABLE]["activity_id"])
        n = 1
        while f"{prefix}-{n:03d}" in used:
            n += 1
        return f"{prefix}-{n:03d}"

    def check_value(self, column: str, value: str) -> str | None:
        """What the validator says about ``value`` in ``column`` on its own (``None`` when nothing); for live checks.

        A one-row bundle is validated in a temporary folder, so the rules are the validator's own (dates, years,
        counts, ids, vocabularies); rules across columns and tables are checked when the row is saved.
        """
        from .bundle import validate_bundle

        header = list(self.codebook.all_columns(TABLE))
        with tempfile.TemporaryDirectory(prefix="studylib-check-") as tmp:
            for table in TABLES:
                cols = header if table == TABLE else list(self.codebook.columns(table))
                rows = [[value if c == column else "" for c in cols]] if table == TABLE else []
                _write_csv(Path(tmp) / f"{table}.csv", cols, rows)
            problems = validate_bundle(tmp, codebook=self.codebook).problems
        found = [p.message for p in problems if p.file == f"{TABLE}.csv" and p.line == 2 and p.column == column
                 and not (p.message == "a value is required" and value.strip())]
        return found[0] if found else None

    # ------------------------------------------------------------------------------------------ saving
    def candidate(self, row: dict, *, replace: str | None = None) -> tuple[bytes, int]:
        """The bytes ``activities.csv`` would have with ``row`` added (or replacing row ``replace``), and its line."""
        old = self.file.read_bytes() if self.file.exists() else b""
        text = old.decode("utf-8-sig") if old else ""
        bom = b"\xef\xbb\xbf" if old.startswith(b"\xef\xbb\xbf") else b""
        newline = "\r\n" if "\r\n" in text else "\n"
        values = {k: normalise_space(str(v)) if k != "note" else str(v).strip() for k, v in row.items()}
        values = {k: v for k, v in values.items() if v}
        header, records = _records(text) if text.strip() else ([c for c in self.fields()], [])
        extra = [c for c in values if c not in header]
        if extra and records:  # a column the file lacks: every row gets it (empty), so the file is rewritten
            header = header + extra
            body = [[r.get(c, "") or "" for c in header] for r, _ in records]
            lines = _serialise([header, *body], newline)
            text, records = lines, _records(lines)[1]
        elif extra:
            header = header + extra
        record = _serialise([[values.get(c, "") for c in header]], newline)
        if not records and not text.strip():
            return _serialise([header], newline).encode("utf-8") + record.encode("utf-8"), 2
        physical = text.splitlines(keepends=True)
        if replace is None:
            if physical and not physical[-1].endswith(("\n", "\r")):
                physical[-1] += newline
            return bom + ("".join(physical) + record).encode("utf-8"), len(physical) + 1
        spans = [span for r, span in records if (r.get("activity_id") or "").strip() == replace]
        if not spans:
            raise StudyError(f"no row '{replace}' in {self.file} to replace")
        first, last = spans[0]
        out = "".join(physical[:first - 1]) + record + "".join(physical[last:])
        return bom + out.encode("utf-8"), first

    def check(self, row: dict, *, replace: str | None = None) -> list[Problem]:
        """The problems the validator finds in ``row`` once it is in ``save_to``'s ``activities.csv``.

        The candidate file is validated with every layer, in a temporary copy of ``save_to``; problems of other
        rows (there before) are not the new row's and are left out.
        """
        from .bundle import validate_bundle

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


def _serialise(rows: list[list[str]], newline: str) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text(_serialise([header, *rows], "\n"), encoding="utf-8")


def _records(text: str) -> tuple[list[str], list[tuple[dict, tuple[int, int]]]]:
    """Header and ``(row, (first line, last line))`` of every non-blank record of a CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    out, prev = [], reader.line_num
    for rec in reader:
        first, prev = prev + 1, reader.line_num
        if any(v.strip() for v in rec):
            out.append((dict(zip(header, rec)), (first, prev)))
    return header, out


# ----------------------------------------------------------------------------------------------- widgets

TEXT_STYLE = ("white-space: pre-wrap; max-height: 420px; overflow-y: auto; border: 1px solid #ccc; padding: 8px; "
              "font-family: Georgia, serif; line-height: 1.5")
CONTEXT_STYLE = "white-space: pre-wrap; padding: 4px 8px; border-left: 3px solid #86efac; font-family: Georgia, serif"
MARKS = {"coded": "background: #dbeafe", "match": "background: #fef08a", "locator": "background: #86efac"}


def highlight(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` as HTML with ``(start, end, kind, title)`` spans marked (later kinds drawn over earlier ones)."""
    cuts = sorted({0, len(text), *[s for s, *_ in spans], *[e for _, e, *_ in spans]})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        inside = [(k, t) for s, e, k, t in spans if s <= a and b <= e]
        chunk = html.escape(text[a:b])
        if inside:  # the last kind's colour; every kind's class and title
            kinds = " ".join(dict.fromkeys(f"studylib-{k}" for k, _ in inside))
            title = "; ".join(dict.fromkeys(t for _, t in inside))
            chunk = (f'<mark class="{kinds}" style="{MARKS[inside[-1][0]]}" title="{html.escape(title)}">'
                     f"{chunk}</mark>")
        parts.append(chunk)
    return f'<div style="{TEXT_STYLE}">{"".join(parts)}</div>'


class CodingWorkbench:
    """ipywidgets around a :class:`CodingSession`: source, search, highlighted text, the activity form, save.

    Parameters
    ----------
    session : CodingSession
    source : str, optional
        The source shown first (default: the first archived one).

    Attributes
    ----------
    fields : dict
        The form's widgets by column (a ``Dropdown`` for vocabularies and references, ``Text`` otherwise).
    status : ipywidgets.HTML
        What the last save said.
    widget : ipywidgets.VBox
        The whole workbench.
    """

    def __init__(self, session: CodingSession, *, source: str | None = None):
        import ipywidgets as w

        self.session = session
        self.editing: str | None = None
        self._filling = False
        self._passages: list[Passage] = []
        sources = session.sources()
        if not sources:
            raise StudyError("no archived source in " + ", ".join(str(d) for d in session.layers) +
                             "; archive one with `studylib archive-source DIR SOURCE_ID FILE`")
        if source is not None and source not in sources:
            raise StudyError(f"no archived text for source '{source}'; archived: {', '.join(sources)}")
        self.source = w.Dropdown(options=sources, value=source or sources[0], description="Source")
        self.query = w.Text(placeholder="a word or phrase of the source", description="Search")
        self.matches = w.Select(options=[], rows=5, description="Matches", layout=w.Layout(width="95%"))
        self.context = w.HTML()  # the picked match in its paragraph: the long text does not scroll to it
        self.text = w.HTML()
        self.fields: dict[str, w.Widget] = {}
        self.checks: dict[str, w.HTML] = {}
        rows = []
        for col, spec in session.fields().items():
            if col == "source_id":
                continue  # the source shown
            choices = session.choices(col)
            label = col + (" *" if spec.get("required") else "")
            if choices is not None:
                options = [("", "")] + [(c, c) for c in choices]  # no default: a required one must be chosen
                widget = w.Dropdown(options=options, description=label)
            elif col in ("locator", "note", "title"):
                widget = w.Textarea(description=label, layout=w.Layout(width="60%", height="60px" if col != "title" else "34px"))
            else:
                widget = w.Text(description=label, continuous_update=True)
            widget.tooltip = spec.get("doc", "")
            widget.style.description_width = "140px"
            widget.add_class(f"studylib-field-{col}")
            check = w.HTML()
            check.add_class(f"studylib-check-{col}")
            self.fields[col], self.checks[col] = widget, check
            widget.observe(lambda change, c=col: self._field_changed(c), names="value")
            rows.append(w.HBox([widget, check]))
        self.save_button = w.Button(description="Save row", button_style="primary")
        self.new_button = w.Button(description="New row")
        self.open_row = w.Dropdown(description="Your rows")
        self.open_button = w.Button(description="Open")
        self.status = w.HTML()
        for widget, name in [(self.source, "source"), (self.query, "search"), (self.matches, "matches"),
                             (self.context, "context"), (self.text, "text"), (self.save_button, "save"), (self.new_button, "new"),
                             (self.open_row, "rows"), (self.open_button, "open"), (self.status, "status")]:
            widget.add_class(f"studylib-coding-{name}")
        self.source.observe(lambda _: self._source_changed(), names="value")
        self.query.observe(lambda _: self._search(), names="value")
        self.matches.observe(lambda _: self._match_picked(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.new_button.on_click(lambda _: self.new_row())
        self.open_button.on_click(lambda _: self.open(self.open_row.value))
        where = w.HTML(f"Saving into <code>{html.escape(str(session.file))}</code>; reading "
                       + ", ".join(f"<code>{html.escape(str(d))}</code>" for d in session.layers))
        self.widget = w.VBox([
            where, w.HBox([self.source, self.query]), self.matches, self.context, self.text,
            w.HTML("<b>Activity</b> (fields from the codebook; * required; hover a name for its meaning). In the "
                   "text: <mark style='" + MARKS["coded"] + "'>already coded</mark> "
                   "<mark style='" + MARKS["match"] + "'>search match</mark> "
                   "<mark style='" + MARKS["locator"] + "'>this row's locator</mark>"),
            *rows, w.HBox([self.save_button, self.new_button, self.open_row, self.open_button]), self.status,
        ])
        self._fill_rows()
        self._source_changed()

    # ------------------------------------------------------------------------------------------ reading
    def _source_changed(self) -> None:
        self.matches.options = []
        self._search()
        self._field_changed("locator")

    def _search(self) -> None:
        phrase = self.query.value
        self._passages = self.session.search(self.source.value, phrase) if phrase.strip() else []
        self._filling = True  # new options select their first: that is not the coder's pick
        try:
            self.matches.options = [(f"{i + 1}. {p.label()}", i) for i, p in enumerate(self._passages)]
            self.matches.value = None
        finally:
            self._filling = False
        self._draw()

    def _match_picked(self) -> None:
        if self.matches.value is None or self._filling:
            self.context.value = ""
            return
        passage = self._passages[self.matches.value]
        text = self.session.text(self.source.value)
        start = max(0, text.rfind("\n\n", 0, passage.start), passage.start - 400)
        end = min(len(text), passage.end + 400)
        stop = text.find("\n\n", passage.end)
        end = end if stop < 0 else min(end, stop)
        self.context.value = (f'<div style="{CONTEXT_STYLE}">…{html.escape(text[start:passage.start])}'
                              f'<mark style="{MARKS["locator"]}">{html.escape(passage.text)}</mark>'
                              f"{html.escape(text[passage.end:end])}…</div>")
        self.fields["locator"].value = passage.locator

    def _draw(self) -> None:
        source = self.source.value
        spans = [(s, e, "coded", f"coded: {ids}") for s, e, ids in self.session.coded(source)]
        spans += [(p.start, p.end, "match", "search match") for p in self._passages]
        locator = self.fields["locator"].value if "locator" in self.fields else ""
        if locator.strip():
            spans += [(s, e, "locator", "the locator") for s, e in
                      find_passages(self.session.text(source), locator, ignore_case=False)]
        self.text.value = highlight(self.session.text(source), spans)

    # ------------------------------------------------------------------------------------------ the form
    def values(self) -> dict:
        """The form as a row (``source_id`` is the source shown)."""
        row = {c: ("" if widget.value is None else str(widget.value)) for c, widget in self.fields.items()}
        row["source_id"] = self.source.value
        return row

    def _field_changed(self, column: str) -> None:
        if column not in self.fields:
            return
        value = str(self.fields[column].value or "")
        if column == "locator":
            message = self.session.check_locator(self.source.value, value) if value.strip() else None
            self._draw()
        elif value.strip() and self.session.fields()[column]["type"] in LIVE_CHECKED:
            message = self.session.check_value(column, value)
        else:
            message = None
        self.checks[column].value = (f'<span style="color: #b91c1c">✗ {html.escape(message)}</span>' if message
                                     else ('<span style="color: #15803d">✓</span>' if value.strip() else ""))

    def new_row(self) -> None:
        """Empty the form for a new row."""
        self.editing = None
        for widget in self.fields.values():
            options = [v for _, v in getattr(widget, "options", [("", "")])]
            widget.value = "" if "" in options else options[0]
        self.status.value = ""

    def open(self, activity_id: str | None) -> None:
        """Fill the form with one of your rows to edit it; saving then replaces it."""
        if not activity_id:
            return
        row = self.session.row(activity_id)
        if row.get("source_id") in self.session.sources():
            self.source.value = row["source_id"]
        unknown = []
        for col, widget in self.fields.items():
            value = row.get(col, "")
            if hasattr(widget, "options") and value not in [v for _, v in widget.options]:
                unknown.append(f"{col} '{value}'")  # e.g. a vocabulary slip made in the CSV: chosen again here
                value = ""
            widget.value = value
        self.editing = activity_id
        self.status.value = f"Editing <code>{html.escape(activity_id)}</code>: saving replaces it." + (
            f" Not among the choices, left empty: {html.escape(', '.join(unknown))}." if unknown else "")

    def _fill_rows(self) -> None:
        self.open_row.options = [("", "")] + [(f"{r.get('activity_id', '')} — {r.get('title', '')[:40]}",
                                               r.get("activity_id", "")) for r in self.session.own_rows()]

    def save(self) -> bool:
        """Validate and save the form's row; say what happened in :attr:`status`. Returns whether it was saved."""
        try:
            line = self.session.save(self.values(), replace=self.editing)
        except ValidationError as exc:
            items = "".join(f"<li>{html.escape(str(p))}</li>" for p in exc.problems)
            self.status.value = f'<div style="color: #b91c1c">Not saved; nothing was written:<ul>{items}</ul></div>'
            return False
        except StudyError as exc:
            self.status.value = f'<div style="color: #b91c1c">Not saved: {html.escape(str(exc))}</div>'
            return False
        saved = self.values()["activity_id"]
        self.status.value = (f'<div style="color: #15803d">Saved <code>{html.escape(saved)}</code> as line {line} of '
                             f"<code>{html.escape(str(self.session.file))}</code>.</div>")
        self.editing = saved
        self._fill_rows()
        self._draw()
        return True

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/html"] = FALLBACK_HTML
        data["text/plain"] = "CodingWorkbench (interactive: open the notebook in JupyterLab)"
        return data


def code_sources(save_to, *, data_dirs=(), source: str | None = None) -> CodingWorkbench:
    """Open the coding workbench (display it by leaving it as a cell's last expression).

    Parameters
    ----------
    save_to : path-like
        Your bundle folder (or a coder's own folder); relative paths are taken from the project root.
    data_dirs : sequence of path-like
        Folders read under it (e.g. the pair's folder when coding as a second coder).
    source : str, optional
        The archived source shown first.
    """
    return CodingWorkbench(CodingSession(save_to, data_dirs=data_dirs), source=source)
