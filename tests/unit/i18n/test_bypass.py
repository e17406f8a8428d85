"""No report text bypasses the catalog: in a pseudo-language that wraps every translated message in ⟦…⟧, every run of
three or more English words the library writes sits inside ⟦…⟧ or comes from the data.

In-process (unit tier), on a small built bundle: the text the report modules write (model paragraphs, table
captions and headers, LaTeX tables, the reference list, the page footer), the report sections, and the texts of the
charts (titles, axis labels, legends, captions). A full rendered report would cover the notebooks' own prose too;
that prose has its Indonesian twin cells instead, checked by the notebooks' tests.
"""

from __future__ import annotations

import gettext
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from bundles import base_rows, write_bundle  # noqa: E402
from studylib import i18n, load_bundle  # noqa: E402

PSEUDO = "qps"  # a private-use code (BCP 47 qaa-qtz / 'qps-ploc' is Windows' pseudo-locale)
OPEN, CLOSE = "⟦", "⟧"
#: A run of three or more words of English letters (a sentence fragment a reader would see untranslated).
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z'’-]*(?:[ \t]+[A-Za-z][a-z'’-]*){2,}\b")


class PseudoTranslations(gettext.NullTranslations):
    """Every message "translated" to itself inside ⟦…⟧."""

    def gettext(self, message):
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular, plural, n):
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"

    def pgettext(self, context, message):
        return f"{OPEN}{message}{CLOSE}"

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)


@pytest.fixture
def pseudo():
    i18n._install_test_language(PSEUDO, PseudoTranslations())
    i18n.set_language(PSEUDO)
    yield
    i18n._remove_test_language(PSEUDO)
    i18n.set_language("en")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    rows = base_rows()
    rows["sources"].append({"source_id": "src2", "citation": "Unverified blog post", "source_type": "blog",
                            "reliability": "unverified", "url_or_doi": "", "language": "id"})
    rows["activities"][3]["source_id"] = "src2"
    return load_bundle(write_bundle(tmp_path_factory.mktemp("b"), rows))


def _data_strings(bundle) -> list[str]:
    """Every text the data hold (titles, citations, notes, names, ids, vocabulary values), longest first."""
    found = set()
    for table in ("sources", "cities", "ties", "activities", "indicators"):
        frame = getattr(bundle, table)
        found |= {str(c) for c in frame.columns}
        for column in frame.columns:
            found |= {str(v) for v in frame[column].dropna() if isinstance(v, str) and v}
    return sorted(found, key=len, reverse=True)


