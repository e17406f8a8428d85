"""Charts in the report's language: in Indonesian every title, axis label, legend, annotation and caption the library
writes is Indonesian (no English message is left among the figure's texts), vocabulary values are labelled from the
codebook and numbers carry a decimal comma; in English nothing changes, even after an Indonesian chart."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from bundles import pairs_file, write_bundle  # noqa: E402
from studylib import charts, i18n, load_bundle  # noqa: E402
from studylib import network as nw  # noqa: E402
from studylib.analysis.metrics import axis_balance, axis_balance_by_stage, people_exchanged, shares  # noqa: E402
from studylib.analysis.panel import expand_activities  # noqa: E402


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")
    plt.close("all")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    charts.set_study_theme()
    b = load_bundle(write_bundle(tmp_path_factory.mktemp("b")))
    net = nw.read_network(pairs_file(tmp_path_factory.mktemp("net")))
    return b, expand_activities(b.activities, end_year=2016), net


def _english_messages() -> set[str]:
    """The English messages the Indonesian catalog translates differently (a word that reads the same in both, such
    as 'target' or 'status', cannot tell the languages apart and is left out)."""
    out = set()
    for path in i18n.catalog_files("id"):
        with open(path, "rb") as fh:
            for m in read_po(fh, locale="id"):
                ids = m.id if isinstance(m.id, tuple) else (m.id,)
                text = m.string[0] if isinstance(m.string, tuple) else m.string
                if m.id and text and text not in ids:
                    out.update(i for i in ids if "{" not in i and len(i) > 3)
    return out


def _charts(b, ev, net) -> dict:
    metrics = pd.DataFrame({"tie_id": ["alpha-beta", "gamma-delta"], "rate_per_year": [1.5, 0.5],
                            "continuity": [0.4, 0.2], "sources": ["src1", "src1"]})
    ind = pd.DataFrame({"entity_id": ["c1", "c1"], "indicator": ["trust_index", "centrality"], "value": [0.91, 0.5],
                        "target": [0.9, 0.95], "target_type": ["at_least", "relative_change"],
                        "unit": ["index", "share"], "source_id": ["src1", "src1"]})
    tidy = pd.DataFrame({"term": ["Intercept", "x"], "estimate": [0.1, 0.5], "conf_low": [0.0, 0.2],
                         "conf_high": [0.2, 0.8], "irr": [1.1, 1.65], "irr_low": [1.0, 1.2], "irr_high": [1.2, 2.2]})
    counts = pd.DataFrame({"year": [2010, 2011] * 2, "tie_id": ["a", "a", "b", "b"], "activities": [1, 0, 2, 3],
                           "predicted": [0.8, 1.0, 1.2, 2.0], "expanded": [0, 1, 0, 0]})
    intervals = pd.DataFrame({"sector": ["education", "culture", "economy"], "tie_id": "alpha-beta",
                              "share": [0.5, 0.25, 0.25], "conf_low": [0.2, 0.05, 0.05], "conf_high": [0.8, 0.6, 0.6],
                              "total": 4})
    spec = pd.DataFrame({"spec_id": range(4), "expansion": ["off", "on", "off", "on"],
                         "window": ["to 2023", "to 2023", "to 2018", "to 2018"], "undated": "left out",
                         "coding": "study data", "draw": -1, "quantity": "trend", "estimate": [0.9, 1.1, 0.95, 1.2],
                         "conf_low": [0.7, 0.9, 0.8, 1.0], "conf_high": [1.1, 1.3, 1.1, 1.4], "p_value": 0.2})
    c = net.cities.reset_index()
    surabaya, busan = (int(c.index[c["key"] == k][0]) for k in ("surabaya", "busan"))
    return {
        "sector_heatmap": lambda: charts.sector_heatmap(ev, sources=b.sources),
        "summary_chart": lambda: charts.summary_chart(metrics),
        "timeline": lambda: charts.timeline(ev, hue="direction", sources=b.sources),
        "sector_shares_chart": lambda: charts.sector_shares_chart(shares(ev, by="sector", within="tie_id"),
                                                                  caption_data=ev),
        "people_chart": lambda: charts.people_chart(people_exchanged(ev), caption_data=ev),
        "axis_balance_chart": lambda: charts.axis_balance_chart(axis_balance(ev), caption_data=ev),
        "axis_balance_by_stage": lambda: charts.axis_balance_chart(
            axis_balance_by_stage(b.activities, include_plans=True), hue="portfolio"),
        "kpi_chart": lambda: charts.kpi_chart(ind),
        "cluster_dotplot": lambda: charts.cluster_dotplot(ind),
        "indicator_chart": lambda: charts.indicator_chart(pd.concat([ind, pd.DataFrame(
            {"entity_id": "c2", "indicator": ["visitors_min", "visitors_max", "kiosks"], "value": [5.0, 5371.0, 40.0],
             "unit": "count", "source_id": "src1"})], ignore_index=True)),  # a log-scale panel and a range
        "share_interval_chart": lambda: charts.share_interval_chart(intervals),
        "coefficient_plot": lambda: charts.coefficient_plot(tidy),
        "predicted_counts_chart": lambda: charts.predicted_counts_chart(counts),
        "specification_curve": lambda: charts.specification_curve(spec, quantity="trend", null=1.0),
        "country_pairs_chart": lambda: charts.country_pairs_chart(nw.country_pairs(net, highlight=[("ID", "KR")])),
        "ties_map": lambda: charts.ties_map(net, [surabaya], highlight=[(surabaya, busan)]),
        "empty timeline": lambda: charts.timeline(ev.iloc[0:0]),
    }


def _texts(drawn) -> list[str]:
    """Every text the figure shows (titles, axis labels, tick labels, legends, annotations) and its caption."""
    fig = drawn.figure if hasattr(drawn, "figure") and drawn.figure is not None else drawn
    fig.canvas.draw()  # tick labels are made when drawn
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return texts + [getattr(fig, "caption", "")]


def _svg(drawn) -> bytes:
    fig = drawn.figure if hasattr(drawn, "figure") and drawn.figure is not None else drawn
    buffer = io.BytesIO()
    with plt.rc_context(charts._base.RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["sector_heatmap", "summary_chart", "timeline", "sector_shares_chart", "people_chart",
                                  "axis_balance_chart", "axis_balance_by_stage", "kpi_chart", "cluster_dotplot",
                                  "indicator_chart", "share_interval_chart", "coefficient_plot",
                                  "predicted_counts_chart", "specification_curve", "country_pairs_chart", "ties_map",
                                  "empty timeline"])
def test_indonesian_charts_leave_no_english_message_and_english_ones_do_not_change(study, name):
    draw = _charts(*study)[name]
    english = _texts(draw())
    before = _svg(draw())
    i18n.set_language("id")
    indonesian = _texts(draw())
    messages = _english_messages()
    left = sorted({t for t in indonesian for m in messages
                   if t == m or (len(m.split()) >= 3 and re.search(rf"(?<!\w){re.escape(m)}(?!\w)", t))})
    assert not left, f"{name}: English left in the Indonesian chart: {left}"
    assert indonesian != english  # the test would pass on a chart that shows nothing: it shows Indonesian
    assert any(m in t for t in english for m in messages), f"{name}: the English chart shows its English messages"
    i18n.set_language("en")
    assert _texts(draw()) == english
    assert _svg(draw()) == before  # an Indonesian chart leaves nothing behind that changes an English one


def test_vocabulary_values_and_numbers_are_indonesian(study):
    b, ev, _ = study
    i18n.set_language("id")
    heat = charts.sector_heatmap(ev, sources=b.sources)
    texts = _texts(heat)
    assert {"pendidikan", "budaya", "ekonomi", "umum", "sektor"} <= set(texts)
    assert "src1 [ditelaah sejawat]" in heat.figure.caption and heat.figure.caption.startswith("Sumber: ")
    bars = charts.sector_shares_chart(shares(ev, by="sector", within="tie_id"), caption_data=ev)
    ticks = [t.get_text() for t in bars.get_yticklabels()]
    assert "0,2" in ticks and not any("." in t for t in ticks)
    assert "pendidikan" in [t.get_text() for t in bars.get_xticklabels()]
    balance = charts.axis_balance_chart(axis_balance(ev), caption_data=ev)
    assert re.search(r"Jarak dari pembagian merata: \d,\d\d\.", balance.figure.caption)
    assert {"inklusi", "budaya", "industri"} & {t.get_text() for t in balance.get_xticklabels()}


def test_country_pairs_are_named_in_the_reports_language(study):
    net = study[2]
    i18n.set_language("id")
    pairs = nw.country_pairs(net, highlight=[("ID", "KR")])
    assert "Indonesia–Korea Selatan" in set(pairs["pair"])
    ax = charts.country_pairs_chart(pairs)
    texts = _texts(ax)
    assert "Indonesia–Korea Selatan" in texts
    assert any(re.search(r"\d,\d\d per 1\.000 pasangan", t) for t in texts)


def test_indonesian_study_charts_keep_their_text_inside_and_apart():
    """The layout check of tests/unit/charts/test_figure_layout.py, on the same charts drawn in Indonesian (longer
    words must not run past the figure's edge or into each other)."""
    import importlib.util
    from pathlib import Path

    import studylib as sl
    from studylib.paths import DATA_DIR

    spec = importlib.util.spec_from_file_location("figure_layout", Path(__file__).with_name("test_figure_layout.py"))
    layout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layout)
    charts.set_study_theme()
    i18n.set_language("id")
    layout.test_study_charts_keep_their_text_inside_and_apart(sl.load_bundle(DATA_DIR))
