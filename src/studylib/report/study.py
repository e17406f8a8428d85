"""What a study notebook holds while it runs: the checked parameters, the data, and where outputs go.

A notebook opens one :class:`StudyRun` in its second cell and then only calls it and the analysis functions,
so the notebook reads like a short paper and all logic lives (and is tested) here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..analysis.panel import expand_activities
from ..analysis.select import display_labels
from ..analysis.terms import labelled_tidy, reference_sentence
from ..bundle.handover import handed_over
from ..bundle.load import Bundle, load_bundle
from ..errors import ModelError
from ..i18n import _, localize_number_text, name_in_language, set_language
from ..paths import DATA_DIR, NUMBERING_FILE, OUTPUTS_DIR, WARNINGS_FILE, no_home
from . import sections
from .latex import write_latex, write_regression_table
from .outputs import figure_caption, show_png, write_figure, write_table
from .parameters import check_parameters, notebook_parameters, run_slug
from .references import cited_source_ids, reference_list_markdown
from .tables import Table, md_code, md_escape, report_table

# Table and md_escape live in studylib.report.tables; they stay importable from here for code written against this module
__all__ = ["StudyRun", "ModelReport", "open_study"]

#: The gettext context of a saved table's title ("Sector counts", from its file name), translated in report.po.
TABLE_TITLE_CONTEXT = "table title"
ACTIVITY_COLUMNS = ["activity_id", "start", "end", "title", "sector", "activity_type", "actor_type", "direction", "recurrence", "until",
                    "participants", "participants_qualifier", "stage", "certainty", "source_id", "locator"]


class StudyRun:
    """Parameters, data and outputs of one notebook run."""

    def __init__(self, notebook: str, params: dict, bundle: Bundle, output_dir: Path):
        self.notebook = notebook
        self.params = params
        self.bundle = bundle
        self.output_dir = output_dir
        self.figures: list[Path] = []
        self.tables: list[Path] = []
        self.warnings: list[str] = []  # 'Category: message' of every distinct warning while the run computed
        self.models: list = []  # every count model fitted, for the side-by-side LaTeX table
        self.numbered: list[dict] = []  # "Figure n." / "Table n." in the order shown: kind, number, caption, files

    # -------------------------------------------------------------------------------------- warnings
    def capture_warnings(self) -> None:
        """Record warnings (e.g. a model's numerical ones, a missing glyph) instead of printing them to stderr.

        A report shows them once, in one line of its Provenance section (:meth:`warnings_markdown`), never as stderr
        text with a library's file path; each distinct warning is also written to the run's ``warnings.txt``, which
        the runner copies into ``manifest.json``. :func:`open_study` calls this in a notebook.
        """
        import warnings

        def record(message, category, filename, lineno, file=None, line=None):
            text = f"{category.__name__}: {no_home(str(message)).strip()}"
            if text not in self.warnings:
                self.warnings.append(text)
                self.output_dir.mkdir(parents=True, exist_ok=True)
                with open(self.output_dir / WARNINGS_FILE, "a", encoding="utf-8") as fh:
                    fh.write(text.replace("\n", " ") + "\n")

        warnings.showwarning = record

    def warnings_markdown(self) -> str:
        """One line of Markdown naming the warnings raised while the run computed ('' when there were none)."""
        return sections.warnings_line(self.warnings)

    # ----------------------------------------------------------------------------------------- data
    @property
    def end_year(self) -> int:
        return int(self.params.get("end_year", pd.Timestamp.today().year))

    def events(self, *, stages=("implemented",)) -> pd.DataFrame:
        """Events under the run's expansion setting (see :func:`studylib.expand_activities`)."""
        return expand_activities(self.bundle.activities, end_year=self.end_year,
                                 expand_annual=bool(self.params.get("expand_annual", False)), stages=stages)

    def dated_note(self, events: pd.DataFrame, activities: pd.DataFrame) -> str:
        """Markdown warning a reader when no event is dated (see :func:`studylib.report.sections.dated_note`)."""
        return sections.dated_note(events, activities, end_year=self.end_year)

    def activity_digest(self, activities: pd.DataFrame) -> pd.DataFrame:
        """The coded activities as a compact reading table (see :func:`studylib.report.sections.activity_digest`)."""
        return sections.activity_digest(activities)

    def activities(self, *, tie_ids=None, actor=None) -> pd.DataFrame:
        """Coded activities of some ties or of an actor, as a readable table with sources and locators."""
        acts = self.bundle.activities
        mask = pd.Series(True, index=acts.index)
        if tie_ids is not None:
            mask &= acts["tie_id"].isin(list(tie_ids))
        if actor is not None:
            mask &= acts["actor"] == actor
        out = acts.loc[mask, ["tie_id", *ACTIVITY_COLUMNS]].copy()
        return out.sort_values(["tie_id", "start", "activity_id"]).reset_index(drop=True)

    def labels(self) -> dict:
        """Display names of ties and cities, looked up in the data (see :func:`studylib.display_labels`)."""
        return display_labels(self.bundle)

    # --------------------------------------------------------------------------------------- outputs
    def save_figure(self, fig, stem: str) -> list[Path]:
        """Save ``fig`` (a Figure, or an Axes of one) under ``figures/`` as PNG + SVG, number it, show it, and return
        the paths.

        Figures are numbered in the order they are saved ("Figure 1.", ...); the number, the title and caption and
        the files are recorded for the run's manifest. In a notebook the saved PNG itself is shown (at the figure's
        on-screen size, with its caption as alt text) with "Figure n. title. caption" as text beneath it, and the
        figure is closed, so it is drawn once per file and the report embeds exactly the file in ``figures/``.
        Outside IPython nothing is shown and the figure stays open.
        """
        fig = getattr(fig, "figure", fig)  # an Axes drawn into by a chart: save its whole figure
        paths = write_figure(fig, stem, directory=self.output_dir / "figures")
        self.figures += paths
        caption = figure_caption(fig)
        label = self._number("figure", caption or stem.replace("_", " "), paths)
        show_png(fig, paths[0], stem=stem, label=label)
        return paths

    @staticmethod
    def show(data: pd.DataFrame, *, max_rows: int = 60, name: str | None = None, own_decimals=()) -> Table:
        """A table for the report (see :func:`studylib.report.tables.report_table`)."""
        return report_table(data, max_rows=max_rows, name=name, own_decimals=own_decimals)

    def save_table(self, data: pd.DataFrame, name: str, *, view: pd.DataFrame | None = None, own_decimals=()):
        """Write ``data`` to ``tables/<name>.csv`` (UTF-8, no index) and return it (or ``view``) as a :class:`Table`
        (``own_decimals``: see :meth:`show`)."""
        path = self.output_dir / "tables" / f"{name}.csv"
        clean = write_table(data, path)
        words = name.replace("_", " ")
        shown = name_in_language(TABLE_TITLE_CONTEXT, words.capitalize())  # 'Sector counts' in the run's language
        write_latex(clean, path.with_suffix(".tex"), caption=words if shown == words.capitalize() else shown,
                    label=f"tab:{self.notebook}-{name}", own_decimals=own_decimals)
        self.tables.append(path)
        table = self.show(clean if view is None else view, name=name, own_decimals=own_decimals)
        table.title = " ".join(t for t in (f"{shown} (tables/{path.name}).",
                                           data.attrs.get("references", "")) if t)
        table.numbering = lambda t: self._number("table", t.title, [path, path.with_suffix(".tex")])
        return table

    def _number(self, kind: str, caption: str, files) -> str:
        """The next "Figure n." / "Table n." label; recorded (with caption and files) in ``numbering.json``, which
        the runner moves into the manifest."""
        number = 1 + sum(item["kind"] == kind for item in self.numbered)
        self.numbered.append({"kind": kind, "number": number, "caption": caption,
                              "files": [str(Path(f).relative_to(self.output_dir)) for f in files]})
        (self.output_dir / NUMBERING_FILE).write_text(json.dumps(self.numbered, indent=1, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")
        return (_("Figure {number}.") if kind == "figure" else _("Table {number}.")).format(number=number)

    # -------------------------------------------------------------------------------------- sections
    def sources_section(self, *frames: pd.DataFrame) -> str:
        """Markdown: the sources the rows of ``frames`` cite, with type, reliability and caveats."""
        return sections.sources_section(self.bundle.sources, *frames)

    @staticmethod
    def caveats_section(activities: pd.DataFrame, ties: pd.DataFrame | None = None) -> str:
        """Markdown: rows that are disputed, unverified, planned or undated, named one by one."""
        return sections.caveats_section(activities, ties)

    def method_section(self) -> str:
        """Markdown: the assumptions this run made, with their parameter values."""
        return sections.method_section(expand_annual=bool(self.params.get("expand_annual", False)),
                                       end_year=self.end_year)

    def provenance_section(self) -> str:
        """Markdown: data files (SHA-256), parameters, package versions and git state of this run, then the
        references: every source the run's saved tables cite; first, in one line, any warnings raised while the run
        computed."""
        refs = reference_list_markdown(self.bundle.sources, cited_source_ids(self.output_dir / "tables"),
                                       style=str(self.params.get("citation_style") or "apa"))
        heading = _("**References**")
        text = sections.provenance_section(self.bundle.files, self.params) + f"\n\n{heading}\n\n" + refs
        caution = self.warnings_markdown()
        return f"{caution}\n\n{text}" if caution else text

    def tie_section(self, tie_id: str) -> str:
        """Markdown: what the tie is, when it was formed (at the source's precision), its status and source."""
        return sections.tie_section(self.bundle, tie_id)

    def count_model(self, data: pd.DataFrame, formula: str, *, family: str = "auto", **options) -> "ModelReport":
        """Fit a count model, or record in plain words why the data cannot support it.

        ``family='auto'`` fits Poisson and switches to negative binomial when over-dispersed
        (see :func:`studylib.choose_count_family`). Only a :class:`~studylib.ModelError` (too few rows, no
        variation, separation...) becomes report text; misuse of the API (a formula naming a missing column, an
        unknown family, a wrong argument) raises ``ValueError`` / ``TypeError`` and fails the run.
        """
        from ..analysis.models import choose_count_family, fit_model

        try:
            if family == "auto":
                result = choose_count_family(data, formula, **options)
            else:
                result = fit_model(data, formula, family, **options)
        except ModelError as exc:
            report = ModelReport(None, str(exc), formula)
        else:
            report = ModelReport(result, "", formula, labels=self.labels())
        self.models.append(report)
        write_regression_table(self.models, self.output_dir / "tables" / "models.tex",
                               caption=_("Count models ({notebook})").format(notebook=self.notebook),
                               label=f"tab:{self.notebook}-models")
        return report


class ModelReport:
    """A fitted model, or the reason it was not fitted; renders either as Markdown for the report."""

    def __init__(self, result, reason: str, formula: str, *, labels: dict | None = None):
        self.result, self.reason, self.formula = result, reason, formula
        self.labels = labels or {}  # display names of levels (tie ids), for the terms in words

    @property
    def fitted(self) -> bool:
        return self.result is not None

    def tidy(self) -> pd.DataFrame:
        """The coefficients (:meth:`ModelResult.tidy`) with each term also in words (``label``)."""
        table = labelled_tidy(self.result.tidy() if self.fitted else pd.DataFrame(
            columns=["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]), self.labels)
        table.attrs["references"] = self.references()  # carried into the table's and the chart's caption
        return table

    def references(self) -> str:
        """The sentence naming each categorical variable's reference category ("" for none)."""
        return reference_sentence(self.result.result, self.labels) if self.fitted else ""

    def glance(self) -> pd.DataFrame:
        return self.result.glance() if self.fitted else pd.DataFrame()

    def markdown(self) -> str:
        if not self.fitted:
            return _("**Model {formula} was not estimated.** {reason}").format(formula=md_code(self.formula),
                                                                             reason=md_escape(self.reason))
        g = self.result.glance().iloc[0]
        text = _("Model {formula}, family **{family}**: n = {n}, df model = {df_model}, df residual = {df_resid}."
                 ).format(formula=md_code(self.formula), family=self.result.family, n=int(g["n"]),
            df_model=_general(g["df_model"]), df_resid=_general(g["df_resid"]))
        if self.references():
            text += " " + _("{references} Each coefficient compares its level with these.").format(
                references=md_escape(self.references()))
        choice = getattr(self.result, "choice", "")
        if choice:
            text += f" {md_escape(choice)}"
        for w in getattr(self.result, "warnings", []):
            text += "\n\n" + _("**Caution:** {warning}").format(warning=md_escape(w))
        return text


def _general(value: float) -> str:
    """``f"{value:g}"`` with the current language's decimal mark (degrees of freedom may be fractional)."""
    return localize_number_text(f"{value:g}")


def open_study(notebook: str, *, data_dirs=(), output_dir: str = "", **params) -> StudyRun:
    """Check a notebook's parameters, load the data and prepare the output folder.

    Parameters
    ----------
    notebook : str
        The notebook's stem (e.g. ``pair_profile``).
    data_dirs : sequence of path-like
        Extra bundle folders layered on top of the study's ``data/``.
    output_dir : str
        Where figures and tables go; empty means ``outputs/<notebook>/<slug>/``.
    **params
        The notebook's own parameters (checked: names, types, ids in the data).
    """
    from ..charts import set_study_theme

    # Run by the runner, the data were validated a moment ago: take its bundle over if the files are unchanged
    bundle = (handed_over(output_dir, DATA_DIR, *data_dirs) if output_dir else None) or load_bundle(DATA_DIR, *data_dirs)
    values = {**params, "data_dirs": list(map(str, data_dirs)), "output_dir": output_dir}
    checked = check_parameters(notebook, values, bundle=bundle)
    set_language(checked.get("lang", "en"))  # every text the library writes from here on is in the run's language
    out = Path(output_dir) if output_dir else OUTPUTS_DIR / notebook / run_slug(checked, notebook_parameters(notebook))
    out.mkdir(parents=True, exist_ok=True)
    set_study_theme()
    run = StudyRun(notebook, checked, bundle, out)
    if _in_ipython():
        run.capture_warnings()
    return run


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    return get_ipython() is not None
