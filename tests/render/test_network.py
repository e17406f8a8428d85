"""Sister-city networks: loaders, normalisation, located errors, the crosswalk, the King-Zeng model, the notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bundles import CorpusJob, users_network_job
from bundles import pairs_file as _pairs
from studylib.cli import main


def test_notebook_on_a_pairs_file(render_corpus):
    result = render_corpus["users-network-file"]
    assert result.ok, result.error
    tables = result.output_dir / "tables"
    focal = pd.read_csv(tables / "focal_ties.csv").set_index("tie_id")
    assert focal.loc[["surabaya-busan", "seoul-tokyo"], "found"].all()
    assert not focal.at["medan-gwangju", "found"]
    summary = pd.read_csv(tables / "network_summary.csv").iloc[0]
    assert summary["n_ties"] < summary["rows_read"] and summary["duplicate_pairs_dropped"] >= 2
    reg = pd.read_csv(tables / "regression.csv")
    assert "log_distance_km" in set(reg["term"]) and (reg["n"] > 0).all()
    assert (tables / "country_pairs.csv").exists() and (tables / "network_disagreement.csv").exists()
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "no populations" in report and "No dates" in report


def _own_network_job(tmp_path):
    from bundles import base_rows, write_bundle

    rows = base_rows()
    rows["cities"][0].update(lat="-6.2", lon="106.8")
    rows["cities"][1].update(lat="35.2", lon="129.1")
    bundle = write_bundle(tmp_path / "bundle", rows)
    rng = np.random.default_rng(1)
    lines = ["Alpha,Indonesia,Beta,Korea Selatan,-6.2,106.8,35.2,129.1",  # an Indonesian country name
             "Medan,Indonesia,Gwangju,South Korea,3.67,98.67,35.17,126.92"]
    countries = ["Jepang", "Japan", "France", "Indonesia"]
    for k in range(150):
        a, b = rng.choice(80, 2, replace=False)
        lines.append(f"Town {a},{countries[a % 4]},Town {b},{countries[b % 4]},{(a * 7) % 60 - 20},{(a * 13) % 300 - 150},"
                     f"{(b * 7) % 60 - 20},{(b * 13) % 300 - 150}")
    path = _pairs(tmp_path, lines)
    return CorpusJob("network_context", {"network_file": str(path), "ties": ["alpha-beta", "medan-gwangju"],
                                         "compare_with_snapshot": False}, [bundle])


def test_notebook_text_follows_the_network_and_the_pair_it_is_given(render_corpus):
    """A pair built in the test, in a network file built in the test: nothing of the bundled snapshot or of the
    study's default ties is printed (issue 26), the estimator and error type are named (issue 29); this run keeps
    the all-pairs fit (the auto estimator on a network this small)."""
    result = render_corpus["network:own-network"]
    assert result.ok, result.error
    tables = result.output_dir / "tables"
    focal = pd.read_csv(tables / "focal_ties.csv").set_index("tie_id")
    assert focal.loc[["alpha-beta", "medan-gwangju"], "found"].all()
    xw = pd.read_csv(tables / "crosswalk.csv").set_index("city_id")
    assert xw.at["alpha", "matched_by"] == "name + country"
    summary = pd.read_csv(tables / "network_summary.csv").iloc[0]
    assert "Korea Selatan" not in str(summary.get("unresolved_countries", ""))
    reg = pd.read_csv(tables / "regression.csv")
    assert set(reg["estimator"]) >= {"all pairs (maximum likelihood, no sampling)"}
    assert (reg["se_type"].str.startswith("dyadic cluster-robust")).all()
    assert set(reg["model"]) >= {"main", "node-heterogeneity check"}
    pairs = pd.read_csv(tables / "country_pairs.csv")
    assert {"conf_low", "conf_high"} <= set(pairs.columns) and (pairs["conf_low"] <= pairs["ties_per_1000_pairs"]).all()
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    for stale in ("about 80", "47 against", "Cities only", "2022 snapshot", "absent from this network", "since 1997"):
        assert stale not in report, stale
    assert "A user network" in report and "pairs.csv" in report
    assert "(no source is cited)" not in report  # the focal ties' sources are in References
    assert "all pairs (maximum likelihood, no sampling)" in report and "no populations" in report
    assert "log distance (km)" in report and not reg["label"].str.startswith("log population").any()
    assert "log_distance_km" not in report.split("Provenance")[0].replace("tables/", "")  # labelled terms only


def _new_pair_job(tmp_path):
    folder = tmp_path / "bandung-braunschweig"
    assert main(["new-pair", "bandung", "braunschweig", "--into", str(folder)]) == 0
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False)
    cities.loc[cities["city_id"] == "braunschweig", ["name", "name_local", "country", "level", "lat", "lon"]] = \
        ["Braunschweig", "Braunschweig", "DE", "city", "52.2667", "10.5167"]  # no QID; the snapshot says 'Brunswick'
    cities.to_csv(folder / "cities.csv", index=False)
    ties = pd.read_csv(folder / "ties.csv", dtype=str, keep_default_na=False)
    ties.loc[0, ["tie_type", "signed", "status", "source_id", "locator"]] = ["sister", "1960", "active", "user-notes", "p. 1"]
    ties.to_csv(folder / "ties.csv", index=False)
    sources = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False)
    sources = pd.DataFrame([{c: "" for c in sources.columns} | {"source_id": "user-notes", "citation": "My notes.",
                                                               "source_type": "report", "reliability": "grey",
                                                               "language": "en"}])
    sources.to_csv(folder / "sources.csv", index=False)
    return CorpusJob("network_context", {"ties": ["bandung-braunschweig", "surabaya-busan"], "estimator": "weighted",
                                         "compare_estimators": False}, [folder])


def test_a_new_pair_filled_as_a_user_would_is_found_in_the_snapshot_and_the_report_says_how(render_corpus):
    result = render_corpus["network:new-pair"]
    assert result.ok, result.error
    xw = pd.read_csv(result.output_dir / "tables" / "crosswalk.csv").set_index("city_id")
    assert xw.at["braunschweig", "node_id"] == "Q2773" and xw.at["braunschweig", "matched_by"].startswith("coordinates")
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "found as <em>Brunswick</em>" in report and "coordinates (same country, within 20 km)" in report
    assert "not in the network: braunschweig" not in report


RENDER_CORPUS = {"users-network-file": users_network_job, "network:own-network": _own_network_job,
                 "network:new-pair": _new_pair_job}
