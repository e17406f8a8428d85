"""Inter-coder agreement: Krippendorff's published example, kappa, coders' folders and the command line."""

from __future__ import annotations

import csv
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from studylib import load_bundle
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


from bundles import coder_folder as _coder_folder
# ------------------------------------------------------------------------------ coders' folders on a new pair's bundle
from studylib.cli import main  # noqa: E402

SECTORS = {1: "education", 2: "culture", 3: "economy", 4: "tourism", 5: "sports"}


def _new_pair(tmp_path):
    """A new pair's bundle made with `studylib new-pair`, filled as a researcher would (a source and the tie)."""
    pair = tmp_path / "bandung-suwon"
    assert main(["new-pair", "bandung", "suwon", "--into", str(pair)]) == 0
    with open(pair / "sources.csv", "a", newline="", encoding="utf-8") as fh:
        header = (pair / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        csv.DictWriter(fh, header, lineterminator="\n").writerow(
            {h: "" for h in header} | {"source_id": "test-src", "citation": "Test citation", "source_type": "news",
                                       "reliability": "news", "language": "en"})
    ties = pd.read_csv(pair / "ties.csv", dtype=str, keep_default_na=False)
    ties.loc[0, ["tie_type", "signed", "status", "source_id", "locator"]] = ["sister", "1997", "active", "test-src",
                                                                           "p. 1"]
    ties.to_csv(pair / "ties.csv", index=False, lineterminator="\n")
    return pair


def _activity(aid, **values):
    row = {"activity_id": aid, "tie_id": "bandung-suwon", "actor": "bandung", "title": f"Activity {aid}",
           "sector": "education", "activity_type": "festival", "recurrence": "once", "direction": "a_to_b",
           "source_id": "test-src", "locator": f"p. {aid}", "certainty": "reported", "start": "", "end": "",
           "until": "", "participants": "", "participant_group": "", "institution": ""}
    return {**row, **values}


def _coding(folder, rows):
    """A coder's folder holding only activities.csv."""
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "activities.csv", index=False, lineterminator="\n")
    assert [p.name for p in folder.iterdir()] == ["activities.csv"]
    return folder


def _krippendorff_coders(root):
    """Krippendorff's four observers as four coders' folders: a missing value is a unit the coder did not code;
    the value is a sector (nominal) and a number of participants (interval)."""
    folders = []
    for coder in KRIPPENDORFF_EXAMPLE.columns:
        rows = [_activity(f"k-{i + 1:02d}", sector=SECTORS[int(v)], participants=str(int(v)))
                for i, v in enumerate(KRIPPENDORFF_EXAMPLE[coder]) if v == v]
        folders.append(_coding(root / f"coder{coder}", rows))
    return folders


