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
