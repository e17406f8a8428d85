"""pair_profile on a long, sparse window (issue 30, D15/D22): a 1960 tie with a handful of activities, as the new
user's own pair was. The count model says in words what it fitted, the report never prints 'nan' or advice the
user cannot follow, numpy's notices do not reach the Provenance, and start_year opens the window later."""

from __future__ import annotations

import csv
import json
import re

import pytest

from bundles import _act, base_rows, write_bundle

TIE = "alpha-beta"


def sparse_1960_pair(folder):
    """Signed 1960; six dated activities (five after 2014, one annual programme) and one undated."""
    rows = base_rows()
    rows["ties"][0]["signed"] = "1960"
    rows["activities"] = [
        _act("a1", "Sister-city agreement", "general", "agreement", "1960-06-24", direction="mutual"),
        _act("a2", "Teacher training", "education", "training", "2015-09", participants="40"),
        _act("a3", "Angklung festival", "culture", "festival", "2017"),
        _act("a4", "Student exchange", "education", "exchange_programme", "2018", recurrence="annual",
             until="2020", participants="25", direction="b_to_a"),
        _act("a5", "Trade mission", "economy", "delegation", "2019"),
        _act("a6", "Youth camp", "culture", "exchange_programme", "2022", direction="mutual"),
        _act("a7", "Library aid", "education", "aid", ""),
    ]
    return write_bundle(folder, rows)


def _render(tmp_path, **params):
    from studylib.runner.execute import run_notebook

    folder = sparse_1960_pair(tmp_path / "pair")
    result = run_notebook("pair_profile", {"tie": TIE, **params}, data_dirs=[str(folder)], out=tmp_path / "out")
    assert result.ok, result.error
    nb = json.loads((result.output_dir / "pair_profile.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb["cells"]
                     if c["cell_type"] == "code" for o in c.get("outputs", []))
    return result, text


def _table(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("sparse"))


def test_a_sparse_1960_window_gets_a_model_said_in_words_not_raise_maxiter(default_run):
    result, text = default_run
    assert "maxiter" not in text and "did not converge within 100 iterations; its estimates" not in text
    assert "so the rule calls for the negative binomial \\(NB2\\) model, but it did not converge" in text  # md-escaped
    assert "The Poisson model with robust \\(HC0, sandwich\\) standard errors is used instead" in text
    assert "family **poisson** with robust (HC0) standard errors: n = 64" in text
    assert re.search(r"\bnan\b", text, re.I) is None, re.search(r".{80}\bnan\b.{40}", text, re.I | re.S).group(0)
    # the table names the model too: its caption in the report, and the LaTeX table's Family row
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "Fitted as Poisson, robust (HC0) standard errors." in report
    assert "Poisson, robust (HC0) standard errors" in (result.output_dir / "tables" / "models.tex").read_text("utf-8")
    assert {r["term"] for r in _table(result.output_dir / "tables" / "regression.csv")} == \
        {"Intercept", "years_since_start"}


def test_one_undated_activity_is_named_in_the_singular(default_run):
    _, text = default_run
    assert ("1 of 7 implemented activities has no date: it counts in the composition tables but not in the main "
            "analysis' yearly counts, model or window metrics (the multiverse also places it in its possible "
            "window).") in text
    assert "(1 undated implemented activity is left out of it)" in text


def test_numpy_notices_of_the_model_fit_do_not_reach_the_provenance(default_run):
    result, text = default_run
    provenance = text[text.index("**Data files**") - 2000:] if "**Data files**" in text else text
    assert "RuntimeWarning" not in provenance and "warnings arose" not in text
    assert not (result.output_dir / "warnings.txt").exists() or \
        "RuntimeWarning" not in (result.output_dir / "warnings.txt").read_text(encoding="utf-8")


def test_start_year_opens_the_window_later_and_the_report_says_so(tmp_path):
    result, text = _render(tmp_path, start_year=2010)
    assert result.output_dir.name.endswith("--start_year-2010")
    metrics = _table(result.output_dir / "tables" / "metrics.csv")[0]
    assert (metrics["years_in_window"], metrics["events"]) == ("14", "5")  # 2010-2023; the 1960 agreement is out
    assert "from `start_year = 2010`" in text  # the Method section
    assert "1 implemented activity begins before 2010 (start_year): its events before that year are not in" in text
    assert "The model's n = 14 tie-years" in text
    assert re.search(r"\bnan\b", text, re.I) is None


def test_a_trend_the_main_analysis_cannot_estimate_is_said_so_not_called_an_assumption(tmp_path):
    """2011-2013 of a tie with one event in it: the main analysis has no trend; the verdict says so in words."""
    from bundles import expansion_only_activities
    from studylib.runner.execute import run_notebook

    rows = base_rows()
    rows["ties"][0]["signed"] = "2000"
    rows["activities"] = expansion_only_activities()
    folder = write_bundle(tmp_path / "pair", rows)
    result = run_notebook("pair_profile", {"tie": TIE, "end_year": 2013, "start_year": 2011, "draws": 20},
                          data_dirs=[str(folder)], out=tmp_path / "out")
    assert result.ok, result.error
    nb = json.loads((result.output_dir / "pair_profile.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb["cells"]
                     if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert "**The trend (IRR per year) is not estimated in the main analysis.**" in text
    assert "main analysis not estimated; range" in text and "not called robust" in text
    assert "**The trend (IRR per year) rests on an assumption.**" not in text
    assert re.search(r"\bnan\b", text, re.I) is None
