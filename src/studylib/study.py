"""What a study notebook holds while it runs: the checked parameters, the data, and where outputs go.

A notebook opens one :class:`StudyRun` in its second cell and then only calls it and the analysis functions,
so the notebook reads like a short paper and all logic lives (and is tested) here.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .bundle import Bundle, handed_over, load_bundle
from .errors import ModelError
from .panel import EXPANSION_RULE, expand_activities
from .parameters import check_parameters, run_slug
from .paths import DATA_DIR, OUTPUTS_DIR
from .provenance import package_versions, git_state

__all__ = ["StudyRun", "Table", "ModelReport", "open_study", "md_escape"]

ACTIVITY_COLUMNS = ["activity_id", "start", "end", "title", "sector", "activity_type", "direction", "recurrence", "until",
                    "participants", "participants_qualifier", "stage", "certainty", "source_id", "locator"]


def md_escape(text) -> str:
    """Escape a data string for Markdown text: no tag, script or Markdown syntax survives."""
    s = html.escape(str(text), quote=False).replace("\\", "\\\\")
    for ch in "`*_{}[]()#+!|~":
        s = s.replace(ch, "\\" + ch)
    return s


def md_code(text) -> str:
    """A data string as a Markdown code span (shown literally; backticks cannot close it early)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


MAX_CAVEATS = 40


def _some(ids: list, limit: int = 30) -> str:
    """Comma-separated escaped ids, at most ``limit`` of them and a count of the rest."""
    text = ", ".join(md_escape(i) for i in ids[:limit])
    return text + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


NUMERICAL_ZERO = 1e-9  # below this an estimate is round-off (e.g. 1e-16 for an effect that is zero in theory)
P_VALUE_COLUMNS = ("p_value", "pvalue", "p")
MAX_DECIMALS = 3


def _is_float(value) -> bool:
    return isinstance(value, (float, np.floating)) and value == value  # NaN is missing, not a number


def _tiny(value: float, *, p_value: bool) -> bool:
    """A real value too small to show at ``MAX_DECIMALS`` decimals (shown with two significant digits instead)."""
    return 0 < abs(value) < 10 ** -MAX_DECIMALS and (p_value or abs(value) >= NUMERICAL_ZERO)


def _decimals(values: list, *, p_value: bool) -> int:
    """Decimals for a column's floats: p-values 3; otherwise as many as its most precise value needs, at most 3.

    A column of whole numbers reads as integers, a percentage coded as 99.9 keeps one decimal, and an estimate of
    exactly 1 beside 0.851 reads 1.000.
    """
    if p_value:
        return MAX_DECIMALS
    shown = [f"{v:.{MAX_DECIMALS}f}".rstrip("0") for v in values if np.isfinite(v) and not _tiny(v, p_value=False)]
    return max((len(t) - t.index(".") - 1 for t in shown), default=0)


def _column_text(values, *, p_value: bool = False, own_decimals: bool = False) -> list[str]:
    """Display text of one table column: missing values blank, every float of the column to the same decimals
    (``own_decimals``: each float to the decimals it needs, for values in mixed units, e.g. 4404 people and 99.9 %).

    Values below 0.001 keep two significant digits, so a small real value is not shown as zero; round-off noise
    below ``NUMERICAL_ZERO`` reads as zero, except in p-value columns, where a tiny p is a result.
    """
    values = list(values)
    column = _decimals([v for v in values if _is_float(v)], p_value=p_value)
    out = []
    for value in values:
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, (float, np.floating)) and value != value):
            out.append("")
        elif not _is_float(value):
            out.append(str(value))
        elif _tiny(value, p_value=p_value):
            out.append(f"{value:.2g}")
        else:
            places = _decimals([value], p_value=p_value) if own_decimals else column
            out.append(f"{0.0 if abs(value) < NUMERICAL_ZERO else value:.{places}f}")
    return out


TABLE_CLASS = "studylib-table"
# Text reads best left-aligned; '!important' because JupyterLab right-aligns output cells with a stronger selector.
TABLE_STYLE = (f"<style>table.{TABLE_CLASS} td, table.{TABLE_CLASS} th "
               "{text-align: left !important; vertical-align: top !important;}</style>")


