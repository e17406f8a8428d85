"""Every study chart, drawn with the study's own data as the notebooks draw it, keeps its text inside the figure and
its tick labels apart: no clipped caption, no labels run together."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import studylib as sl  # noqa: E402
from studylib import charts  # noqa: E402
from studylib.charts._base import RC  # noqa: E402
from studylib.paths import DATA_DIR  # noqa: E402


@pytest.fixture(scope="module")
def bundle():
    charts.set_study_theme()
    return sl.load_bundle(DATA_DIR)


def _study_figures(b):
    """(name, figure) for each chart the study notebooks save, built from the same data the notebooks use."""
    labels = sl.display_labels(b)
    ev = sl.expand_activities(b.activities, end_year=2023)
    tie = ev.query("tie_id == 'surabaya-busan'")
    coded = b.activities.query("tie_id == 'surabaya-busan'")
    yield "pair_profile/sector_by_type", charts.sector_heatmap(tie, row="sector", col="activity_type", sources=b.sources,
                                                               title="Events by sector and activity type").figure
    yield "pair_profile/timeline", charts.timeline(tie, sources=b.sources).figure
    people = sl.people_exchanged(tie, by=["tie_id", "direction"])
    yield "pair_profile/people_by_direction", charts.people_chart(people, caption_data=tie[tie["participants"].notna()],
                                                                  sources=b.sources).figure
    two = ["surabaya-busan", "medan-gwangju"]
    implemented = b.activities[b.activities["tie_id"].isin(two) & (b.activities["stage"].astype(str) == "implemented")]
    yield "compare_pairs/tie_by_sector", charts.sector_heatmap(implemented, labels=labels, sources=b.sources,
                                                               title="Implemented activities by tie and sector").figure
    share_table = sl.share_intervals(b.activities[b.activities["tie_id"].isin(two)], by="sector", within="tie_id")
    yield "compare_pairs/sector_shares", sl.share_interval_chart(share_table, labels=labels, caption_data=implemented,
                                                                 sources=b.sources).figure
    events = ev[ev["tie_id"].isin(two)]
    panel = sl.activity_panel(events, by=["tie_id", "sector"], end_year=2023, ties=b.ties)
    common, _ = sl.common_levels(panel, group="tie_id", level="sector")
    fit = sl.fit_model(panel[panel["sector"].isin(common)], "activities ~ C(tie_id) * C(sector)", "poisson")
    report = sl.ModelReport(fit, "", fit.formula, labels=labels)
    yield "compare_pairs/irr", charts.coefficient_plot(report.tidy(), caption=charts.source_caption(events, sources=b.sources),
                                                       title="Incidence-rate ratios (tie × sector model)").figure
    trend = sl.activity_panel(tie, by=["tie_id"], end_year=2023, ties=b.ties)
    trend["years_since_start"] = trend["year"] - trend["year"].min()
    trend["predicted"] = sl.fit_model(trend, "activities ~ years_since_start", "poisson").result.predict(trend)
    yield "pair_profile/model_fit", charts.predicted_counts_chart(trend, caption=charts.source_caption(
        tie, sources=b.sources, note="Points: observed events per year; line: the model's expected count.")).figure
    gangnam = sl.add_frames(b.activities.query("actor == 'gangnam'"))
    balance = sl.axis_balance_by_stage(gangnam, include_plans=True)
    yield "gangnam_axes/axes", charts.axis_balance_chart(balance, hue="portfolio", caption_data=gangnam,
                                                         sources=b.sources, title="Activities by axis").figure
    kpis = b.indicators.query("entity_id == 'gangnam'")
    if kpis["target"].notna().any():
        yield "gangnam_axes/kpis", charts.kpi_chart(kpis, sources=b.sources).figure
    clusters = b.indicators.query("entity_type == 'cluster'")
    yield "gangnam_axes/clusters", charts.cluster_dotplot(clusters, sources=b.sources, note="Numbers as printed.").figure
    indicators = sl.city_indicators(b.indicators, city="seoul")
    yield "smart_city_governance/indicators", charts.indicator_chart(indicators[indicators["value"].notna()],
                                                                     sources=b.sources, title="Indicators").figure
    coop = sl.add_frames(b.activities[b.activities["tie_id"].isin(sl.ties_of(b.ties, "seoul"))])
    yield "smart_city_governance/cooperation_dimensions", charts.sector_heatmap(
        coop.assign(dimension=coop["dimension"].astype(object).fillna("(none)")), row="tie_id", col="dimension",
        labels=labels, sources=b.sources, title="Cooperation activities by smart-city dimension").figure


def _run_together(labels, renderer) -> bool:
    """Whether two tick labels overlap, or stand in line along their reading direction (level labels side by side,
    upright ones one above another) with less than half an em between them, so they read as one phrase
    ('generaleducation culture')."""
    boxes = [(t.get_window_extent(renderer), t) for t in labels]
    for i, (a, ta) in enumerate(boxes):
        for b, _ in boxes[i + 1:]:
            if a.overlaps(b):
                return True
            em = ta.get_fontsize() * ta.figure.dpi / 72
            rotation = ta.get_rotation() % 180
            if rotation == 0 and min(a.y1, b.y1) > max(a.y0, b.y0):  # level, on one line
                if max(b.x0 - a.x1, a.x0 - b.x1) < 0.5 * em:
                    return True
            if rotation == 90 and min(a.x1, b.x1) > max(a.x0, b.x0):  # upright, in one column
                if max(b.y0 - a.y1, a.y0 - b.y1) < 0.5 * em:
                    return True
    return False


def test_study_charts_keep_their_text_inside_and_apart(bundle):
    problems = []
    for name, fig in _study_figures(bundle):
        fig.set_dpi(RC["savefig.dpi"])  # as the files are written: glyphs are not exactly to scale across dpi
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        inside = fig.bbox.padded(1)
        # tick labels located beyond an axis' view limits are not drawn: leave them out
        drawn_ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for tick in axis._update_ticks()
                       for t in (tick.label1, tick.label2)}
        all_ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                     for tick in axis.get_major_ticks() + axis.get_minor_ticks() for t in (tick.label1, tick.label2)}
        for text in fig.findobj(matplotlib.text.Text):
            if id(text) in all_ticks and id(text) not in drawn_ticks:
                continue
            if text.get_visible() and text.get_text().strip() and text.figure is fig:
                box = text.get_window_extent(renderer)
                if not (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1):
                    problems.append(f"{name}: {text.get_text()[:40]!r} leaves the figure")
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                labels = [tick.label1 for tick in axis._update_ticks() if tick.label1.get_visible() and tick.label1.get_text()]
                if _run_together(labels, renderer):
                    problems.append(f"{name}: {axis.axis_name} tick labels overlap")
        plt.close(fig)
    assert not problems, "\n".join(problems)
