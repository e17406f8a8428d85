"""The Markdown sections of a study report: data, sources, caveats, method and provenance.

Each function takes what it describes (a bundle, tables, the run's parameters) and returns Markdown with every
data string escaped; :class:`studylib.StudyRun` calls them with its own bundle and parameters.
"""

from __future__ import annotations

import os

import pandas as pd

from ..analysis.panel import EXPANSION_RULE
from ..bundle.dates import uncertain_dates
from ..i18n import _, format_date, format_number, get_language, label, name_in_language, ngettext
from ..paths import display_path
from ..provenance import git_state, package_versions
from .tables import md_code, md_escape

__all__ = ["dated_note", "activity_digest", "sources_section", "caveats_section", "method_section",
           "provenance_section", "tie_section", "warnings_line", "MAX_CAVEATS"]

MAX_CAVEATS = 40
#: Catalog context of the definitions written once as constants (EXPANSION_RULE, ROBUST_DEFINITION).
DEFINITION_CONTEXT = "definition"


def _count(n: int) -> str:
    """A count as the report's language writes it: '1,190' in English, '1.190' in Indonesian."""
    return f"{n:,}" if get_language() == "en" else format_number(n)


def _date(text: str) -> str:
    """An ISO or EDTF date as the report's language writes it: as coded in English, in words otherwise."""
    return text if get_language() == "en" or not text else format_date(text)


def _some(ids: list, limit: int = 30) -> str:
    """Comma-separated escaped ids, at most ``limit`` of them and a count of the rest."""
    text = ", ".join(md_escape(i) for i in ids[:limit])
    return text + (_(" and {n} more").format(n=_count(len(ids) - limit)) if len(ids) > limit else "")


def dated_note(events: pd.DataFrame, activities: pd.DataFrame, *, end_year: int | None = None) -> str:
    """Markdown warning a reader when no event is dated, so yearly results below are empty ('' otherwise).

    The reason counts the activities that are undated, planned or proposed, and dated after ``end_year``.
    """
    from ..analysis.metrics import no_events_reason

    if len(events):
        return ""
    if len(activities) == 0:
        return _("**No dated events.** No activity is coded here, so the charts and the model below are empty.")
    why = no_events_reason(activities, end_year=end_year) or _("none gives a dated, implemented event")
    return _("**No dated events.** The yearly analysis has nothing to count: {why}. The charts and the model below "
             "are empty. The activities are listed under Data.").format(why=md_escape(why))


def activity_digest(activities: pd.DataFrame) -> pd.DataFrame:
    """The coded activities as a compact reading table: when, what, who, and where in which source."""
    a = activities
    start, end = a["start"].map(_date), a["end"].map(_date)
    when = start.where(a["start"] != "", _("undated"))
    annual = a["recurrence"].astype(str) == "annual"
    until = a["until"].astype("string").fillna("")
    since = start.map(lambda d: _("from {date}").format(date=d)).where(a["start"] != "", _("start undated"))
    when = when.where(~annual, _("annual, ") + since + until.map(lambda u: _(" to {date}").format(date=u) if u else ""))
    when = when.where(a["end"] == "", when + end.map(lambda d: _(" to {date}").format(date=d)))
    qualifier = a["participants_qualifier"].astype(object).map({"at_least": "≥ ", "about": "≈ "}).fillna("")
    people = (qualifier + a["participants"].astype("string").fillna("")).where(a["participants"].notna(), "")
    stage = a["stage"].astype(str)
    words = lambda vocab, col: a[col].astype(str).map(lambda v: label(vocab, v))  # noqa: E731
    out = pd.DataFrame({
        _("id"): a["activity_id"], _("when"): when, _("activity"): a["title"], _("sector"): words("sector", "sector"),
        _("type"): words("activity_type", "activity_type"), _("direction"): words("direction", "direction"),
        _("people"): people,
        _("status"): words("certainty", "certainty") + (", " + words("stage", "stage")).where(stage != "implemented", ""),
        _("source (locator)"): a["source_id"] + " (" + a["locator"] + ")",
    })
    if "tie_id" in a.columns and a["tie_id"].nunique() > 1:
        out.insert(0, _("tie"), a["tie_id"])
    return out