class Table:
    """A table as a report shows it (what :meth:`StudyRun.show` returns): text HTML-escaped, no index, numbers
    formatted for reading; ``caption`` says where the rows not shown are.

    Each column's numbers have one number of decimals (as many as its most precise value needs, at most 3), except
    the ``own_decimals`` columns, whose numbers each keep their own (values coded in mixed units, e.g. an indicator's
    ``value`` beside its ``unit``). In a notebook it displays as HTML; :meth:`to_html` gives the same HTML, ``data``
    the rows shown.
    """

    def __init__(self, data: pd.DataFrame, *, caption: str = "", own_decimals=()):
        self.data = data
        self.caption = caption
        self.own_decimals = set(own_decimals)

    def to_html(self) -> str:
        text = pd.DataFrame({j: _column_text(self.data.iloc[:, j], p_value=str(col).lower() in P_VALUE_COLUMNS,
                                             own_decimals=col in self.own_decimals)
                             for j, col in enumerate(self.data.columns)}, index=self.data.index, dtype=object)
        text.columns = self.data.columns  # by position: a repeated column name keeps every column
        table = text.to_html(index=False, border=0, classes=TABLE_CLASS, escape=True, na_rep="",
                             justify="left")
        caption = f"<p>{html.escape(self.caption)}</p>\n" if self.caption else ""
        return f"{TABLE_STYLE}\n{caption}{table}"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        rows, cols = self.data.shape
        return f"<Table: {rows} rows x {cols} columns{'; ' + self.caption if self.caption else ''}>"


