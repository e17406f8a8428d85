"""The interactive workbench: pick ties (or an actor), sectors, years and a chart, and see them update in place.

:class:`Explorer` is a thin shell of ipywidgets 8 controls over :func:`studylib.lab.explorer.explorer_view`, a plain
function from a :class:`~studylib.lab.explorer.Selection` to the chart, table and message shown, built from the same
functions the reports use; there is no second code path. :meth:`Explorer.selection` is the current selection,
:meth:`Explorer.filtered_events` the events it shows, :meth:`Explorer.view` what it draws, and
:meth:`Explorer.render` writes that into the ``Output`` widget as ordinary display data (a PNG and an HTML table),
replacing what was there.

The widgets are the workbench; static reports stay the record. Displayed in a notebook, an explorer carries an
HTML note as its fallback, so an exported report without widget state shows that note instead of blank space.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..analysis.select import display_labels
from ..errors import StudyError
from ..paths import DATA_DIR, PROJECT_ROOT
from ..report.tables import report_table
from .explorer import (CHARTS, ExplorerView, Selection, check_choices, explorer_view, latest_year, model_formula,
                       select_events)

__all__ = ["Explorer", "ExplorerView", "explore", "CHARTS"]

UNITS = {"tie_id": "Ties", "actor": "Actor"}
FALLBACK_HTML = ("<p><em>Interactive explorer (ipywidgets): open this notebook in JupyterLab "
                 "(<code>make lab</code>) to use it. The static figure below is what reports carry.</em></p>")


def static_fallback(widget, fallback_html: str, name: str, **kwargs) -> dict:
    """A widget's MIME bundle, with the HTML and text that a page rendered without a kernel (nbconvert, a PDF)
    shows in its place."""
    data = widget._repr_mimebundle_(**kwargs)
    data["text/html"] = fallback_html
    data["text/plain"] = f"{name} (interactive: open the notebook in JupyterLab)"
    return data


class Explorer:
    """An ipywidgets workbench over one data bundle.

    Parameters
    ----------
    bundle : Bundle, optional
        The data; loaded from the study's ``data/`` plus ``data_dirs`` when not given.
    data_dirs : sequence of path-like
        Extra bundle folders layered over the study data (used only when ``bundle`` is None).
    ties : sequence of str, optional
        Tie ids selected first (default: every tie with dated events).
    actor : str, optional
        Select one actor (a city id) instead of ties.
    sectors : sequence of str
        Sectors selected first; empty means every sector.
    years : (int, int), optional
        First and last year shown (default: the whole range of the data up to ``end_year``).
    chart : {"timeline", "shares", "heatmap", "irr"}
        The chart shown first.
    expand_annual : bool
        Apply the annual-expansion rule (see :data:`studylib.EXPANSION_RULE`); off by default, as in the reports.
    end_year : int, optional
        Last year of the year slider and of the annual expansion (default: the latest year in the data).

    Raises
    ------
    ParameterError
        For an unknown tie, actor, sector or chart, or years outside the data.

    Attributes
    ----------
    bundle : Bundle
        The data shown (:meth:`load_data` layers more folders over it).
    end_year : int
        Last year of the year slider and of the annual expansion.
    output : ipywidgets.Output
        Where :meth:`render` draws: a message, the chart (PNG) and the table (HTML).
    widget : ipywidgets.VBox
        The whole workbench, controls and output.
    renders : int
        How many times :meth:`render` has drawn (a redraw counter for tests).

    Notes
    -----
    The controls are attributes (``by``, ``ties``, ``actor``, ``sectors``, ``years``, ``chart``, ``expand``,
    ``data_folder``, ``load_button``), the drawing area is ``output`` and the whole layout is ``widget``. Every
    change of a control calls :meth:`render`; use :meth:`set` to change several at once with a single redraw.
    """

    def __init__(self, bundle=None, *, data_dirs=(), ties=None, actor: str | None = None, sectors=(),
                 years: tuple[int, int] | None = None, chart: str = "timeline", expand_annual: bool = False,
                 end_year: int | None = None):
        import ipywidgets as w

        from ..charts import set_study_theme

        set_study_theme()
        self.bundle = bundle if bundle is not None else self._load([DATA_DIR, *data_dirs])
        self._end_year_option = end_year
        self.end_year = latest_year(self.bundle.activities, end_year=end_year)  #: last year of the slider and expansion
        self._cache: dict[bool, pd.DataFrame] = {}
        self._hold = 0
        self.renders = 0
        self.by = w.ToggleButtons(options=[(label, key) for key, label in UNITS.items()], value="tie_id",
                                  description="Select by")
        self.ties = w.SelectMultiple(description="Ties", rows=6)
        self.actor = w.Dropdown(description="Actor")
        self.sectors = w.SelectMultiple(description="Sectors", rows=6)
        self.years = w.IntRangeSlider(description="Years", continuous_update=False, layout=w.Layout(width="640px"))
        self.chart = w.Dropdown(options=[(label, key) for key, label in CHARTS.items()], value="timeline",
                                description="Chart")
        self.expand = w.Checkbox(value=bool(expand_annual), description="Expand annual programmes", indent=False)
        self.data_folder = w.Text(placeholder="a bundle folder, e.g. data/local/bandung-suwon (from the project root)",
                                  description="Add data")
        self.load_button = w.Button(description="Load", tooltip="layer this folder over the study data")
        self.data_status = w.HTML()
        self.output = w.Output()
        for widget, name in [(self.by, "by"), (self.ties, "ties"), (self.actor, "actor"), (self.sectors, "sectors"),
                             (self.years, "years"), (self.chart, "chart"), (self.expand, "expand"),
                             (self.output, "explorer-output")]:
            widget.add_class(f"studylib-{name}")
        self._fill_options()
        with self.hold():
            self._set_values(ties=ties, actor=actor, sectors=sectors, years=years, chart=chart)
        for widget in (self.by, self.ties, self.actor, self.sectors, self.years, self.chart, self.expand):
            widget.observe(self._changed, names="value")
        self.load_button.on_click(lambda _: self._load_clicked())
        self.widget = w.VBox([
            w.HBox([self.by, self.chart, self.expand]),
            w.HBox([self.ties, self.actor, self.sectors]),
            self.years,
            w.HBox([self.data_folder, self.load_button, self.data_status]),
            self.output,
        ])
        self._sync_enabled()
        self.render()

    # ------------------------------------------------------------------------------------------ data
    @staticmethod
    def _load(dirs):
        from ..bundle.load import load_bundle

        return load_bundle(*dirs)

    @property
    def data_dirs(self) -> list[str]:
        """The bundle folders layered over the study data (``--data`` folders and any loaded here)."""
        return [str(d) for d in self.bundle.dirs if Path(d) != DATA_DIR]

    def events(self, *, expand_annual: bool | None = None) -> pd.DataFrame:
        """All events of the bundle up to :attr:`end_year` (cached per expansion setting)."""
        from ..analysis.panel import expand_activities

        expand = bool(self.expand.value if expand_annual is None else expand_annual)
        if expand not in self._cache:
            self._cache[expand] = expand_activities(self.bundle.activities, end_year=self.end_year,
                                                    expand_annual=expand)
        return self._cache[expand]

    def labels(self) -> dict:
        """Display names of ties and cities (e.g. 'Surabaya–Busan', 'Seoul'): :func:`studylib.display_labels`."""
        return display_labels(self.bundle)

    def _fill_options(self) -> None:
        labels = self.labels()
        all_events = pd.concat([self.events(expand_annual=True), self.events(expand_annual=False)])
        tie_ids = sorted({t for t in all_events["tie_id"].astype(str) if t})
        actors = sorted({a for a in all_events["actor"].astype(str) if a})
        sectors = [s for s in self.bundle.codebook.vocabulary("sector")
                   if s in set(self.bundle.activities["sector"].astype(str))]
        first = int(all_events["year"].min()) if len(all_events) else self.end_year
        with self.hold():
            self.ties.options = [(labels.get(t, t), t) for t in tie_ids]
            self.actor.options = [(f"{labels.get(a, a)} ({a})", a) for a in actors]
            self.sectors.options = sectors
            self.years.min, self.years.max = -10**6, 10**6  # widen first so the new bounds never clash
            self.years.min, self.years.max = first, max(first, self.end_year)
            self.years.value = (self.years.min, self.years.max)

    def load_data(self, *dirs) -> None:
        """Layer more bundle folders over the data, reload, and redraw (relative folders start at the project root).

        Ties still present stay selected; the sector filter resets to every sector.

        Raises
        ------
        StudyError
            When a folder does not exist; :class:`~studylib.ValidationError` lists every problem in the data.
        """
        self.bundle = self._load([*self.bundle.dirs, *(_from_root(d) for d in dirs)])
        self._cache = {}
        self.end_year = latest_year(self.bundle.activities, end_year=self._end_year_option)
        with self.hold():
            self._fill_options()
            self._set_values(ties=None, actor=None, sectors=(), years=None, chart=self.chart.value)
        self.render()

    def _load_clicked(self) -> None:
        folder = self.data_folder.value.strip()
        if not folder:
            self.data_status.value = "<em>Type a folder first.</em>"
            return
        try:
            self.load_data(folder)
        except StudyError as exc:
            self.data_status.value = f"<pre>{html.escape(str(exc))}</pre>"
        else:
            self.data_status.value = f"Loaded <code>{html.escape(str(_from_root(folder)))}</code>."

    # ------------------------------------------------------------------------------------- selection
    @contextmanager
    def hold(self):
        """Within this block control changes do not redraw (call :meth:`render` afterwards)."""
        self._hold += 1
        try:
            yield self
        finally:
            self._hold -= 1

    def _changed(self, change) -> None:
        if change["owner"] is self.by:
            self._sync_enabled()
        if not self._hold:
            self.render()

    def _sync_enabled(self) -> None:
        self.ties.disabled = self.by.value != "tie_id"
        self.actor.disabled = self.by.value != "actor"

    def _set_values(self, *, ties=None, actor=None, sectors=None, years=None, chart=None,
                    expand_annual=None) -> None:
        tie_options = [v for _, v in self.ties.options]
        actor_options = [v for _, v in self.actor.options]
        c = check_choices(ties=ties, actor=actor, sectors=sectors, years=years, chart=chart,
                          known_ties=self.bundle.tie_ids(), tie_options=tie_options, actor_options=actor_options,
                          sector_options=self.sectors.options, year_bounds=(self.years.min, self.years.max))
        new: list[tuple] = []
        if c["ties"] is not None:
            new += [(self.ties, c["ties"]), (self.by, "tie_id")]
        elif actor is None and not self.ties.value:
            new.append((self.ties, tuple(tie_options)))
        if c["actor"] is not None:
            new += [(self.actor, c["actor"]), (self.by, "actor")]
        elif self.actor.value is None and actor_options:
            new.append((self.actor, actor_options[0]))  # ready when the user switches to 'Actor'
        if c["sectors"] is not None:
            new.append((self.sectors, c["sectors"]))
        if c["years"] is not None:
            new.append((self.years, c["years"]))
        if c["chart"] is not None:
            new.append((self.chart, c["chart"]))
        if expand_annual is not None:
            new.append((self.expand, bool(expand_annual)))
        for widget, value in new:  # everything was checked first: a bad value changes nothing
            widget.value = value
        self._sync_enabled()

    def set(self, *, ties=None, actor: str | None = None, sectors=None, years=None, chart: str | None = None,
            expand_annual: bool | None = None) -> "Explorer":
        """Change several controls at once and redraw once.

        Parameters are as in :class:`Explorer`; None leaves a control as it is. Giving ``ties`` selects by ties,
        giving ``actor`` selects by that actor; ``sectors=[]`` means every sector.

        Raises
        ------
        ParameterError
            For an unknown tie, actor, sector or chart, or years outside the slider; nothing changes then.
        """
        with self.hold():
            self._set_values(ties=ties, actor=actor, sectors=sectors, years=years, chart=chart,
                             expand_annual=expand_annual)
        self.render()
        return self

    def state(self) -> dict:
        """The current selection as plain values.

        Returns
        -------
        dict
            ``by`` ("tie_id" or "actor"), ``ties`` (list), ``actor`` (str or None), ``sectors`` (list; empty
            means every sector), ``years`` ((first, last)), ``chart``, ``expand_annual``, ``end_year`` and
            ``data_dirs``.
        """
        return {
            "by": self.by.value,
            "ties": list(self.ties.value),
            "actor": self.actor.value,
            "sectors": list(self.sectors.value),
            "years": tuple(int(y) for y in self.years.value),
            "chart": self.chart.value,
            "expand_annual": bool(self.expand.value),
            "end_year": self.end_year,
            "data_dirs": list(self.data_dirs),
        }

    def selection(self) -> Selection:
        """The current selection, as :func:`studylib.lab.explorer.explorer_view` takes it."""
        lo, hi = (int(y) for y in self.years.value)
        return Selection(years=(lo, hi), by=self.by.value, ties=tuple(self.ties.value), actor=self.actor.value,
                         sectors=tuple(self.sectors.value), chart=self.chart.value)

    def filtered_events(self) -> pd.DataFrame:
        """The events the current selection shows: by ties or actor, sectors and years."""
        return select_events(self.events(), self.selection())

    # ------------------------------------------------------------------------------------------- views
    def view(self) -> ExplorerView:
        """The chart, table and message for the current selection (nothing is displayed).

        Returns
        -------
        ExplorerView
            ``figure`` is None when no event matches or the count model cannot be estimated; ``message`` then
            says why in plain words (see :func:`studylib.lab.explorer.explorer_view`).
        """
        return explorer_view(self.bundle, self.events(), self.selection())

    def model_formula(self, panel: pd.DataFrame) -> str:
        """``activities ~ C(<unit>) + C(sector)``, keeping only the terms with two or more levels in ``panel``."""
        return model_formula(panel, unit=self.by.value)

    def figure(self):
        """The current chart as a matplotlib Figure, for a static report (a note figure when there is no chart)."""
        import matplotlib.pyplot as plt

        v = self.view()
        if v.figure is not None:
            return v.figure
        fig, ax = plt.subplots(figsize=(8, 1.6))
        ax.axis("off")
        ax.text(0, 0.5, "\n".join(textwrap.wrap(v.message, 110)), va="center", ha="left", fontsize=9,
                transform=ax.transAxes)
        return fig

    def table(self) -> pd.DataFrame:
        """The small table under the current chart."""
        return self.view().table

    def render(self) -> ExplorerView:
        """Draw the current selection into :attr:`output`, replacing its previous contents.

        The output holds an HTML message, the chart as a PNG image and the table as HTML (display data, so it
        works with any matplotlib backend and is testable without a browser). A :class:`~studylib.StudyError`
        is shown as its message instead of a chart.
        """
        import matplotlib.pyplot as plt

        try:
            v = self.view()
        except StudyError as exc:
            v = ExplorerView(None, pd.DataFrame(), f"Cannot show this selection: {exc}")
        outputs = [_display_data({"text/html": f"<p>{html.escape(v.message)}</p>", "text/plain": v.message})]
        if v.figure is not None:
            buf = io.BytesIO()
            v.figure.savefig(buf, format="png", dpi=100, metadata={"Software": None})
            plt.close(v.figure)
            png = base64.b64encode(buf.getvalue()).decode("ascii")
            outputs.append(_display_data({"image/png": png, "text/plain": f"<Figure: {self.chart.value}>"}))
        if not v.table.empty:
            outputs.append(_display_data({"text/html": report_table(v.table).to_html(),
                                          "text/plain": v.table.to_string(index=False)}))
        self.output.outputs = tuple(outputs)
        self.renders += 1
        return v

    # ------------------------------------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs):
        return static_fallback(self.widget, FALLBACK_HTML, "Explorer", **kwargs)

    def __repr__(self) -> str:
        s = self.state()
        return f"Explorer(by={s['by']!r}, ties={s['ties']}, actor={s['actor']!r}, sectors={s['sectors']}, " \
               f"years={s['years']}, chart={s['chart']!r})"


def _display_data(data: dict) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def explore(bundle=None, *, data_dirs=(), **options) -> Explorer:
    """Make an :class:`Explorer` (display it by leaving it as a cell's last expression).

    Parameters
    ----------
    bundle : Bundle, optional
        The data; loaded from the study's ``data/`` plus ``data_dirs`` when not given.
    data_dirs : sequence of path-like
        Extra bundle folders layered over the study data.
    **options
        The first selection: ``ties``, ``actor``, ``sectors``, ``years``, ``chart``, ``expand_annual``,
        ``end_year`` (see :class:`Explorer`).

    Returns
    -------
    Explorer
    """
    return Explorer(bundle, data_dirs=data_dirs, **options)


def _from_root(folder) -> Path:
    """A folder typed in the workbench: relative paths start at the project root (as in the README's
    ``data/local/<pair>``), not at ``notebooks/``, where the kernel runs; ``~`` is the user's home."""
    path = Path(folder).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
