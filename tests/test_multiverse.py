"""The multiverse (#25): annual expansion off by default, factors crossed, batched fits equal to statsmodels',
window metrics equal to the one-at-a-time path, one definition of robust, variant folders that load."""

from __future__ import annotations

import pandas as pd
import pytest

import studylib as sl
from studylib.report.parameters import notebook_parameters

REPORTS = ["pair_profile", "compare_pairs", "seoul_tokyo_culture"]


# --- 1: annual expansion is a factor, never the headline ---------------------------------------------------------

@pytest.mark.parametrize("notebook", REPORTS)
def test_annual_expansion_is_off_by_default_in_every_report(notebook):
    spec = notebook_parameters(notebook)
    assert spec["expand_annual"]["default"] == "False"


def test_a_run_without_the_parameter_does_not_expand(tmp_path):
    from studylib.report.study import StudyRun

    b = sl.load_bundle()
    run = StudyRun("pair_profile", {"end_year": 2023}, b, tmp_path)
    events = run.events()
    assert not events["expanded"].any()
    assert "switched off" in run.method_section()
    on = StudyRun("pair_profile", {"end_year": 2023, "expand_annual": True}, b, tmp_path).events()
    assert on["expanded"].any() and len(on) > len(events)


def test_the_sensitivity_grid_starts_from_expansion_off():
    b = sl.load_bundle()
    variants = sl.assumption_variants(b.activities, end_year=2023)
    assert variants[0].expand_annual is False and variants[1].name == "annual expansion on"
