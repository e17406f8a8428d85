"""The Markdown sections of a study report: data, sources, caveats, method and provenance.

Each function takes what it describes (a bundle, tables, the run's parameters) and returns Markdown with every
data string escaped; :class:`studylib.StudyRun` calls them with its own bundle and parameters.
"""

from __future__ import annotations

import os

import pandas as pd

from ..analysis.panel import EXPANSION_RULE
from ..bundle.dates import uncertain_dates
from ..paths import display_path
from ..provenance import git_state, package_versions
from .tables import md_code, md_escape

__all__ = ["dated_note", "activity_digest", "sources_section", "caveats_section", "method_section",
           "provenance_section", "tie_section", "warnings_line", "MAX_CAVEATS"]

MAX_CAVEATS = 40


def _some(ids: list, limit: int = 30) -> str:
    """Comma-separated escaped ids, at most ``limit`` of them and a count of the rest."""
    text = ", ".join(md_escape(i) for i in ids[:limit])
    return text + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def dated_note(events: pd.DataFrame, activities: pd.DataFrame, *, end_year: int | None = None) -> str:
    """Markdown warning a reader when no event is dated, so yearly results below are empty ('' otherwise).

    The reason counts the activities that are undated, planned or proposed, and dated after ``end_year``.
    """
    from ..analysis.metrics import no_events_reason

    if len(events):
        return ""
    if len(activities) == 0:
        return ("**No dated events.** No activity is coded here, so the charts and the model below are empty.")
    why = no_events_reason(activities, end_year=end_year) or "none gives a dated, implemented event"
    return (f"**No dated events.** The yearly analysis has nothing to count: {md_escape(why)}. The charts and the "
            "model below are empty. The activities are listed under Data.")


def activity_digest(activities: pd.DataFrame) -> pd.DataFrame:
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
        flag = " **(low reliability: read its numbers as reported claims)**" if s["reliability"] in ("grey", "unverified") else ""
        lines.append(f"- {md_code(sid)} ({n} row{'s' if n != 1 else ''}): {md_escape(s['citation'])} "
                     f"*{s['source_type']}, {s['reliability']}*{flag}"
                     + (f" — {md_escape(s['note'])}" if s.get("note") else ""))
    return "\n".join(lines) or "- (no rows)"


def caveats_section(activities: pd.DataFrame, ties: pd.DataFrame | None = None) -> str:
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
    loose = activities[uncertain_dates(activities["start"])]
    if len(loose):
        one = len(loose) == 1
        out.append(f"- {len(loose)} coded {'activity has' if one else 'activities have'} only an **uncertain date** "
                   f"(EDTF: interval, open end or approximate) and {'is' if one else 'are'} left out of yearly counts "
                   f"like undated ones ({'it counts' if one else 'they count'} in composition tables): "
                   + ", ".join(f"{md_escape(a.activity_id)} ({md_code(a.start)})" for a in loose.head(30).itertuples()) + ".")
    undated = activities.loc[activities["start"] == "", "activity_id"].tolist()
    if undated:
        out.append(f"- {len(undated)} of {len(activities)} coded activities have **no date** in the sources and are left "
                   f"out of yearly counts (they still count in composition tables): {_some(undated)}.")
    if len(out) > MAX_CAVEATS:
        out = out[:MAX_CAVEATS] + [f"- … and {len(out) - MAX_CAVEATS:,} more (see tables/activities.csv)."]
    return "\n".join(out) or "- None of the rows shown is disputed, unverified, planned or undated."


def method_section(*, expand_annual: bool, end_year: int, start_year: int = 0) -> str:
    """Markdown: the assumptions a run made, with their parameter values."""
    expand = bool(expand_annual)
    rule = EXPANSION_RULE.format(end_year=end_year)
    state = "applied" if expand else "switched off (annual programmes count once, in their start year)"
    return (f"**Annual-expansion assumption** ({state}; parameters `expand_annual = {expand}`, "
            f"`end_year = {end_year}`): {rule}\n\n"
            + ("**Observation window**: from the tie's signing year (or its first dated event, if earlier) to "
               "`end_year`. " if not start_year else
               f"**Observation window**: from `start_year = {start_year}` (or the tie's signing year or first dated "
               "event, if later) to `end_year`; events before it are left out. ") +
            "Years in the window without events count as zeros.\n\n"
            "**Uncertain dates**: an activity the sources date only loosely (an EDTF interval such as `2007/2023`, an "
            "open end or an approximate year) is known only within that window and is left out of yearly counts, "
            "like an undated one.\n\n"
            "**Stage**: only activities the sources report as implemented enter yearly counts; agreed, planned and proposed "
            "ones are shown separately.")


def warnings_line(warnings: list[str], *, shown: int = 2) -> str:
    """One line of Markdown naming the warnings a run raised ('' for none): the first ``shown`` and a count."""
    if not warnings:
        return ""
    named = "; ".join(md_escape(w) for w in warnings[:shown])
    more = f"; and {len(warnings) - shown} more" if len(warnings) > shown else ""
    n = len(warnings)
    return (f"**Caution:** {n} warning{'s' if n != 1 else ''} arose while this report was computed ({named}{more}); "
            "the run's `warnings.txt` and `manifest.json` list them.")


def provenance_section(files: dict, params: dict) -> str:
    """Markdown: data files read (path -> SHA-256), parameters, package versions and git state of a run."""
    listed = "\n".join(f"- {md_code(display_path(p))} sha256 `{h[:16]}…`" for p, h in sorted(files.items()))
    shown = {k: [display_path(d) for d in v] if k == "data_dirs" else v for k, v in params.items() if k != "output_dir"}
    values = ", ".join(md_code(f"{k} = {v!r}") for k, v in shown.items())
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    commit, dirty = git_state()
    return (f"**Parameters**: {values}\n\n**Data files read**:\n{listed}\n\n**Software**: {versions}\n\n"
            f"**Code**: git commit `{commit}`{' (with uncommitted changes)' if dirty else ''}.\n\n"
            "The full record (with start and end times) is in this run's `manifest.json`.")


def tie_section(bundle, tie_id: str) -> str:
    """Markdown: what the tie is, when it was formed (at the source's precision), its status and source."""
    t = bundle.ties.set_index("tie_id").loc[tie_id]
    signed = f"{t['signed']} (precision: {t['signed_precision']})" if t["signed"] else "no date in the sources"
    return (f"**{md_escape(bundle.tie_label(tie_id))}** ({md_code(tie_id)}): {t['tie_type']} tie, "
            f"formed {md_escape(signed)}; status **{t['status']}**; source {md_code(t['source_id'])}"
            + (f" — {md_escape(t['locator'])}" if t.get("locator") else "") + ".\n\n"
            + (f"> {md_escape(t['note'])}" if t["note"] else ""))
