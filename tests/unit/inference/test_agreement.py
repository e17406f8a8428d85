"""Inter-coder agreement: Krippendorff's published example, kappa, coders' folders and the command line."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from studylib.errors import StudyError
from studylib.inference.agreement import (agreement_table, alpha_interval, cohen_kappa, disagreements,
                                          krippendorff_alpha, load_codings)
from studylib.paths import DATA_DIR

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units, with
# missing values. Published: nominal 0.743, ordinal 0.815 (interval 0.849, ratio 0.797).
NA = np.nan

KRIPPENDORFF_EXAMPLE = pd.DataFrame({
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    "C": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
})


def test_alpha_reproduces_krippendorffs_worked_example():
    assert krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level="nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level="ordinal") == pytest.approx(0.815, abs=5e-4)


def test_alpha_works_on_labels_and_an_explicit_order():
    words = {1: "low", 2: "mid", 3: "high", 4: "top", 5: "max"}
    labelled = KRIPPENDORFF_EXAMPLE.apply(lambda c: c.map(words))
    assert krippendorff_alpha(labelled) == pytest.approx(0.743, abs=5e-4)
    order = ["low", "mid", "high", "top", "max"]
    assert krippendorff_alpha(labelled, level="ordinal", order=order) == pytest.approx(0.815, abs=5e-4)


def test_alpha_perfect_agreement_is_one_and_no_variation_is_undefined():
    perfect = pd.DataFrame({"a": ["x", "y", "x"], "b": ["x", "y", "x"]})
    assert krippendorff_alpha(perfect) == pytest.approx(1.0)
    same = pd.DataFrame({"a": ["x", "x"], "b": ["x", "x"]})
    assert np.isnan(krippendorff_alpha(same))


def test_alpha_api_misuse_raises():
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level="interval-ish")
    with pytest.raises(ValueError, match="two coders"):
        krippendorff_alpha(pd.DataFrame({"a": [1, 2]}))


def test_bootstrap_interval_is_seeded_and_contains_the_estimate():
    first = alpha_interval(KRIPPENDORFF_EXAMPLE, resamples=300, seed=7)
    assert first == alpha_interval(KRIPPENDORFF_EXAMPLE, resamples=300, seed=7)
    assert first[0] < 0.743 < first[1] <= 1.0


def test_cohen_kappa_matches_the_textbook_formula():
    a = ["x", "x", "y", "y", "x", "y", "x", "x"]
    b = ["x", "y", "y", "y", "x", "x", "x", "x"]
    po = np.mean(np.array(a) == np.array(b))
    pe = (5 / 8) * (5 / 8) + (3 / 8) * (3 / 8)
    assert cohen_kappa(a, b) == pytest.approx((po - pe) / (1 - pe))


def _coder_folder(path, changes: dict[str, dict]):
    """A coder's folder holding the study's own rows for the activities in ``changes``, with those edits."""
    acts = pd.read_csv(DATA_DIR / "activities.csv", dtype=str, keep_default_na=False)
    acts = acts[acts["activity_id"].isin(changes)].copy()
    for aid, edits in changes.items():
        for col, value in edits.items():
            acts.loc[acts["activity_id"] == aid, col] = value
    path.mkdir(parents=True)
    acts.to_csv(path / "activities.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    return path


def test_codings_of_two_folders_are_compared_unit_by_unit(tmp_path):
    one = _coder_folder(tmp_path / "coder1", {"sb-002": {}, "sb-006": {}, "mg-003": {}})
    two = _coder_folder(tmp_path / "coder2", {"sb-002": {"sector": "tourism"}, "sb-006": {}, "mg-001": {}})
    codings = load_codings(one, two)
    assert sorted(codings["coder1"].index) == ["mg-003", "sb-002", "sb-006"]  # only the coder's own rows
    table = agreement_table(codings, ["sector", "direction"], resamples=50).set_index("variable")
    assert table.at["sector", "n_units"] == 2  # sb-002 and sb-006: coded by both; mg-001/mg-003 by one each
    assert table.at["sector", "n_disagreements"] == 1 and table.at["direction", "n_disagreements"] == 0
    differ = disagreements(codings, ["sector", "direction"])
    assert differ.to_dict("records") == [
        {"activity_id": "sb-002", "variable": "sector", "coder1": "culture", "coder2": "tourism"}]


def test_the_study_data_can_be_a_coder(tmp_path):
    two = _coder_folder(tmp_path / "second", {"sb-002": {}, "sb-006": {"direction": "mutual"}})
    codings = load_codings(DATA_DIR, two)
    table = agreement_table(codings, ["direction"], resamples=50).set_index("variable")
    assert table.at["direction", "n_units"] == 2 and table.at["direction", "n_disagreements"] == 1


def test_bad_coder_input_is_a_user_error(tmp_path):
    (tmp_path / "empty").mkdir()
    one = _coder_folder(tmp_path / "c1", {"sb-002": {}})
    with pytest.raises(StudyError, match="no activities.csv"):
        load_codings(one, tmp_path / "empty")
    with pytest.raises(StudyError, match="at least two"):
        load_codings(one)
    with pytest.raises(ValueError, match="unknown variable 'colour'"):
        agreement_table(load_codings(one, _coder_folder(tmp_path / "c2", {"sb-002": {}})), ["colour"])