def test_krippendorffs_example_through_the_command_on_coders_folders(tmp_path, capsys):
    pair = _new_pair(tmp_path)
    folders = _krippendorff_coders(tmp_path / "round")
    out = tmp_path / "alpha.csv"
    code = main(["agreement", *map(str, folders), "--data", str(pair), "--variables", "sector,participants",
                 "--interval", "participants", "--resamples", "200", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    table = pd.read_csv(out).set_index("variable")
    assert table.at["sector", "level"] == "nominal" and table.at["participants", "level"] == "interval"
    assert table.at["sector", "alpha"] == pytest.approx(0.743, abs=5e-4)
    assert table.at["participants", "alpha"] == pytest.approx(0.849, abs=5e-4)
    assert table.at["sector", "n_units"] == 11 and table.at["sector", "n_single"] == 1  # unit 12: coder B only
    assert "Units: 12 (every activity any coder coded); coded by every coder: 8; by only some: 4" in printed.out
    assert "not coded by coderA (3): k-10, k-11, k-12" in printed.out
    assert "kappa" not in printed.out.split("n_units:")[0]  # four coders: no kappa column


def test_two_coders_folders_on_a_new_pairs_bundle_give_the_table_and_a_trail_of_adjudication(tmp_path, capsys):
    pair = _new_pair(tmp_path)
    first = [_activity("bsw-001"), _activity("bsw-002", sector="culture", participants="20", stage="agreed"),
             _activity("bsw-003", direction="mutual"), _activity("bsw-004")]
    second = [_activity("bsw-001"), _activity("bsw-002", sector="economy", participants="25", stage="planned"),
              _activity("bsw-003", direction="mutual")]  # bsw-004 not coded by the colleague
    me, colleague = _coding(tmp_path / "me", first), _coding(tmp_path / "colleague", second)
    sheet = tmp_path / "disagreements.csv"
    code = main(["agreement", str(me), str(colleague), "--data", str(pair), "--ordinal", "stage",
                 "--variables", "sector,activity_type,direction,stage,actor_type,participants",
                 "--interval", "participants", "--resamples", "100", "--disagreements", str(sheet),
                 "--out", str(tmp_path / "alpha.csv")])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    table = pd.read_csv(tmp_path / "alpha.csv").set_index("variable")
    assert list(table.index) == ["sector", "activity_type", "direction", "stage", "actor_type", "participants"]
    assert table.at["stage", "level"] == "ordinal" and table.at["participants", "level"] == "interval"
    assert table.at["sector", "n_units"] == 3 and table.at["sector", "n_single"] == 1
    assert table.at["sector", "n_disagreements"] == 1 and not np.isnan(table.at["sector", "kappa"])
    assert "not coded by colleague (1): bsw-004" in printed.out
    decisions = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert decisions[["activity_id", "variable", "me", "colleague"]].values.tolist() == [
        ["bsw-002", "sector", "culture", "economy"], ["bsw-002", "stage", "agreed", "planned"],
        ["bsw-002", "participants", "20", "25"]]
    assert list(decisions.columns[-3:]) == ["value", "reason", "decided_by"]

    # adjudication: every decision needs a reason and a decider; nothing is written until it has them
    decisions["value"] = ["economy", "agreed", "25"]
    decisions.to_csv(sheet, index=False)
    final = tmp_path / "final"
    assert main(["adjudicate", str(sheet), "--base", str(me), "--out", str(final), "--data", str(pair)]) == 2
    err = capsys.readouterr().err
    assert "disagreements.csv:2: column 'reason': a value is required" in err and "Traceback" not in err
    assert not final.exists()
    decisions["reason"] = ["trade fair, per codebook", "MoU only", "the source's later figure"]
    decisions["decided_by"] = "A. Adjudicator"
    decisions.to_csv(sheet, index=False)
    before = (me / "activities.csv").read_bytes(), (colleague / "activities.csv").read_bytes()
    assert main(["adjudicate", str(sheet), "--base", str(me), "--out", str(final), "--data", str(pair)]) == 0
    capsys.readouterr()
    assert ((me / "activities.csv").read_bytes(), (colleague / "activities.csv").read_bytes()) == before
    log = pd.read_csv(final / "adjudication.csv", dtype=str, keep_default_na=False)
    assert log[["activity_id", "variable", "before", "value", "decided_by"]].values.tolist() == [
        ["bsw-002", "sector", "culture", "economy", "A. Adjudicator"],
        ["bsw-002", "stage", "agreed", "agreed", "A. Adjudicator"],
        ["bsw-002", "participants", "20", "25", "A. Adjudicator"]]
    assert log.at[0, "reason"] == "trade fair, per codebook" and log.at[0, "colleague"] == "economy"
    bundle = load_bundle(DATA_DIR, pair, final)
    row = bundle.activities.set_index("activity_id").loc["bsw-002"]
    assert (row["sector"], row["participants"], len(bundle.activities[bundle.activities["tie_id"] == "bandung-suwon"])) \
        == ("economy", 25, 4)
    # the agreement before adjudication is still there to compute; the final data are never overwritten
    assert main(["agreement", str(me), str(colleague), "--data", str(pair), "--variables", "sector",
                 "--resamples", "50"]) == 0
    assert "1 disagreements to adjudicate" in capsys.readouterr().out
    assert main(["adjudicate", str(sheet), "--base", str(me), "--out", str(final), "--data", str(pair)]) == 2
    assert "already exists and is never overwritten" in capsys.readouterr().err


def test_a_round_folder_fixes_the_units_and_reports_what_is_left_out(tmp_path, capsys):
    pair = _new_pair(tmp_path)
    round_ = tmp_path / "round"
    _coding(round_ / "coder1", [_activity("bsw-001"), _activity("bsw-002"), _activity("bsw-009")])
    _coding(round_ / "coder2", [_activity("bsw-001"), _activity("bsw-002", direction="b_to_a")])
    (round_ / "units.csv").write_text("activity_id,tie_id,source_id,locator\nbsw-001,bandung-suwon,test-src,p. 1\n"
                                      "bsw-002,bandung-suwon,test-src,p. 2\nbsw-003,bandung-suwon,test-src,p. 3\n",
                                      encoding="utf-8")
    assert main(["agreement", str(round_), "--data", str(pair), "--variables", "direction",
                 "--resamples", "50"]) == 0
    out = capsys.readouterr().out
    assert "Agreement of 2 coders (coder1, coder2)" in out
    assert "Units: 3 (the units fixed in" in out and "by none: 1" in out
    assert "coded by coder1 outside the round's units, left out (1): bsw-009" in out
    assert "not coded by coder2 (1): bsw-003" in out
    codings = load_codings(round_ / "coder1", round_ / "coder2", data_dirs=[pair])  # the same units, found beside
    assert codings.unit_ids() == ["bsw-001", "bsw-002", "bsw-003"] and codings.left_out["coder1"] == ["bsw-009"]
    assert main(["agreement", str(round_ / "coder1"), str(round_ / "coder2"), "--data", str(pair),
                 "--variables", "direction", "--units", "none", "--resamples", "50"]) == 0
    assert "Units: 3 (every activity any coder coded)" in capsys.readouterr().out


def test_the_study_check_keeps_its_form_and_its_numbers(capsys):
    assert main(["agreement", "data", "data/reliability/coder2", "--resamples", "50"]) == 0
    out = capsys.readouterr().out
    # round 1's 21 units against today's coding: sb-005 is no longer an activity (#26), so 20 are compared, and a
    # stage that no coder varies has no alpha (no expected disagreement), where it used to read 1.0
    assert "Units: 21 (the units fixed in" in out and "by only some: 1" in out and "not coded by data (1): sb-005" in out
    table = agreement_table(load_codings(DATA_DIR, DATA_DIR / "reliability" / "coder2"),
                            ["sector", "activity_type", "direction", "stage", "actor_type"], resamples=50)
    alphas = dict(zip(table["variable"], table["alpha"].round(3)))
    assert {k: v for k, v in alphas.items() if k != "stage"} == {
        "sector": 0.929, "activity_type": 0.882, "direction": 0.664, "actor_type": 0.912}
    assert alphas["stage"] != alphas["stage"]  # NaN
    assert set(table["n_units"]) == {20} and set(table["n_single"]) == {1}


@pytest.mark.parametrize("args, message", [
    (["--variables", "sector,colour"], "unknown variable 'colour': not a coded column of activities"),
    (["--variables", "sector", "--ordinal", "stage"], "--ordinal stage: 'stage' is not among the variables "
                                                      "compared (sector); add it to --variables"),
    (["--variables", "sector", "--interval", "participants"], "--interval participants: 'participants' is not among"),
    (["--variables", "sector", "--interval", "sector"], "'sector' is not a number (vocab), so it cannot be interval"),
    (["--variables", "title", "--ordinal", "title"], "'title' has no vocabulary, so it cannot be ordinal"),
    (["--variables", "stage", "--ordinal", "stage", "--interval", "stage"], "'stage' is given two levels"),
])
def test_unknown_or_unselected_variables_are_errors(tmp_path, capsys, args, message):
    one = _coder_folder(tmp_path / "c1", {"sb-002": {}})
    two = _coder_folder(tmp_path / "c2", {"sb-002": {}})
    assert main(["agreement", str(one), str(two), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_coder_folder_without_the_shared_bundle_says_to_name_it_with_data(tmp_path, capsys):
    pair = _new_pair(tmp_path)
    with open(pair / "activities.csv", "a", encoding="utf-8", newline="") as fh:
        header = (pair / "activities.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        csv.DictWriter(fh, header, lineterminator="\n").writerow({h: _activity("bsw-001").get(h, "") for h in header})
    colleague = _coding(tmp_path / "colleague", [_activity("bsw-001", sector="culture")])
    assert main(["agreement", str(pair), str(colleague), "--variables", "sector"]) == 2  # the review's call (D5)
    err = capsys.readouterr().err
    assert "colleague/activities.csv:2: column 'tie_id': 'bandung-suwon' is not a tie_id" in err
    assert "hint:" in err and f"--data {pair}" in err
    assert main(["agreement", str(pair), str(colleague), "--data", str(pair), "--variables", "sector",
                 "--resamples", "50"]) == 0  # the pair's folder is both the bundle and the first coder
    out = capsys.readouterr().out
    assert "Agreement of 2 coders (bandung-suwon, colleague)" in out and "Units: 1 " in out
    assert re.search(r"bsw-001\s+sector\s+education\s+culture", out)


def test_interval_alpha_and_weighted_kappa_by_hand():
    assert krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level="interval") == pytest.approx(0.849, abs=5e-4)
    with pytest.raises(ValueError, match="needs numbers; 'x' is not one"):
        krippendorff_alpha(pd.DataFrame({"a": ["x", "y"], "b": ["x", "x"]}), level="interval")
    a, b = [1, 2, 3, 3], [1, 2, 3, 2]  # quadratic weights: 1 - sum(w o) / sum(w e)
    obs = np.zeros((3, 3))
    for i, j in zip(a, b):
        obs[i - 1, j - 1] += 1
    obs /= 4
    exp = np.outer(obs.sum(1), obs.sum(0))
    w = np.subtract.outer([1, 2, 3], [1, 2, 3]) ** 2
    assert cohen_kappa(a, b, level="interval") == pytest.approx(1 - (w * obs).sum() / (w * exp).sum())


def test_the_two_coder_route_in_the_docs_is_made_of_commands_that_exist():
    """docs/two-coders.md: every studylib command parses as written, and the workbench's parameters exist."""
    import shlex

    from studylib.cli import build_parser
    from studylib.paths import PROJECT_ROOT
    from studylib.report.parameters import notebook_parameters

    text = (PROJECT_ROOT / "docs" / "two-coders.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    commands = [c for b in blocks for c in b.replace("\\\n", " ").splitlines() if c.startswith("studylib ")]
    assert [c.split()[1] for c in commands] == ["new-pair", "archive-source", "validate", "agreement", "adjudicate",
                                                "validate", "run", "agreement"]
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.func is not None
    [python] = re.findall(r"```python\n(.*?)```", text, re.S)
    names = [line.split("=")[0].strip() for line in python.splitlines() if "=" in line]
    assert set(names) <= set(notebook_parameters("code_sources")) and {"blind", "units"} <= set(names)


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