def sources_section(sources: pd.DataFrame, *frames: pd.DataFrame) -> str:
    """Markdown: the sources (rows of ``sources``) the rows of ``frames`` cite, with type, reliability and caveats."""
    src = sources.set_index("source_id")
    cited = pd.concat([f[c] for f in frames for c in ("source_id", "date_source_id") if c in f.columns]
                      ) if frames else pd.Series(dtype=str)
    cited = cited[cited.astype(str) != ""]
    lines = []
    for sid, n in cited.value_counts().sort_index().items():
        if sid not in src.index:
            continue
        s = src.loc[sid]
        flag = (_(" **(low reliability: read its numbers as reported claims)**")
                if s["reliability"] in ("grey", "unverified") else "")
        rows = ngettext("{n} row", "{n} rows", n).format(n=n)
        lines.append(f"- {md_code(sid)} ({rows}): {md_escape(s['citation'])} "
                     f"*{label('source_type', s['source_type'])}, {label('reliability', s['reliability'])}*{flag}"
                     + (f" — {md_escape(s['note'])}" if s.get("note") else ""))
    return "\n".join(lines) or _("- (no rows)")


def caveats_section(activities: pd.DataFrame, ties: pd.DataFrame | None = None) -> str:
    """Markdown: rows that are disputed, unverified, planned or undated, named one by one."""
    out = []
    if ties is not None:
        for t in ties.itertuples():
            if str(t.status) in ("disputed", "unverified", "planned"):
                out.append(_("- Tie {tie} is **{status}**: {note}").format(
                    tie=md_code(t.tie_id), status=label("status", t.status), note=md_escape(t.note)))
    flagged = activities[(activities["certainty"].astype(str) == "disputed")
                         | (activities["stage"].astype(str) != "implemented")]
    for a in flagged.head(MAX_CAVEATS + 1).itertuples():
        if str(a.certainty) == "disputed":
            out.append(_("- {id} ({title}) is **disputed**.").format(id=md_code(a.activity_id), title=md_escape(a.title)))
        if str(a.stage) != "implemented":
            out.append(_("- {id} ({title}) is **{stage}**, not reported as carried out; it is left out of yearly "
                         "counts.").format(id=md_code(a.activity_id), title=md_escape(a.title),
                                           stage=label("stage", a.stage)))
    loose = activities[uncertain_dates(activities["start"])]
    if len(loose):
        listed = ", ".join(f"{md_escape(a.activity_id)} ({md_code(a.start)})" for a in loose.head(30).itertuples())
        out.append(ngettext(
            "- {n} coded activity has only an **uncertain date** (EDTF: interval, open end or approximate) and is left "
            "out of yearly counts like undated ones (it counts in composition tables): {listed}.",
            "- {n} coded activities have only an **uncertain date** (EDTF: interval, open end or approximate) and are "
            "left out of yearly counts like undated ones (they count in composition tables): {listed}.",
            len(loose)).format(n=len(loose), listed=listed))
    undated = activities.loc[activities["start"] == "", "activity_id"].tolist()
    if undated:
        out.append(ngettext(
            "- {n} of {total} coded activities has **no date** in the sources and is left out of yearly counts (it "
            "still counts in composition tables): {listed}.",
            "- {n} of {total} coded activities have **no date** in the sources and are left out of yearly counts (they "
            "still count in composition tables): {listed}.", len(undated)).format(
                n=len(undated), total=len(activities), listed=_some(undated)))
    if len(out) > MAX_CAVEATS:
        out = out[:MAX_CAVEATS] + [_("- … and {n} more (see tables/activities.csv).").format(
            n=_count(len(out) - MAX_CAVEATS))]
    return "\n".join(out) or _("- None of the rows shown is disputed, unverified, planned or undated.")


