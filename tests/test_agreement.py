"""Inter-coder agreement: Krippendorff's published example, kappa, coders' folders and the command line."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from studylib.inference.agreement import (agreement_table, alpha_interval, cohen_kappa, disagreements, krippendorff_alpha,
                                          load_codings)
from studylib.errors import StudyError
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


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300)


def test_agreement_command_prints_alpha_and_disagreements_and_writes_csv(tmp_path):
    directions = {"sb-002": "a_to_b", "sb-006": "b_to_a", "mg-003": "mutual"}  # the same, and varied, for both
    one = _coder_folder(tmp_path / "coder1", {k: {"direction": v} for k, v in directions.items()})
    two = _coder_folder(tmp_path / "coder2", {k: {"direction": v} for k, v in directions.items()}
                        | {"sb-002": {"direction": "a_to_b", "sector": "tourism"}})
    out = tmp_path / "alpha.csv"
    done = _cli("agreement", str(one), str(two), "--variables", "sector,direction", "--resamples", "50",
                "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "alpha" in done.stdout and "kappa" in done.stdout and "sb-002" in done.stdout
    written = pd.read_csv(out)
    assert list(written["variable"]) == ["sector", "direction"] and {"variable", "alpha"} <= set(written.columns)
    assert written.set_index("variable").at["direction", "alpha"] == pytest.approx(1.0)


def test_agreement_command_bad_row_names_file_line_and_column(tmp_path):
    one = _coder_folder(tmp_path / "coder1", {"sb-002": {}})
    two = _coder_folder(tmp_path / "coder2", {"sb-002": {"sector": "pendidikan"}})
    done = _cli("agreement", str(one), str(two), "--variables", "sector")
    assert done.returncode == 2
    assert "coder2/activities.csv:2: column 'sector'" in done.stderr and "Traceback" not in done.stderr
    good = _coder_folder(tmp_path / "coder3", {"sb-002": {}})
    bad = _cli("agreement", str(one), str(good), "--variables", "colour")
    assert bad.returncode == 2 and "unknown variable 'colour'" in bad.stderr


def test_cli_default_variables_are_every_coded_variable():
    from studylib.cli import CODED_VARIABLES_TEXT
    from studylib.inference.agreement import CODED_VARIABLES

    assert tuple(CODED_VARIABLES_TEXT.split(",")) == CODED_VARIABLES
    assert {"participant_group", "certainty", "axis", "dimension"} <= set(CODED_VARIABLES)


def test_axis_is_compared_as_the_value_in_force_and_scope_restricts_units():
    import pandas as pd

    from studylib.inference.agreement import agreement_table, coded_units, disagreements

    one = pd.DataFrame({"sector": ["culture", "technology", "economy"], "axis": ["", "", ""],
                        "source_id": ["s", "s", "t"]}, index=["u1", "u2", "u3"])
    two = pd.DataFrame({"sector": ["culture", "technology", "economy"], "axis": ["culture", "industry", "industry"],
                        "source_id": ["s", "s", "t"]}, index=["u1", "u2", "u4"])
    codings = {"one": one, "two": two}
    assert coded_units(codings) == ["u1", "u2"]
    table = agreement_table(codings, ["axis"], resamples=10).iloc[0]
    # u1: culture (default) vs culture; u2: data (technology's default) vs industry -> one disagreement
    assert table["n_units"] == 2 and table["n_disagreements"] == 1
    only_u1 = agreement_table(codings, ["axis"], resamples=10, scope={"axis": ["u1"]}).iloc[0]
    assert only_u1["n_units"] == 1 and only_u1["n_disagreements"] == 0
    differ = disagreements(codings, ["axis"])
    assert list(differ["activity_id"]) == ["u2"] and list(differ["one"]) == ["data"]
    with pytest.raises(ValueError):
        agreement_table(codings, ["sector"], scope={"axis": ["u1"]})


@pytest.mark.slow
def test_round2_layout_works_with_the_agreement_command(tmp_path):
    """data/reliability/round2/: units.csv names units from all five seeds; a coder2/ folder beside it is compared
    on those units only, every coded variable by default, axis and dimension scoped to their sources."""
    round2 = DATA_DIR / "reliability" / "round2"
    units = pd.read_csv(round2 / "units.csv", dtype=str, keep_default_na=False)
    assert len(units) >= 60 and units["source_id"].nunique() == 5
    assert (round2 / "brief.md").is_file()
    # a stand-in coder2 (in tmp, never in data/) coding two units, one differently
    coder = _coder_folder(tmp_path / "round2" / "coder2", {"sb-002": {"sector": "tourism"}, "sl-001": {}})
    units.iloc[:1].to_csv(tmp_path / "round2" / "units.csv", index=False)  # sb-002 only
    done = _cli("agreement", str(DATA_DIR), str(coder), "--units", str(tmp_path / "round2" / "units.csv"),
                "--scope", "dimension=seoul-scg-report", "--resamples", "20", "--out", str(tmp_path / "a.csv"),
                "--disagreements", str(tmp_path / "d.csv"))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "a.csv").set_index("variable")
    assert {"participant_group", "certainty", "axis", "dimension"} <= set(table.index)
    assert table.at["sector", "n_units"] == 1 and table.at["sector", "n_disagreements"] == 1  # sl-001 not a unit
    assert table.at["dimension", "n_units"] == 0  # scoped to seoul-scg-report, whose unit sl-001 is not listed
    differ = pd.read_csv(tmp_path / "d.csv")
    assert differ[["activity_id", "variable"]].values.tolist() == [["sb-002", "sector"]]


def test_an_empty_cell_in_a_coded_row_is_a_value_but_an_uncoded_unit_is_missing():
    import pandas as pd

    from studylib.inference.agreement import agreement_table

    one = pd.DataFrame({"participant_group": ["students", "", "artists"], "stage": ["", "agreed", ""]},
                       index=["u1", "u2", "u3"])
    two = pd.DataFrame({"participant_group": ["", "", "artists"], "stage": ["implemented", "agreed", ""]},
                       index=["u1", "u2", "u9"])
    table = agreement_table({"one": one, "two": two}, ["participant_group", "stage"], resamples=10).set_index("variable")
    assert table.at["participant_group", "n_units"] == 2  # u3 and u9 were coded by one coder each
    assert table.at["participant_group", "n_disagreements"] == 1  # u1: students vs not stated
    assert table.at["stage", "n_disagreements"] == 0  # empty stage is 'implemented' (codebook)
