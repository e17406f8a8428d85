"""The coding workbench in JupyterLab: ipywidgets over a :class:`~studylib.lab.coding.CodingSession`.

:class:`CodingWorkbench` lays out the source, the search, the highlighted text, the activity form and the save
button, and passes each event to plain functions: :class:`~studylib.lab.coding.CodingSession` (search, live checks,
validated saves), :mod:`studylib.lab.passages` (the matches, the picked passage in its paragraph, the marked text) and
:func:`~studylib.lab.coding.form_row` / :func:`~studylib.lab.coding.filled_form` (the form as a row and back).
:func:`code_sources` opens it (``notebooks/code_sources.ipynb``).

Text selected with the mouse in a widget is not sent to Python, so a passage is chosen by searching for it: every
match is listed with its context, and picking one makes the passage the locator: the sentence around the match
(*Locator: sentence*, the default) or the match alone; the locator field is checked against the text as it is
edited (shorten it there).

In a coder's mode (``blind=True``) nothing of another coding is shown; with ``units`` the workbench walks the coder
through the units fixed in advance (*Unit* drop-down, *Previous* / *Next*): each unit's id, tie, source and
locator are set, its passage marked in the text, and the coder fills the rest.
"""

from __future__ import annotations

import html

from ..errors import StudyError, ValidationError
from .coding import CodingSession, empty_form, filled_form, form_row
from .passages import MARKS, Passage, marked_text, passage_in_context
from .widgets import static_fallback

__all__ = ["CodingSession", "CodingWorkbench", "Passage", "code_sources"]

