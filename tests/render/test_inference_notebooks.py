"""The reports' inference, end to end: real notebooks on bundles built here, and API misuse failing a run."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from scipy import stats

import studylib as sl
from bundles import CorpusJob, _act, expansion_only_activities, two_tie_rows, write_bundle
from studylib.paths import NOTEBOOKS_DIR

SENSITIVITY = ["quantity", "variant", "estimate", "conf_low", "conf_high", "p_value", "robust"]


def _two_ties(folder):
    """alpha-beta: a trend made only by expanding two annual programmes; alpha-gamma: a second tie to compare."""
    rows = two_tie_rows(gamma_signed="2005")
    rows["activities"] = [
        *expansion_only_activities(),
        _act("g1", "Agreement", "general", "agreement", "2005", tie="alpha-gamma", direction="mutual"),
        _act("g2", "Dance troupe", "culture", "festival", "", tie="alpha-gamma"),
        _act("g3", "Film week", "culture", "festival", "2015", tie="alpha-gamma"),
        _act("g4", "Business forum", "economy", "delegation", "", tie="alpha-gamma"),
        _act("g5", "Planned office", "economy", "office", "2030", tie="alpha-gamma"),
    ]
    for a in rows["activities"]:
        a["stage"] = "planned" if a["activity_id"] == "g5" else "implemented"
    return write_bundle(folder, rows)


def _dated_a5(folder):
    """An alternative coding: a layered folder whose override row dates the undated a5 to 2008."""
    row = {**_act("a5", "Trade mission", "economy", "delegation", "2008"), "stage": "implemented", "override": "yes"}
    return write_bundle(folder, {"activities": [row]})


RENDER_CORPUS = {
    "inference:compare_pairs": lambda tmp: CorpusJob("compare_pairs", {"ties": ["alpha-beta", "alpha-gamma"]},
                                                     [_two_ties(tmp / "two_ties")], group="inference"),
    "inference:pair_profile": lambda tmp: CorpusJob(
        "pair_profile", {"tie": "alpha-beta", "variant_dirs": [str(_dated_a5(tmp / "variants" / "a5-dated-2008"))]},
        [_two_ties(tmp / "two_ties")], group="inference"),
}


@pytest.fixture(scope="module")
def reports(render_corpus, default_study):
    """The three runs (in the session's render corpus) by notebook: gangnam_axes is the study's default run."""
    results = {name.split(":")[1]: render_corpus[name] for name in RENDER_CORPUS}
    results["gangnam_axes"] = next(r for r in default_study[1] if r.notebook == "gangnam_axes")
    assert all(r.ok for r in results.values()), {k: r.error for k, r in results.items()}
    return results


def test_sector_test_counts_exactly_the_implemented_non_general_activities(reports):
    d = reports["compare_pairs"].output_dir
    test = pd.read_csv(d / "tables" / "sector_test.csv")
    assert {"method", "statistic", "p_value", "n_activities"} <= set(test.columns)
    # a2, a3, a4, a5 and g2, g3, g4: undated ones in, 'general' agreements and the planned g5 out
    assert test.loc[0, "n_activities"] == 7
    assert re.search(r"exact|permutation", test.loc[0, "method"], re.I)
    shares = pd.read_csv(d / "tables" / "sector_shares.csv")
    assert {"conf_low", "conf_high"} <= set(shares.columns) and "general" not in set(shares["sector"])


def test_a_trend_made_by_the_expansion_is_marked_not_robust_beside_the_estimate(reports):
    d = reports["pair_profile"].output_dir
    sens = pd.read_csv(d / "tables" / "sensitivity.csv")
    assert SENSITIVITY == [c for c in sens.columns if c in SENSITIVITY]
    trend = sens[sens["quantity"] == "trend"]
    assert len(trend) >= 3 and not trend["robust"].any()
    assert "annual expansion on" in set(trend["variant"])  # expansion is off in the main analysis (#25)
    report = (d / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", report)
    assert re.search(r"The trend \(IRR per year\) rests on an assumption", text)
    model_at, verdict_at = text.index("Count model of activity over time"), text.index("rests on an assumption")
    assert model_at < verdict_at < text.index("Limitations")
    assert "people_per_year" not in set(pd.read_csv(d / "tables" / "metrics.csv").columns)


def test_a_variant_folder_is_a_row_of_the_sensitivity_table_with_its_files_recorded(reports):
    d = reports["pair_profile"].output_dir
    sens = pd.read_csv(d / "tables" / "sensitivity.csv").set_index(["quantity", "variant"])
    main = sens.xs("trend", level="quantity").iloc[0]
    coded = sens.loc[("trend", "coding: a5-dated-2008")]
    assert (main["n_activities"], coded["n_activities"]) == (4, 5)  # dated in this coding, a5 enters the yearly counts
    assert ("balance", "coding: a5-dated-2008") in sens.index
    text = re.sub(r"<[^>]+>", " ", (d / "report.html").read_text(encoding="utf-8"))
    assert re.search(r"a5-dated-2008\s*\|?\s*activities\.csv", text.replace("</td>", "|"))


def test_compare_pairs_reports_n_as_activities_and_cells(reports):
    d = reports["compare_pairs"].output_dir
    text = re.sub(r"<[^>]+>", " ", (d / "report.html").read_text(encoding="utf-8"))
    assert re.search(r"n = \d+ tie × sector × year cells holds \d+ events", text)
    sens = pd.read_csv(d / "tables" / "sensitivity.csv")
    assert {"trend (alpha-beta)", "sector interaction (LR test)"} <= set(sens["quantity"])
    assert not sens.loc[sens["quantity"] == "trend (alpha-beta)", "robust"].any()


def _broken_profile(folder):
    """pair_profile with its count-model formula naming a column the panel does not have."""
    nb = nbformat.read(NOTEBOOKS_DIR / "pair_profile.ipynb", as_version=4)
    cell = next(c for c in nb.cells if '"activities ~ years_since_start"' in c.source)
    cell.source = cell.source.replace('"activities ~ years_since_start"', '"activities ~ years_since_begin"')
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "pair_profile.ipynb")
    return folder / "pair_profile.ipynb"


def test_a_formula_naming_a_missing_column_fails_the_run(tmp_path, capsys):
    """``studylib run`` (its main, in this process: tests/process/test_cli.py runs the command itself) fails the run
    and names the column; plain papermill fails with the model's ValueError."""
    from studylib.cli import main

    notebook = _broken_profile(tmp_path / "nb")
    assert main(["run", str(notebook), "--out", str(tmp_path / "cli")]) != 0
    said = capsys.readouterr()
    assert "years_since_begin" in said.out + said.err
    pm = subprocess.run([sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "x.ipynb"),
                         "-p", "output_dir", str(tmp_path / "pm"), "--no-progress-bar"],
                        capture_output=True, text=True, timeout=600)
    assert pm.returncode != 0
    assert "years_since_begin" in pm.stderr and "ValueError" in pm.stderr


