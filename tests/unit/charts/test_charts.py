"""Charts: each draws into an Axes (its own figure's unless given one) with a data-built source caption; saved files
are byte-identical."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from studylib import charts  # noqa: E402
from studylib.analysis.metrics import axis_balance, people_exchanged, shares  # noqa: E402


def _check(fig, *expected):
    assert isinstance(fig, plt.Figure)
    for text in expected:
        assert text in fig.caption
    assert any(text in t.get_text() for t in fig.texts for text in expected[:1])
    plt.close(fig)


def test_event_charts_name_their_sources(study):
    b, ev = study
    _check(charts.sector_heatmap(ev, sources=b.sources).figure, "src1 [peer_reviewed]")
    _check(charts.timeline(ev, sources=b.sources).figure, "src1")
    sh = shares(ev, by="sector", within="tie_id")
    _check(charts.sector_shares_chart(sh, caption_data=ev, sources=b.sources).figure, "src1 [peer_reviewed]")
    _check(charts.people_chart(people_exchanged(ev), caption_data=ev).figure, "src1")
    _check(charts.axis_balance_chart(axis_balance(ev), caption_data=ev).figure, "src1", "Distance from an even split")


def test_timeline_marks_expanded_events(study):
    _, ev = study
    fig = charts.timeline(ev).figure
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "expanded (annual-programme assumption)" in labels
    plt.close(fig)


def test_indicator_charts(study):
    b, _ = study
    ind = pd.DataFrame({"entity_id": ["c1", "c1"], "indicator": ["trust_index", "centrality"], "value": [0.91, float("nan")],
                        "target": [0.9, 0.95], "target_type": ["at_least", "at_least"], "unit": ["index", "index"],
                        "source_id": ["src1", "src1"]})
    _check(charts.kpi_chart(ind).figure, "src1")
    _check(charts.cluster_dotplot(ind.dropna(subset=["value"])).figure, "src1")
    _check(charts.indicator_chart(ind.dropna(subset=["value"])).figure, "src1")


def test_coefficient_plot_uses_irr():
    tidy = pd.DataFrame({"term": ["Intercept", "x"], "estimate": [0.1, 0.5], "conf_low": [0.0, 0.2], "conf_high": [0.2, 0.8],
                         "irr": [1.1, 1.65], "irr_low": [1.0, 1.2], "irr_high": [1.2, 2.2]})
    fig = charts.coefficient_plot(tidy).figure
    assert fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x"]
    plt.close(fig)


def test_save_figure_is_byte_identical(study, tmp_path):
    b, ev = study
    digests = []
    for run in ("one", "two"):
        fig = charts.sector_heatmap(ev, sources=b.sources).figure
        paths = charts.save_figure(fig, "heat", directory=tmp_path / run)
        plt.close(fig)
        assert [p.suffix for p in paths] == [".png", ".svg"]
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]
    svg = (tmp_path / "one" / "heat.svg").read_text()
    assert "<dc:date>" not in svg


def test_saving_a_chart_draws_it_once_per_file(study, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    b, ev = study
    fig = charts.timeline(ev, sources=b.sources).figure  # laid out by tight_layout, like every chart
    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(type(renderer).__name__) or draw(self, renderer))
    charts.save_figure(fig, "timeline", directory=tmp_path)
    plt.close(fig)
    # one pass per file (PNG, SVG, then the print PNG and PDF): no layout pass before each
    assert draws == ["RendererAgg", "MixedModeRenderer", "RendererAgg", "MixedModeRenderer"]


def test_captions_say_how_many_events_rest_on_the_annual_expansion(study):
    b, ev = study
    assert ev["expanded"].any() and not ev["expanded"].all()  # the fixture has both kinds
    n, total = int(ev["expanded"].sum()), len(ev)
    with_rows = [charts.sector_heatmap(ev, sources=b.sources).figure,
                 charts.sector_shares_chart(shares(ev, by="sector", within="tie_id"), caption_data=ev).figure,
                 charts.timeline(ev).figure]
    for fig in with_rows:
        assert f"{n} of {total} events come from expanding annual programmes" in fig.caption, fig.caption
        plt.close(fig)
    reported = ev[~ev["expanded"]]
    fig = charts.sector_heatmap(reported, sources=b.sources).figure
    assert "expanding" not in fig.caption  # nothing to flag when no count rests on the assumption
    plt.close(fig)
    assert "expanding" not in charts.source_caption(pd.DataFrame({"source_id": ["s1"]}))


def test_cluster_dotplot_keeps_its_legend_off_the_points():
    ind = pd.DataFrame({"entity_id": ["c1", "c1", "c2", "c2"], "indicator": ["centrality", "trust_index"] * 2,
                        "value": [0.8, 0.9, 0.75, 0.85], "unit": ["index"] * 4, "source_id": ["s1"] * 4})
    fig = charts.cluster_dotplot(ind).figure
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert not legend.overlaps(ax.get_window_extent()), "the legend must not cover the plotted values"
    assert fig.get_window_extent().contains(legend.x1 - 1, legend.y0 + 1)  # and it stays inside the figure
    plt.close(fig)


def test_predicted_counts_chart_draws_observed_and_predicted():
    data = pd.DataFrame({"year": [2010, 2011, 2012] * 2, "tie_id": ["a"] * 3 + ["b"] * 3,
                         "activities": [1, 0, 2, 3, 1, 0], "predicted": [0.8, 1.0, 1.2, 2.0, 1.3, 0.9]})
    fig = charts.predicted_counts_chart(data, caption="Sources: src1.").figure
    ax = fig.axes[0]
    assert len(ax.lines) >= 2 and len(ax.collections) >= 1  # one line per tie, observed points
    assert "src1" in fig.caption
    plt.close(fig)


def test_every_chart_draws_a_said_empty_panel_for_no_rows(study):
    b, ev = study
    none = ev.iloc[0:0]
    indicators = pd.DataFrame(columns=["entity_id", "indicator", "value", "target", "target_type", "unit", "source_id"])
    figures = {
        "heatmap": charts.sector_heatmap(none).figure,
        "timeline": charts.timeline(none).figure,
        "shares": charts.sector_shares_chart(shares(none, by="sector", within="tie_id"), caption_data=none).figure,
        "people": charts.people_chart(people_exchanged(none), caption_data=none).figure,
        "axes": charts.axis_balance_chart(axis_balance(none), caption_data=none).figure,
        "coefficients": charts.coefficient_plot(pd.DataFrame(columns=["term", "estimate", "conf_low", "conf_high"])).figure,
        "predicted": charts.predicted_counts_chart(pd.DataFrame(columns=["year", "tie_id", "activities", "predicted"])).figure,
        "summary": charts.summary_chart(pd.DataFrame(columns=["tie_id", "rate_per_year", "continuity", "sources"])).figure,
        "kpi": charts.kpi_chart(indicators).figure,
        "clusters": charts.cluster_dotplot(indicators).figure,
        "indicators": charts.indicator_chart(indicators).figure,
    }
    for name, fig in figures.items():
        body = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(text.startswith("No ") for text in body), (name, body)
        assert "Sources: none" in fig.caption, name
        plt.close(fig)


def test_indicators_in_different_units_get_their_own_panels():
    ind = pd.DataFrame({"indicator": ["kiosks", "routes", "share_online"], "value": [5371.0, 5.0, 0.62],
                        "unit": ["count", "count", "percent"], "source_id": ["s1", "s1", "s2"]})
    fig = charts.indicator_chart(ind).figure
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["count (log scale)", "percent"]  # 5 beside 5,371
    assert [len(ax.patches) for ax in fig.axes] == [2, 1]
    assert fig.axes[0].get_xlim() != fig.axes[1].get_xlim()  # each unit on its own scale
    assert "s1" in fig.caption and "s2" in fig.caption
    plt.close(fig)


def test_each_kpi_gets_its_own_panel_and_scale_with_its_target_in_words():
    ind = pd.DataFrame({"entity_id": ["c1", "c1"], "indicator": ["trust_index", "exchange_agreements"],
                        "value": [None, None], "target": [0.9, 0.25], "target_type": ["at_least", "relative_change"],
                        "unit": ["index", "count"], "source_id": ["src1", "src1"]})
    fig = charts.kpi_chart(ind).figure
    trust, agreements = fig.axes
    assert trust.get_title(loc="left") == "trust index (index): target at least 0.9"
    assert "+25%" in agreements.get_title(loc="left")
    fig.canvas.draw()
    assert "+25%" in [t.get_text() for t in agreements.get_xticklabels()]  # a relative change reads as a percentage
    for ax in fig.axes:  # the note stays inside its panel
        assert [t.get_text() for t in ax.texts] == ["no reported value (target only)"]
        assert ax.bbox.contains(*ax.texts[0].get_window_extent().get_points().mean(axis=0))
    plt.close(fig)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="2 KPIs"):
        charts.kpi_chart(ind, ax=ax)
    plt.close(ax.figure)


def test_people_chart_draws_years_resting_on_the_expansion_hollow_and_names_the_direction():
    ev = pd.DataFrame({"tie_id": ["surabaya-busan"] * 3, "direction": ["a_to_b"] * 3, "year": [2007, 2008, 2009],
                       "participants": [70.0, 70.0, 70.0], "expanded": [False, True, True], "source_id": ["s1"] * 3})
    people = pd.DataFrame({"tie_id": ["surabaya-busan"] * 3, "direction": ["a_to_b"] * 3, "year": [2007, 2008, 2009],
                           "participants": [70, 70, 70]})
    ax = charts.people_chart(people, caption_data=ev, labels={"busan": "Busan"})
    filled = [p for p in ax.patches if p.get_facecolor()[3] > 0 and p.get_height() > 0]
    hollow = [p for p in ax.patches if p.get_facecolor()[3] == 0 and p.get_height() > 0]
    assert len(filled) == 1 and len(hollow) == 2  # 2007 reported; 2008-2009 repeat the annual programme
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Surabaya → Busan: reported by a source", "Surabaya → Busan: expanded (annual-programme assumption)"]
    assert "Hollow bars: 2 year(s)" in ax.figure.caption
    plt.close(ax.figure)


def test_predicted_counts_draw_counts_with_expanded_events_hollow():
    panel = pd.DataFrame({"year": [2007, 2008], "tie_id": ["t", "t"], "activities": [1, 1], "expanded": [0, 1],
                          "predicted": [1.0, 1.0]})
    ax = charts.predicted_counts_chart(panel)
    solid, hollow = ax.collections[-2:]
    assert len(solid.get_offsets()) == 1 and len(hollow.get_offsets()) == 1
    assert len(hollow.get_facecolors()) == 0 or hollow.get_facecolors()[0][3] == 0
    assert "Hollow points: 1 counts" in ax.figure.caption
    plt.close(ax.figure)


def test_indicator_counts_of_different_sizes_get_a_log_scale_and_a_min_max_pair_one_bar():
    ind = pd.DataFrame({"entity_id": ["a"] * 5, "indicator": ["kiosks", "routes", "price_min", "price_max", "fee"],
                        "value": [5371.0, 5.0, 300.0, 600.0, 20.0], "unit": ["count", "count", "usd", "usd", "usd"],
                        "source_id": ["s1"] * 5})
    fig = charts.indicator_chart(ind).figure
    counts, usd = fig.axes
    assert counts.get_xscale() == "log" and usd.get_xscale() == "linear"
    assert [t.get_text() for t in usd.get_yticklabels()] == ["price (range)", "fee"]
    price = usd.patches[0]
    assert (price.get_x(), price.get_x() + price.get_width()) == (300.0, 600.0)  # one bar from min to max
    assert usd.get_xlim()[0] == 0 and "300–600" in [t.get_text() for t in usd.texts]
    plt.close(fig)


def test_indicator_labels_sit_outside_the_end_of_negative_bars_too():
    ind = pd.DataFrame({"indicator": ["transfer_time_change", "routes"], "value": [-10.0, 4.0], "unit": ["minutes"] * 2,
                        "source_id": ["s1", "s1"]})
    fig = charts.indicator_chart(ind).figure
    fig.canvas.draw()
    ax = fig.axes[0]
    for bar, label in zip(ax.patches, ax.texts):
        box = label.get_window_extent().transformed(ax.transData.inverted())
        end = bar.get_x() + bar.get_width()  # where the bar ends: left of zero for a negative value
        assert (box.x0 >= end) if end >= 0 else (box.x1 <= end), (label.get_text(), box, end)
        assert ax.get_xlim()[0] <= box.x0 and box.x1 <= ax.get_xlim()[1]  # inside the panel
    plt.close(fig)


def test_axis_balance_groups_share_one_scale_and_report_each_distance(study):
    from studylib.analysis.metrics import axis_balance_by_stage

    _, ev = study
    table = axis_balance_by_stage(ev.assign(stage="implemented"))
    fig = charts.axis_balance_chart(table, hue="portfolio", caption_data=ev).figure
    assert len(fig.axes) == 1
    expected = 0.5 * (table.loc[table["portfolio"] == "implemented", "share"] - 0.25).abs().sum()
    assert f"implemented {expected:.2f}" in fig.caption
    plt.close(fig)


def test_bars_of_single_values_carry_no_interval(study):
    # a share, a rate or a continuity is one value per bar, not a sample mean: no (bootstrapped) error bar
    _, ev = study
    metrics = pd.DataFrame({"tie_id": ["alpha-beta", "gamma-delta"], "rate_per_year": [1.5, 0.5],
                            "continuity": [0.4, 0.2], "sources": ["src1", "src1"]})
    figs = [charts.sector_shares_chart(shares(ev, by="sector", within="tie_id"), caption_data=ev).figure,
            charts.axis_balance_chart(axis_balance(ev), caption_data=ev).figure,
            charts.summary_chart(metrics).figure]
    for fig in figs:
        for ax in fig.axes:
            assert [line.get_label() for line in ax.lines if line.get_label() != "even split"] == []
        plt.close(fig)


def _single_panel_charts(b, ev):
    ind = pd.DataFrame({"entity_id": ["c1", "c1"], "indicator": ["trust_index", "centrality"], "value": [0.91, 0.5],
                        "target": [0.9, 0.95], "target_type": ["at_least", "at_least"], "unit": ["index", "index"],
                        "source_id": ["src1", "src1"]})
    tidy = pd.DataFrame({"term": ["Intercept", "x"], "estimate": [0.1, 0.5], "conf_low": [0.0, 0.2], "conf_high": [0.2, 0.8],
                         "irr": [1.1, 1.65], "irr_low": [1.0, 1.2], "irr_high": [1.2, 2.2]})
    counts = pd.DataFrame({"year": [2010, 2011] * 2, "tie_id": ["a", "a", "b", "b"], "activities": [1, 0, 2, 3],
                           "predicted": [0.8, 1.0, 1.2, 2.0]})
    return {
        "heatmap": lambda **kw: charts.sector_heatmap(ev, sources=b.sources, **kw),
        "timeline": lambda **kw: charts.timeline(ev, **kw),
        "shares": lambda **kw: charts.sector_shares_chart(shares(ev, by="sector", within="tie_id"), caption_data=ev, **kw),
        "coefficients": lambda **kw: charts.coefficient_plot(tidy, **kw),
        "predicted": lambda **kw: charts.predicted_counts_chart(counts, **kw),
        "people": lambda **kw: charts.people_chart(people_exchanged(ev), caption_data=ev, **kw),
        "axes": lambda **kw: charts.axis_balance_chart(axis_balance(ev), caption_data=ev, **kw),
        "kpi": lambda **kw: charts.kpi_chart(ind.head(1), **kw),  # one KPI: one panel
        "clusters": lambda **kw: charts.cluster_dotplot(ind, **kw),
        "empty timeline": lambda **kw: charts.timeline(ev.iloc[0:0], **kw),
    }


def test_single_panel_charts_draw_into_a_given_axes_and_return_it(study):
    b, ev = study
    for name, draw in _single_panel_charts(b, ev).items():
        fig, (left, right) = plt.subplots(1, 2)
        out = draw(ax=right, title="Composed")
        assert out is right, name
        assert right.has_data() or right.texts, name  # something was drawn there ...
        assert not left.has_data() and not left.texts, name  # ... and nowhere else
        assert right.get_title(loc="left") == "Composed", name
        assert len(fig.axes) == 2 and not fig.texts, name  # no second figure-level caption in the caller's figure
        plt.close(fig)


def test_single_panel_charts_without_ax_return_the_axes_of_their_own_captioned_figure(study):
    b, ev = study
    for name, draw in _single_panel_charts(b, ev).items():
        before = len(plt.get_fignums())
        ax = draw()
        assert isinstance(ax, plt.Axes), name
        assert len(plt.get_fignums()) == before + 1 and ax.figure.axes == [ax], name  # a new figure of its own
        assert ax.figure.caption and ax.figure.texts[-1].get_text().startswith(ax.figure.caption[:40]), name
        plt.close(ax.figure)


def test_timeline_colours_by_hue(study):
    _, ev = study
    plain = charts.timeline(ev)
    coloured = charts.timeline(ev, hue="direction")
    directions = sorted(ev["direction"].astype(str).unique())
    assert len(directions) > 1  # the fixture has more than one direction
    legend = coloured.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == directions
    assert legend.get_title().get_text() == "direction"
    colours = {tuple(c) for col in coloured.collections for c in col.get_edgecolors()}
    assert len(colours) == len(directions)  # one colour per direction, whatever the sector
    plain_colours = {tuple(c) for col in plain.collections for c in col.get_edgecolors()}
    assert len(plain_colours) == ev["sector"].astype(str).nunique()  # without hue: one colour per row
    # the key to hollow (expanded) markers stays, as a separate legend
    texts = [t.get_text() for a in coloured.artists if hasattr(a, "get_texts") for t in a.get_texts()]
    assert "expanded (annual-programme assumption)" in texts
    # every event is still counted: the circles' areas add up to the same counts as without hue
    sizes = lambda ax: sum((s - 40) / 40 for col in ax.collections for s in col.get_sizes())  # noqa: E731
    assert sizes(coloured) == pytest.approx(sizes(plain)) == len(ev)
    plt.close(plain.figure)
    plt.close(coloured.figure)


def test_chart_docstrings_have_their_shared_parameters_filled_in():
    for name in charts.__all__:
        doc = getattr(charts, name).__doc__
        assert "{" not in doc and "}" not in doc, name
    assert "ax : matplotlib.axes.Axes, optional" in charts.timeline.__doc__
    assert "hue : str, optional" in charts.timeline.__doc__


def test_people_chart_stacks_reported_and_expanded_apart_and_marks_inexact_counts():
    """The new user's 2019 bar: a reported 40 ('about') and an expanded 25 drawn as one solid bar of 65 (#30, D21)."""
    ev = pd.DataFrame({"tie_id": ["bandung-braunschweig"] * 3, "direction": ["a_to_b"] * 3,
                       "year": [2019, 2019, 2020], "participants": [40.0, 25.0, 70.0],
                       "participants_qualifier": ["about", "exact", "at_least"],
                       "expanded": [False, True, False], "source_id": ["s1"] * 3})
    people = pd.DataFrame({"tie_id": ["bandung-braunschweig"] * 2, "direction": ["a_to_b"] * 2, "year": [2019, 2020],
                           "participants": [65, 70]})
    ax = charts.people_chart(people, caption_data=ev)
    filled = sorted(p.get_height() for p in ax.patches if p.get_facecolor()[3] > 0 and p.get_height() > 0)
    hollow = [(p.get_y(), p.get_height()) for p in ax.patches if p.get_facecolor()[3] == 0 and p.get_height() > 0]
    assert filled == [40, 70] and hollow == [(40, 25)]
    marks = sorted(t.get_text() for t in ax.texts)
    assert marks == ["~", "≥"]
    assert "'about' (approximate, not a bound)" in ax.figure.caption and "'at least' (a lower bound)" in ax.figure.caption
    assert "Bars with a hollow top: 1 year(s)" in ax.figure.caption
    assert ax.get_ylabel() == "people counted by the sources"
    plt.close(ax.figure)


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_no_legend_with_a_single_entry():
    import matplotlib.pyplot as plt
    import pandas as pd

    from studylib import charts

    ax = charts.axis_balance_chart(pd.DataFrame({"axis": ["industry", "culture", "data", "inclusion"],
                                                 "share": [0.4, 0.3, 0.2, 0.1]}))
    assert ax.get_legend() is None and any(t.get_text() == "even split" for t in ax.texts)
    plt.close(ax.figure)
    events = pd.DataFrame({"tie_id": ["a-b"] * 2, "sector": pd.Categorical(["culture", "economy"]),
                           "direction": pd.Categorical(["mutual", "mutual"]), "year": [2010, 2011],
                           "expanded": [False, False], "source_id": ["s1", "s1"], "activity_id": ["x", "y"]})
    ax = charts.timeline(events, hue="direction")
    legends = [a for a in [ax.get_legend(), *ax.artists] if a is not None and hasattr(a, "get_texts")]
    assert all(len(legend.get_texts()) > 1 for legend in legends)
    plt.close(ax.figure)