class StudyRun:
    """Parameters, data and outputs of one notebook run."""

    def __init__(self, notebook: str, params: dict, bundle: Bundle, output_dir: Path):
        self.notebook = notebook
        self.params = params
        self.bundle = bundle
        self.output_dir = output_dir
        self.figures: list[Path] = []
        self.tables: list[Path] = []

    # ----------------------------------------------------------------------------------------- data
    @property
    def end_year(self) -> int:
        return int(self.params.get("end_year", pd.Timestamp.today().year))

    def events(self, *, stages=("implemented",)) -> pd.DataFrame:
        """Events under the run's expansion setting (see :func:`studylib.expand_activities`)."""
        return expand_activities(self.bundle.activities, end_year=self.end_year,
                                 expand_annual=bool(self.params.get("expand_annual", True)), stages=stages)

    @staticmethod
    def dated_note(events: pd.DataFrame, activities: pd.DataFrame) -> str:
        """Markdown warning a reader when no event is dated, so yearly results below are empty ('' otherwise)."""
        if len(events):
            return ""
        undated = int((activities["start"].astype(str) == "").sum())
        return (f"**No dated events.** None of the {len(activities)} coded activities here has a date the yearly "
                f"analysis can use ({undated} undated, the others planned or proposed); the charts and the model "
                "below are empty. The activities are listed under Data.")

    def activity_digest(self, activities: pd.DataFrame) -> pd.DataFrame:
        """The coded activities as a compact reading table: when, what, who, and where in which source."""
        a = activities
        when = a["start"].where(a["start"] != "", "undated")
        annual = a["recurrence"].astype(str) == "annual"
        until = a["until"].astype("string").fillna("")
        since = ("from " + a["start"]).where(a["start"] != "", "start undated")
        when = when.where(~annual, "annual, " + since + until.map(lambda u: f" to {u}" if u else ""))
        when = when.where(a["end"] == "", when + " to " + a["end"])
        qualifier = a["participants_qualifier"].astype(object).map({"at_least": "≥ ", "about": "≈ "}).fillna("")
        people = (qualifier + a["participants"].astype("string").fillna("")).where(a["participants"].notna(), "")
        out = pd.DataFrame({
            "id": a["activity_id"], "when": when, "activity": a["title"], "sector": a["sector"].astype(str),
            "type": a["activity_type"].astype(str), "direction": a["direction"].astype(str), "people": people,
            "status": a["certainty"].astype(str) + (", " + a["stage"].astype(str)).where(a["stage"].astype(str) != "implemented", ""),
            "source (locator)": a["source_id"] + " (" + a["locator"] + ")",
        })
        if "tie_id" in a.columns and a["tie_id"].nunique() > 1:
            out.insert(0, "tie", a["tie_id"])
        return out

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
        """Display names of ties and cities, looked up in the data."""
        out = {t: self.bundle.tie_label(t) for t in self.bundle.tie_ids()}
        out.update(dict(zip(self.bundle.cities["city_id"], self.bundle.cities["name"])))
        return out

    # --------------------------------------------------------------------------------------- outputs
    def save_figure(self, fig, stem: str):
        """Save ``fig`` under ``figures/`` (PNG + SVG) and show it.

        In a notebook the saved PNG itself is shown (at the figure's on-screen size, with its caption as alt text)
        and the figure is closed, so it is drawn once per file rather than again for the screen, and the report
        embeds exactly the file in ``figures/``; nothing is returned. Outside IPython ``fig`` is returned.
        """
        from .charts import save_figure

        paths = save_figure(fig, stem, directory=self.output_dir / "figures")
        self.figures += paths
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the notebook stack
            return fig
        if get_ipython() is None:
            return fig
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        alt = ". ".join(t for t in (fig.get_suptitle(), getattr(fig, "caption", "")) if t) or stem
        display(Image(filename=str(paths[0]), width=round(fig.get_figwidth() * fig.dpi), alt=alt))
        plt.close(fig)
        return None

    @staticmethod
    def show(data: pd.DataFrame, *, max_rows: int = 60, name: str | None = None, own_decimals=()) -> Table:
        """A table for the report: every text HTML-escaped, no index, one number of decimals per column.

        Long tables show their first ``max_rows`` rows and say where the rest is. ``own_decimals`` names columns of
        values coded in mixed units, whose numbers each keep their own decimals (see :class:`Table`).
        """
        caption = ""
        if len(data) > max_rows:
            where = f"tables/{name}.csv" if name else "the table's CSV file"
            caption = f"First {max_rows} of {len(data):,} rows; every row is in {where}."
        return Table(data.head(max_rows), caption=caption, own_decimals=own_decimals)

    def save_table(self, data: pd.DataFrame, name: str, *, view: pd.DataFrame | None = None, own_decimals=()):
        """Write ``data`` to ``tables/<name>.csv`` (UTF-8, no index) and return it (or ``view``) as a :class:`Table`
        (``own_decimals``: see :meth:`show`)."""
        path = self.output_dir / "tables" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        clean = data.drop(columns=[c for c in data.columns if str(c).startswith("_")])
        clean.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
        self.tables.append(path)
        return self.show(clean if view is None else view, name=name, own_decimals=own_decimals)

    # -------------------------------------------------------------------------------------- sections
    def sources_section(self, *frames: pd.DataFrame) -> str:
        """Markdown: the sources the rows of ``frames`` cite, with type, reliability and caveats."""
        src = self.bundle.sources.set_index("source_id")
        cited = pd.concat([f["source_id"] for f in frames]) if frames else pd.Series(dtype=str)
        lines = []
        for sid, n in cited.value_counts().sort_index().items():
            if sid not in src.index:
                continue
            s = src.loc[sid]
            flag = " **(low reliability: read its numbers as reported claims)**" if s["reliability"] in ("grey", "unverified") else ""
            lines.append(f"- {md_code(sid)} ({n} rows): {md_escape(s['citation'])} "
                         f"*{s['source_type']}, {s['reliability']}*{flag}"
                         + (f" — {md_escape(s['note'])}" if s.get("note") else ""))
        return "\n".join(lines) or "- (no rows)"

    def caveats_section(self, activities: pd.DataFrame, ties: pd.DataFrame | None = None) -> str:
        """Markdown: rows that are disputed, unverified, planned or undated, named one by one."""
        out = []
        if ties is not None:
            for t in ties.itertuples():
                if str(t.status) in ("disputed", "unverified", "planned"):
                    out.append(f"- Tie {md_code(t.tie_id)} is **{t.status}**: {md_escape(t.note)}")
        flagged = activities[(activities["certainty"].astype(str) == "disputed")
                             | (activities["stage"].astype(str) != "implemented")]
        for a in flagged.head(MAX_CAVEATS + 1).itertuples():
            if str(a.certainty) == "disputed":
                out.append(f"- {md_code(a.activity_id)} ({md_escape(a.title)}) is **disputed**.")
            if str(a.stage) != "implemented":
                out.append(f"- {md_code(a.activity_id)} ({md_escape(a.title)}) is **{a.stage}**, not reported as carried out; "
                           "it is left out of yearly counts.")
        undated = activities.loc[activities["start"] == "", "activity_id"].tolist()
        if undated:
            out.append(f"- {len(undated)} of {len(activities)} coded activities have **no date** in the sources and are left "
                       f"out of yearly counts (they still count in composition tables): {_some(undated)}.")
        if len(out) > MAX_CAVEATS:
            out = out[:MAX_CAVEATS] + [f"- … and {len(out) - MAX_CAVEATS:,} more (see tables/activities.csv)."]
        return "\n".join(out) or "- None of the rows shown is disputed, unverified, planned or undated."

    def method_section(self) -> str:
        """Markdown: the assumptions this run made, with their parameter values."""
        expand = bool(self.params.get("expand_annual", True))
        rule = EXPANSION_RULE.format(end_year=self.end_year)
        state = "applied" if expand else "switched off (annual programmes count once, in their start year)"
        return (f"**Annual-expansion assumption** ({state}; parameters `expand_annual = {expand}`, "
                f"`end_year = {self.end_year}`): {rule}\n\n"
                "**Observation window**: from the tie's signing year (or its first dated event, if earlier) to `end_year`. "
                "Years in the window without events count as zeros.\n\n"
                "**Stage**: only activities the sources report as implemented enter yearly counts; planned and proposed "
                "ones are shown separately.")

    def provenance_section(self) -> str:
        """Markdown: data files (SHA-256), parameters, package versions and git state of this run."""
        files = "\n".join(f"- {md_code(os.path.relpath(p, DATA_DIR.parent))} sha256 `{h[:16]}…`"
                          for p, h in sorted(self.bundle.files.items()))
        params = ", ".join(md_code(f"{k} = {v!r}") for k, v in self.params.items() if k != "output_dir")
        versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
        commit, dirty = git_state()
        return (f"**Parameters**: {params}\n\n**Data files read**:\n{files}\n\n**Software**: {versions}\n\n"
                f"**Code**: git commit `{commit}`{' (with uncommitted changes)' if dirty else ''}.\n\n"
                "The full record (with start and end times) is in this run's `manifest.json`.")

    def tie_section(self, tie_id: str) -> str:
        """Markdown: what the tie is, when it was formed (at the source's precision), its status and source."""
        t = self.bundle.ties.set_index("tie_id").loc[tie_id]
        signed = f"{t['signed']} (precision: {t['signed_precision']})" if t["signed"] else "no date in the sources"
        return (f"**{md_escape(self.bundle.tie_label(tie_id))}** ({md_code(tie_id)}): {t['tie_type']} tie, "
                f"formed {md_escape(signed)}; status **{t['status']}**; source {md_code(t['source_id'])}"
                + (f" — {md_escape(t['locator'])}" if t.get("locator") else "") + ".\n\n"
                + (f"> {md_escape(t['note'])}" if t["note"] else ""))

    def count_model(self, data: pd.DataFrame, formula: str, *, family: str = "auto", **options) -> "ModelReport":
        """Fit a count model, or record in plain words why the data cannot support it.

        ``family='auto'`` fits Poisson and switches to negative binomial when over-dispersed
        (see :func:`studylib.choose_count_family`). Only a :class:`~studylib.ModelError` (too few rows, no
        variation, separation...) becomes report text; misuse of the API (a formula naming a missing column, an
        unknown family, a wrong argument) raises ``ValueError`` / ``TypeError`` and fails the run.
        """
        from .models import choose_count_family, fit_model

        try:
            if family == "auto":
                result = choose_count_family(data, formula, **options)
            else:
                result = fit_model(data, formula, family, **options)
        except ModelError as exc:
            return ModelReport(None, str(exc), formula)
        return ModelReport(result, "", formula)