def test_gangnam_claim_is_tested_on_implemented_activities_with_and_without_pooling(reports):
    d = reports["gangnam_axes"].output_dir
    sens = pd.read_csv(d / "tables" / "sensitivity.csv")
    b = sl.load_bundle()
    coded = sl.add_frames(b.activities.query("actor == 'gangnam'"))
    implemented = coded[(coded["stage"].astype(str) == "implemented") & coded["axis"].notna()]
    set_in_row = sl.frame_origin(b.activities.loc[implemented.index]) == "row"
    assert set_in_row.any()  # the study data hold the circular case the issue describes
    pooled = sens[sens["quantity"] == "culture + inclusion share vs industry + data"].set_index("variant")
    unpooled = sens[sens["quantity"] == "culture + inclusion share vs industry"].set_index("variant")
    assert pooled.loc["implemented activities", "n_activities"] == len(implemented)  # no planned or proposed rows
    assert unpooled.loc["implemented activities", "n_activities"] == (~implemented["axis"].isin(["data"])).sum()
    assert pooled.loc["implemented activities", "p_value"] == pytest.approx(
        stats.binomtest(int(implemented["axis"].isin(["culture", "inclusion"]).sum()), len(implemented), 0.5).pvalue)
    without = pooled.loc["implemented, without rows that set their own axis", "n_activities"]
    assert without == len(implemented) - set_in_row.sum()
    assert "even split over the four axes (distance)" in set(sens["quantity"])
    text = re.sub(r"<[^>]+>", " ", (d / "report.html").read_text(encoding="utf-8"))
    for activity_id in implemented.loc[set_in_row, "activity_id"]:
        assert activity_id in text[text.index("Testing seed 000"):]
    assert "95% interval" in text


def test_compare_pairs_lists_its_tests_with_holm_and_its_multiverse(reports):
    d = reports["compare_pairs"].output_dir
    tests = pd.read_csv(d / "tables" / "tests.csv")
    assert list(tests.columns) == ["test", "method", "p_value", "n", "p_holm"]
    ran = tests["p_value"].notna()
    assert len(tests) == 5 and ran.sum() >= 1 and (tests.loc[ran, "p_holm"] >= tests.loc[ran, "p_value"] - 1e-12).all()
    regression = pd.read_csv(d / "tables" / "regression.csv")
    assert not regression["term"].astype(str).str.contains("general").any()  # dropped, as in the exact test
    robust = pd.read_csv(d / "tables" / "robustness.csv").set_index("quantity")
    assert robust.at["trend (alpha-beta)", "n_specifications"] >= 200
    sens = pd.read_csv(d / "tables" / "sensitivity.csv")
    for q, r in robust["robust"].items():
        assert (sens.loc[sens["quantity"] == q, "robust"] == r).all()
    text = re.sub(r"<[^>]+>", " ", (d / "report.html").read_text(encoding="utf-8"))
    assert "never robust" in text  # the definition, printed in the Method


def test_pair_profile_has_its_multiverse_tables_and_a_specification_curve(reports):
    d = reports["pair_profile"].output_dir
    robust = pd.read_csv(d / "tables" / "robustness.csv").set_index("quantity")
    assert {"trend", "rate_per_year", "continuity", "hhi", "balance"} <= set(robust.index)
    assert (robust["n_specifications"] >= 200).all()
    assert not robust.at["trend", "robust"] and robust.at["trend", "depends_on"] == "annual expansion"
    specs = pd.read_csv(d / "tables" / "multiverse.csv")
    assert list(specs.columns) == ["spec_id", "expansion", "window", "undated", "coding", "draw", "quantity",
                                   "estimate", "conf_low", "conf_high", "p_value"]
    assert (d / "figures" / "spec_curve_trend.png").exists()