FALLBACK_HTML = ("<p><em>Coding workbench (ipywidgets): open this notebook in JupyterLab (<code>make lab</code>) "
                 "to use it.</em></p>")


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
        self.extent = w.ToggleButtons(options=[("sentence", "sentence"), ("match only", "match")], value="sentence",
                                      description="Locator", tooltip="What a picked match puts in the locator")
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
        self.unit_pick = w.Dropdown(description="Unit", layout=w.Layout(width="60%"))
        self.prev_button, self.next_button = w.Button(description="Previous"), w.Button(description="Next")
        self.unit_info = w.HTML()
        for widget, name in [(self.unit_pick, "unit"), (self.prev_button, "prev"), (self.next_button, "next"),
                             (self.unit_info, "unit-info"), (self.extent, "extent"), (self.source, "source"), (self.query, "search"), (self.matches, "matches"),
                             (self.context, "context"), (self.text, "text"), (self.save_button, "save"), (self.new_button, "new"),
                             (self.open_row, "rows"), (self.open_button, "open"), (self.status, "status")]:
            widget.add_class(f"studylib-coding-{name}")
        self.source.observe(lambda _: self._source_changed(), names="value")
        self.query.observe(lambda _: self._search(), names="value")
        self.matches.observe(lambda _: self._match_picked(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.new_button.on_click(lambda _: self.new_row())
        self.open_button.on_click(lambda _: self.open(self.open_row.value))
        self.unit_pick.observe(lambda _: self._unit_picked(), names="value")
        self.prev_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(1))
        where = w.HTML(f"Saving into <code>{html.escape(str(session.file))}</code>; reading "
                       + ", ".join(f"<code>{html.escape(str(d))}</code>" for d in session.layers)
                       + (". <b>Blind coding</b>: the activities of every other folder are hidden (no highlights, "
                          "no values, no ids)." if session.blind else ""))
        where.add_class("studylib-coding-where")
        units = [w.HBox([self.unit_pick, self.prev_button, self.next_button]), self.unit_info] \
            if session.units is not None else []
        self.widget = w.VBox([
            where, *units, w.HBox([self.source, self.query]), self.matches, self.extent, self.context, self.text,
            w.HTML("<b>Activity</b> (fields from the codebook; * required; hover a name for its meaning). In the "
                   "text: " + ("<mark style='" + MARKS["unit"] + "'>unit to code</mark> " if units else "")
                   + "<mark style='" + MARKS["coded"] + "'>" + ("coded by you" if session.blind else "already coded")
                   + "</mark> "
                   "<mark style='" + MARKS["match"] + "'>search match</mark> "
                   "<mark style='" + MARKS["locator"] + "'>this row's locator</mark>"),
            *rows, w.HBox([self.save_button, self.new_button, self.open_row, self.open_button]), self.status,
        ])
        self._fill_rows()
        self._source_changed()
        if session.units is not None:
            self._fill_units()
            self.unit_pick.value = next((u for u in session.unit_ids() if not session.is_coded(u)),
                                        session.unit_ids()[0])

    # ------------------------------------------------------------------------------------------ units fixed in advance
    def _fill_units(self) -> None:
        ids = self.session.unit_ids()
        done = {u for u in ids if self.session.is_coded(u)}
        keep, self._filling = self.unit_pick.value, True
        try:
            self.unit_pick.options = [(f"{i + 1}/{len(ids)} {u}" + (" ✓ coded" if u in done else ""), u)
                                      for i, u in enumerate(ids)]
            self.unit_pick.value = keep if keep in ids else None
        finally:
            self._filling = False
        self._progress = (len(done), len(ids))

    def _unit_picked(self) -> None:
        if self._filling or not self.unit_pick.value:
            return
        self.go_to_unit(self.unit_pick.value)

    def step(self, by: int) -> None:
        """Go to the previous (``by=-1``) or next (``by=1``) unit."""
        ids = self.session.unit_ids()
        if not ids:
            return
        here = ids.index(self.unit_pick.value) if self.unit_pick.value in ids else -1
        self.unit_pick.value = ids[max(0, min(len(ids) - 1, here + by))]

    def go_to_unit(self, activity_id: str) -> None:
        """Show a unit: its source, its passage marked, and its form (the coder's row when it is coded already)."""
        row, coded = self.session.unit_form(activity_id)
        unit = self.session.unit(activity_id)
        self.source.value = unit["source_id"]
        values, unknown = filled_form(row, self._options())
        for col, value in values.items():
            self.fields[col].value = value
        for col in ("activity_id", "tie_id", "locator"):  # fixed by the round
            self.fields[col].disabled = bool(unit.get(col))
        self.editing = activity_id if coded else None
        spans = [p for p in self.session.search(unit["source_id"], unit["locator"])]
        self.context.value = passage_in_context(self.session.text(unit["source_id"]), spans[0]) if spans else ""
        done, total = self._progress
        self.unit_info.value = (f"Unit <code>{html.escape(activity_id)}</code>: "
                                + ("coded; saving replaces your row." if coded else "not coded yet.")
                                + f" {done} of {total} units coded.")
        self.status.value = (f" Not among the choices, left empty: {html.escape(', '.join(unknown))}."
                             if unknown else "")

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
        self.context.value = passage_in_context(self.session.text(self.source.value), passage)
        if not self.fields["locator"].disabled:  # a unit's locator is fixed by the round
            self.fields["locator"].value = passage.passage if self.extent.value == "sentence" else passage.locator

    def _draw(self) -> None:
        source = self.source.value
        locator = self.fields["locator"].value if "locator" in self.fields else ""
        self.text.value = marked_text(self.session.text(source), coded=self.session.coded(source),
                                      matches=self._passages, locator=locator, units=self.session.units_in(source))

    # ------------------------------------------------------------------------------------------ the form
    def values(self) -> dict:
        """The form as a row (``source_id`` is the source shown)."""
        return form_row({c: widget.value for c, widget in self.fields.items()}, self.source.value)

    def _field_changed(self, column: str) -> None:
        if column not in self.fields:
            return
        value = str(self.fields[column].value or "")
        message = self.session.check_field(self.source.value, column, value)
        if column == "locator":
            self._draw()
        self.checks[column].value = (f'<span style="color: #b91c1c">✗ {html.escape(message)}</span>' if message
                                     else ('<span style="color: #15803d">✓</span>' if value.strip() else ""))

    def new_row(self) -> None:
        """Empty the form for a new row."""
        if self.session.units is not None and self.unit_pick.value:
            self.go_to_unit(self.unit_pick.value)  # units fixed in advance: back to the unit's own form
            return
        self.editing = None
        for col, value in empty_form(self._options()).items():
            self.fields[col].value = value
        self.status.value = ""

    def open(self, activity_id: str | None) -> None:
        """Fill the form with one of your rows to edit it; saving then replaces it."""
        if not activity_id:
            return
        row = self.session.row(activity_id)
        if row.get("source_id") in self.session.sources():
            self.source.value = row["source_id"]
        values, unknown = filled_form(row, self._options())
        for col, value in values.items():
            self.fields[col].value = value
        self.editing = activity_id
        self.status.value = f"Editing <code>{html.escape(activity_id)}</code>: saving replaces it." + (
            f" Not among the choices, left empty: {html.escape(', '.join(unknown))}." if unknown else "")

    def _options(self) -> dict:
        """The form's columns -> the values a drop-down offers (``None`` for a free text)."""
        return {c: [v for _, v in widget.options] if hasattr(widget, "options") else None
                for c, widget in self.fields.items()}

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
        if self.session.units is not None:
            self._fill_units()
            done, total = self._progress
            self.unit_info.value = f"Unit <code>{html.escape(saved)}</code>: coded. {done} of {total} units coded."
        self._draw()
        return True

    def _repr_mimebundle_(self, **kwargs):
        return static_fallback(self.widget, FALLBACK_HTML, "CodingWorkbench", **kwargs)


def code_sources(save_to, *, data_dirs=(), source: str | None = None, blind: bool = False,
                 units=None) -> CodingWorkbench:
    """Open the coding workbench (display it by leaving it as a cell's last expression).

    Parameters
    ----------
    save_to : path-like
        Your bundle folder (or a coder's own folder); relative paths are taken from the project root.
    data_dirs : sequence of path-like
        Folders read under it (e.g. the pair's folder when coding as a second coder).
    source : str, optional
        The archived source shown first.
    blind : bool
        A coder's mode: the same units as another coder may be coded, and nothing of any other coding is shown.
    units : path-like, optional
        A round's ``units.csv``: the workbench walks the coder through these units (empty: segment freely).
    """
    return CodingWorkbench(CodingSession(save_to, data_dirs=data_dirs, blind=blind, units=units or None),
                           source=source)