class ModelReport:
    """A fitted model, or the reason it was not fitted; renders either as Markdown for the report."""

    def __init__(self, result, reason: str, formula: str):
        self.result, self.reason, self.formula = result, reason, formula

    @property
    def fitted(self) -> bool:
        return self.result is not None

    def tidy(self) -> pd.DataFrame:
        return self.result.tidy() if self.fitted else pd.DataFrame(
            columns=["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"])

    def glance(self) -> pd.DataFrame:
        return self.result.glance() if self.fitted else pd.DataFrame()

    def markdown(self) -> str:
        if not self.fitted:
            return f"**Model {md_code(self.formula)} was not estimated.** {md_escape(self.reason)}"
        g = self.result.glance().iloc[0]
        text = (f"Model {md_code(self.formula)}, family **{self.result.family}**: n = {int(g['n'])}, "
                f"df model = {g['df_model']:g}, df residual = {g['df_resid']:g}.")
        choice = getattr(self.result, "choice", "")
        if choice:
            text += f" {md_escape(choice)}"
        for w in getattr(self.result, "warnings", []):
            text += f"\n\n**Caution:** {md_escape(w)}"
        return text


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
    from .charts import set_study_theme

    # Run by the runner, the data were validated a moment ago: take its bundle over if the files are unchanged
    bundle = (handed_over(output_dir, DATA_DIR, *data_dirs) if output_dir else None) or load_bundle(DATA_DIR, *data_dirs)
    values = {**params, "data_dirs": list(map(str, data_dirs)), "output_dir": output_dir}
    checked = check_parameters(notebook, values, bundle=bundle)
    out = Path(output_dir) if output_dir else OUTPUTS_DIR / notebook / run_slug(checked)
    out.mkdir(parents=True, exist_ok=True)
    set_study_theme()
    return StudyRun(notebook, checked, bundle, out)