def method_section(*, expand_annual: bool, end_year: int, start_year: int = 0) -> str:
    """Markdown: the assumptions a run made, with their parameter values."""
    expand = bool(expand_annual)
    rule = name_in_language(DEFINITION_CONTEXT, EXPANSION_RULE).format(end_year=end_year)
    state = _("applied") if expand else _("switched off (annual programmes count once, in their start year)")
    window = (_("**Observation window**: from the tie's signing year (or its first dated event, if earlier) to "
                "`end_year`. Years in the window without events count as zeros.") if not start_year else
              _("**Observation window**: from `start_year = {start_year}` (or the tie's signing year or first dated "
                "event, if later) to `end_year`; events before it are left out. Years in the window without events "
                "count as zeros.").format(start_year=start_year))
    return (_("**Annual-expansion assumption** ({state}; parameters `expand_annual = {expand}`, "
              "`end_year = {end_year}`): {rule}").format(state=state, expand=expand, end_year=end_year, rule=rule)
            + "\n\n" + window + "\n\n"
            + _("**Uncertain dates**: an activity the sources date only loosely (an EDTF interval such as `2007/2023`, "
                "an open end or an approximate year) is known only within that window and is left out of yearly "
                "counts, like an undated one.") + "\n\n"
            + _("**Stage**: only activities the sources report as implemented enter yearly counts; agreed, planned and "
                "proposed ones are shown separately."))


def warnings_line(warnings: list[str], *, shown: int = 2) -> str:
    """One line of Markdown naming the warnings a run raised ('' for none): the first ``shown`` and a count."""
    if not warnings:
        return ""
    named = "; ".join(md_escape(w) for w in warnings[:shown])
    more = _("; and {n} more").format(n=len(warnings) - shown) if len(warnings) > shown else ""
    n = len(warnings)
    return ngettext("**Caution:** {n} warning arose while this report was computed ({named}{more}); the run's "
                    "`warnings.txt` and `manifest.json` list them.",
                    "**Caution:** {n} warnings arose while this report was computed ({named}{more}); the run's "
                    "`warnings.txt` and `manifest.json` list them.", n).format(n=n, named=named, more=more)


def provenance_section(files: dict, params: dict) -> str:
    """Markdown: data files read (path -> SHA-256), parameters, package versions and git state of a run."""
    listed = "\n".join(f"- {md_code(display_path(p))} sha256 `{h[:16]}…`" for p, h in sorted(files.items()))
    shown = {k: [display_path(d) for d in v] if k == "data_dirs" else v for k, v in params.items() if k != "output_dir"}
    values = ", ".join(md_code(f"{k} = {v!r}") for k, v in shown.items())
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    commit, dirty = git_state()
    return (_("**Parameters**: {values}").format(values=values) + "\n\n"
            + _("**Data files read**:") + f"\n{listed}\n\n" + _("**Software**: {versions}").format(versions=versions)
            + "\n\n" + _("**Code**: git commit `{commit}`").format(commit=commit)
            + (_(" (with uncommitted changes)") if dirty else "") + ".\n\n"
            + _("The full record (with start and end times) is in this run's `manifest.json`."))


def tie_section(bundle, tie_id: str) -> str:
    """Markdown: what the tie is, when it was formed (at the source's precision), its status and source."""
    t = bundle.ties.set_index("tie_id").loc[tie_id]
    if not t["signed"]:
        signed = _("no date in the sources")
    elif get_language() == "en":
        signed = f"{t['signed']} (precision: {t['signed_precision']})"
    else:  # the date in words already says how precise it is ('Juni 1960')
        signed = _date(str(t["signed"]))
    return (_("**{label}** ({tie}): {tie_type} tie, formed {signed}; status **{status}**; source {source}").format(
                label=md_escape(bundle.tie_label(tie_id)), tie=md_code(tie_id),
                tie_type=label("tie_type", t["tie_type"]), signed=md_escape(signed),
                status=label("status", t["status"]), source=md_code(t["source_id"]))
            + (f" — {md_escape(t['locator'])}" if t.get("locator") else "") + ".\n\n"
            + (f"> {md_escape(t['note'])}" if t["note"] else ""))
