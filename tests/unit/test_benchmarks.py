"""The benchmarks measure what they say: the floor imports what the study imports, the helpers compute right."""

from __future__ import annotations

import sys

import pytest

from studylib.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))


import run as bench  # noqa: E402


def test_median_and_ratio():
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4, 1, 2, 3]) == 2.5
    assert bench.ratio(3.0, 1.5) == 2.0
    with pytest.raises(ValueError):
        bench.median([])
    with pytest.raises(ValueError):
        bench.ratio(1.0, 0.0)


def test_alternate_records_only_after_the_warmup():
    calls = []
    a, b = bench.alternate(lambda: calls.append("a"), lambda: calls.append("b"), repeats=3, warmup=2)
    assert calls == ["a", "b"] * 5 and len(a) == len(b) == 3


def test_table_marks_a_missed_target():
    rows = [bench.Row("fast", 1.0, 2.0, "s", 0.5, "<= 1.3x", True), bench.Row("slow", 3.0, 1.0, "s", 3.0, "<= 1.3x", False)]
    lines = bench.format_table(rows).splitlines()
    assert "PASS" in lines[2] and "3.00x" in lines[3] and "MISS" in lines[3]


@pytest.mark.parametrize("quick", [True, False])
def test_toolchain_case_compares_the_study_with_the_stock_tools_one_by_one(monkeypatch, quick):
    """#25's target: the study renders at <= 0.33x papermill's CLI + nbconvert + Chromium, one notebook at a time."""
    import studylib.runner.batch as batch

    assert "toolchain" in bench.CASES and "``toolchain``" in bench.__doc__
    project, stock = [], []

    class Done:
        ok, notebook, error = True, "", ""

    monkeypatch.setattr(batch, "run_many", lambda jobs, **kw: project.append(([j[0] for j in jobs], kw)) or [Done()])
    monkeypatch.setattr(bench, "_stock_render", lambda nb, folder, browser: stock.append(nb))
    times = {"project": 1.0, "baseline": 4.0}

    def alternate(p, b, **kw):
        p(), b()
        return [times["project"]], [times["baseline"]]

    monkeypatch.setattr(bench, "alternate", alternate)
    row = bench.bench_toolchain(1, 0, quick=quick)
    wanted = list(bench.TOOLCHAIN_QUICK) if quick else bench.study_notebooks()
    assert project == [(wanted, {"workers": 2, "progress": False})]  # the project: one run of all, two workers
    assert stock == wanted  # the baseline: the same notebooks, one by one
    assert row.ratio == 0.25 and row.target == "<= 0.33x" and row.passed
    times["project"] = 2.0
    assert not bench.bench_toolchain(1, 0, quick=quick).passed  # 0.5x misses the target


def test_exact_case_times_the_network_algorithm_against_the_enumeration_of_the_same_table():
    """The speed of the r × c exact test is a benchmark (>= 10x at 4 × 4, n = 55), not a timed unit test."""
    assert "exact" in bench.CASES and "``exact``" in bench.__doc__
    row = bench.bench_exact(1, 0, table=bench.EXACT_QUICK_TABLE)
    assert row.figure > 0 and row.baseline > 0 and row.ratio == pytest.approx(row.figure / row.baseline)
    assert row.note == "p = 0.655526 both ways" and row.runs == 1
    assert sum(map(sum, bench.EXACT_TABLE)) == 55 and len(bench.EXACT_TABLE) == 4