def untranslated(text: str, data: list[str] = ()) -> list[str]:
    """The runs of 3+ English words in ``text`` outside ⟦…⟧, HTML markup, code spans, LaTeX commands and the data's
    own texts."""
    text = re.sub(r"<style\b.*?</style>|<[^>]+>", " ", text, flags=re.S)
    while True:  # innermost first: a translated message may hold another one
        stripped = re.sub(rf"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"`[^`]*`|\\[A-Za-z]+|https?://\S+|\S+\.(?:csv|tex|json|txt|bib)\b", " ", text)
    for value in data:  # whole words only: a code such as 'en' is not taken out of 'events'
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    return ENGLISH_RUN.findall(text)


def test_the_check_finds_a_bypassing_sentence():
    assert untranslated("⟦Sector counts⟧ of the ties") == ["of the ties"]
    assert untranslated("⟦Figure 1.⟧ ⟦about ⟦nested message⟧ here⟧ Alpha Beta x", ["Alpha Beta"]) == []


def test_report_modules_write_every_sentence_through_the_catalog(pseudo, bundle, tmp_path):
    from studylib.report.latex import regression_table, to_latex
    from studylib.report.references import reference_list_markdown
    from studylib.report.study import ModelReport, StudyRun
    from studylib.report.tables import report_table
    from studylib.runner.render import page_footer_css

    run = StudyRun("pair_profile", {}, bundle, tmp_path)
    data = _data_strings(bundle)
    frame = pd.DataFrame({"year": range(2000, 2012), "n": [0, 1, 1, 2, 1, 3, 2, 4, 3, 5, 4, 6]})
    from studylib.errors import FitWarning

    with pytest.warns(FitWarning, match=OPEN) as caught:  # 12 years for 2 parameters: the warning is a sentence too
        fitted = run.count_model(frame, "n ~ year", family="poisson")
    assert not untranslated(str(caught[0].message), data)
    table = run.save_table(pd.DataFrame({"sector": ["education"], "p_value": [0.01]}), "sector_counts")
    texts = {
        "model": fitted.markdown(),
        "unfitted": ModelReport(None, "", "n ~ year").markdown(),
        "numbers": run._number("figure", "", []) + run._number("table", "", []),
        "saved table": table.title + table.to_html(),
        "long table": report_table(pd.DataFrame({"n": range(5)}), max_rows=2).caption,
        "empty table": report_table(pd.DataFrame({"n": []})).to_html(),
        "latex": to_latex(frame.head(2), caption="c", label="l") + regression_table([fitted], caption="c", label="l"),
        "references": reference_list_markdown(bundle.sources, ["src1", "src2"]) + reference_list_markdown(None, []),
        "footer": page_footer_css(PSEUDO),
    }
    bad = {name: runs for name, text in texts.items() if (runs := untranslated(text, data))}
    assert not bad
    assert all(OPEN in text for name, text in texts.items() if name != "latex")


def test_report_sections_write_every_sentence_through_the_catalog(pseudo, bundle):
    from studylib.analysis.panel import expand_activities
    from studylib.report import sections

    data = _data_strings(bundle)
    events = expand_activities(bundle.activities, end_year=2016)
    texts = {
        "sources": sections.sources_section(bundle.sources, bundle.activities),
        "caveats": sections.caveats_section(bundle.activities, bundle.ties),
        "method": sections.method_section(expand_annual=True, end_year=2016),
        "warnings": sections.warnings_line(["DataWarning: x", "FitWarning: y", "z"]),
        "provenance": sections.provenance_section({}, {"tie": "alpha-beta"}),
        "tie": sections.tie_section(bundle, "alpha-beta"),
        "dated": sections.dated_note(events.iloc[0:0], bundle.activities, end_year=2016),
        "digest": sections.activity_digest(bundle.activities).to_string(),
    }
    bad = {name: runs for name, text in texts.items() if (runs := untranslated(text, data))}
    assert not bad


def _figure_texts(fig) -> str:
    parts = [fig.get_suptitle(), getattr(fig, "caption", "")]
    for ax in fig.axes:
        parts += [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            parts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
        parts += [t.get_text() for t in ax.texts]
    parts += [t.get_text() for t in fig.texts]
    return "\n".join(p for p in parts if p)


def test_chart_texts_go_through_the_catalog(pseudo, bundle):
    from studylib import charts
    from studylib.analysis.metrics import axis_balance, people_exchanged, shares
    from studylib.analysis.panel import expand_activities

    charts.set_study_theme()
    data = _data_strings(bundle)
    events = expand_activities(bundle.activities, end_year=2016)
    figures = {
        "heatmap": charts.sector_heatmap(events, sources=bundle.sources).figure,
        "timeline": charts.timeline(events, sources=bundle.sources).figure,
        "shares": charts.sector_shares_chart(shares(events, by="sector", within="tie_id"), caption_data=events,
                                             sources=bundle.sources).figure,
        "people": charts.people_chart(people_exchanged(events), caption_data=events).figure,
        "axes": charts.axis_balance_chart(axis_balance(events), caption_data=events).figure,
    }
    try:
        bad = {name: runs for name, fig in figures.items() if (runs := untranslated(_figure_texts(fig), data))}
    finally:
        plt.close("all")
    assert not bad
