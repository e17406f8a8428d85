"""Study-specific sentences are printed only when the data behind them are the ones the run uses (issue 26).

Each test renders a real notebook with papermill on a bundle built in the test, never the study's own ties alone.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
from bundles import CorpusJob, _act, base_rows, write_bundle

from studylib.paths import DATA_DIR


def _two_new_ties() -> dict:
    """base_rows plus a third city and a second tie, alpha-gamma, with activities of its own."""
    rows = copy.deepcopy(base_rows())
    rows["cities"].append({"city_id": "gamma", "name": "Gamma", "name_local": "", "country": "JP", "level": "city",
                           "parent_id": "", "lat": "", "lon": ""})
    rows["ties"].append({"tie_id": "alpha-gamma", "city_a": "alpha", "city_b": "gamma", "tie_type": "sister",
                         "signed": "2005", "status": "active", "source_id": "src1", "note": ""})
    rows["activities"] += [
        _act("g1", "Agreement", "general", "agreement", "2005", direction="mutual", tie="alpha-gamma"),
        _act("g2", "Student exchange", "education", "exchange_programme", "2008", tie="alpha-gamma"),
        _act("g3", "Trade fair", "economy", "trade_fair", "2011", tie="alpha-gamma"),
    ]
    return rows


def _text(result) -> str:
    assert result.ok, result.error
    html = (result.output_dir / "report.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_compare_pairs_says_nothing_about_double_coding_for_new_ties(render_corpus):
    text = _text(render_corpus["any-input:new-ties"])
    assert "Who carries the activities out?" in text  # the section is there ...
    for claim in ("coded a second time", "blind", "Reliability of the coding", "Krippendorff", "Seed 004",
                  "seed's conclusion"):
        assert claim not in text  # ... but no double coding and no seed's conclusion about other ties
    assert not list((render_corpus.root / "any-input-new-ties").glob("**/tables/reliability.csv"))


def _double_coded(tie: str) -> tuple[int, int]:
    """(activities of the tie a blind second coder coded as the same unit, activities of the tie), from the files."""
    first = pd.read_csv(DATA_DIR / "activities.csv", dtype=str, keep_default_na=False)
    first = first[first["tie_id"] == tie].set_index("activity_id")
    covered = set()
    for path in (DATA_DIR / "reliability").glob("**/coder2/activities.csv"):
        second = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("activity_id")
        for aid in first.index.intersection(second.index):
            if all(first.at[aid, c] == second.at[aid, c] for c in ("tie_id", "source_id", "locator")):
                covered.add(aid)
    return len(covered), len(first)


def test_compare_pairs_counts_the_double_coded_activities_of_the_ties_compared(render_corpus):
    result = render_corpus["any-input:double-coded"]
    bundle, = render_corpus.jobs["any-input:double-coded"].data_dirs
    bundle = Path(bundle)
    text = _text(result)
    k, n = _double_coded("surabaya-busan")
    assert 0 < k
    assert f"{k} of the {n + 4} activities of the ties compared were coded a second time" in text
    assert "Seed 004 concludes" not in text  # seed 004 is about Surabaya-Busan AND Medan-Gwangju
    assert result.slug.startswith("alpha-beta+surabaya-busan--data-pair-")  # --data: never the default run's folder
    manifest = json.loads((result.output_dir / "manifest.json").read_text(encoding="utf-8"))
    for read in ("data/reliability/coder2/activities.csv", "data/activities.csv", str((bundle / "activities.csv").resolve())):
        assert read in manifest["data_files"], read  # every input file the run read is hashed
    table = pd.read_csv(result.output_dir / "tables" / "reliability.csv")
    assert {"participant_group", "certainty"} <= set(table["variable"])
    assert (table["n_units"] <= k).all()


def _portfolio(sectors: list[str], *, locators: list[str] | None = None) -> dict:
    """A bundle whose city 'alpha' has one implemented activity per sector given, each from its own passage unless
    ``locators`` says otherwise; no row sets its own axis."""
    rows = copy.deepcopy(base_rows())
    locators = locators or [f"p. {i + 1}" for i in range(len(sectors))]
    acts = []
    for i, (sector, locator) in enumerate(zip(sectors, locators)):
        a = _act(f"x{i + 1}", f"Activity {i + 1}", sector, "forum", f"{2010 + i}")
        a["locator"] = locator
        acts.append(a)
    rows["activities"] = acts
    return rows


def _verdict(text: str) -> str:
    found = re.findall(r"Verdict: ([^.]*)\.", text)
    assert len(found) == 1, found
    return found[0]


GANGNAM_PORTFOLIOS = {
    "weaker": _portfolio(["economy"] * 8),  # 0 of 8 culture + inclusion: p = 0.008
    "stronger": _portfolio(["culture"] * 8),
    "one cell": _portfolio(["economy"] * 8, locators=["CES, MWC, dll."] * 8),  # 8 rows, one passage: n = 1
}


def test_gangnam_verdict_can_come_out_either_way_and_one_passage_is_one_unit(render_corpus):
    verdicts = {}
    for name in GANGNAM_PORTFOLIOS:
        result = render_corpus[f"any-input:gangnam {name}"]
        text = _text(result)
        verdicts[name] = _verdict(text)
        sensitivity = pd.read_csv(result.output_dir / "tables" / "sensitivity.csv")
        verdicts[name + " n"] = (int(sensitivity["n_units"].iloc[0]), int(sensitivity["n_activities"].iloc[0]))
    assert verdicts["weaker"].startswith("the coded record is consistent with the claim in every specification")
    assert verdicts["stronger"].startswith("the coded record contradicts the claim")
    assert verdicts["one cell"].startswith("the coded record does not establish the claim")
    assert (verdicts["weaker n"], verdicts["one cell n"]) == ((8, 8), (1, 8))  # (units, rows)


def _culture_job(tmp_path):
    rows = copy.deepcopy(base_rows())
    two_way = [_act("r1", "Pupils alpha to beta", "education", "exchange_programme", "", group="students"),
               _act("r2", "Pupils beta to alpha", "education", "exchange_programme", "", direction="b_to_a",
                    group="students")]
    for a in two_way:
        a.update(locator="Program pertukaran pelajar", stage="agreed")
    for a in rows["activities"]:
        a["stage"] = "implemented"
    rows["activities"] += two_way
    rows["findings"] = [{"finding_id": "ab-f01", "entity_id": "alpha-beta", "entity_type": "tie", "kind": "challenge",
                         "theme": "language_difference", "statement": "Language differences hamper the exchange.",
                         "source_id": "src1", "locator": "Tantangan bahasa"}]
    return CorpusJob("seoul_tokyo_culture", {"tie": "alpha-beta"}, [write_bundle(tmp_path / "pair", rows)])


def test_seoul_tokyo_culture_shows_stage_programmes_and_the_findings_table(render_corpus):
    result = render_corpus["any-input:culture"]
    text = _text(result)
    profile = pd.read_csv(result.output_dir / "tables" / "culture_profile.csv")
    assert {"stage", "rows", "programmes", "cultural_exchange", "is_culture"} <= set(profile.columns)
    agreed = profile[profile["stage"] == "agreed"].iloc[0]
    assert (agreed["rows"], agreed["programmes"]) == (2, 1)  # the two directions of one exchange: one programme
    assert bool(agreed["cultural_exchange"]) and not bool(agreed["is_culture"])  # students: the question's sense only
    assert re.search(r"agreed\s*:\s*1 programmes \(2 rows\)", text)
    assert "ab-f01" in text and "Tantangan bahasa" in text and "Language differences hamper" in text


def _smart_city_job(tmp_path):
    rows = copy.deepcopy(base_rows())
    own = [_act("s1", "Open data portal", "technology", "other", "2015", direction="none", tie=""),
           _act("s2", "Kiosk replacement", "technology", "other", "2026", direction="none", tie=""),
           _act("s3", "Street festival", "culture", "festival", "2016", direction="none", tie="")]
    for a, stage in zip(own, ["implemented", "planned", "implemented"]):
        a["stage"] = stage
    for a in rows["activities"]:
        a["stage"] = "implemented"
    rows["activities"] += own
    for r in rows["indicators"]:
        r.update(value_kind="", value_qualifier="")
    rows["indicators"].append({"entity_id": "alpha", "entity_type": "city", "indicator": "transfer_time_change",
                               "value": "-10", "unit": "minutes", "year": "", "target": "", "source_id": "src1",
                               "locator": "lebih dari 10 menit", "value_kind": "potential", "value_qualifier": "at_most"})
    return CorpusJob("smart_city_governance", {"city": "alpha"}, [write_bundle(tmp_path / "city", rows)])


def test_smart_city_dimensions_count_implemented_smart_city_rows_and_mark_potential_bounds(render_corpus):
    result = render_corpus["any-input:smart-city"]
    text = _text(result)
    dims = pd.read_csv(result.output_dir / "tables" / "dimensions.csv")
    assert dims["activities"].sum() == 1  # s1 only: s2 is planned, s3 is not a smart-city row
    assert "1 of 3 one-city rows" in text
    svg = (result.output_dir / "figures" / "indicators.svg").read_text(encoding="utf-8")
    assert "transfer_time_change (potential; ≤ -10)" in svg or "transfer time change (potential; ≤ -10)" in svg


RENDER_CORPUS = {
    "any-input:new-ties": lambda tmp: CorpusJob("compare_pairs", {"ties": ["alpha-beta", "alpha-gamma"]},
                                                [write_bundle(tmp / "pair", _two_new_ties())], group="any-input-new-ties"),
    "any-input:double-coded": lambda tmp: CorpusJob("compare_pairs", {"ties": ["alpha-beta", "surabaya-busan"]},
                                                    [write_bundle(tmp / "pair", _two_new_ties())]),
    **{f"any-input:gangnam {name}": (lambda tmp, name=name, rows=rows: CorpusJob(
        "gangnam_axes", {"actor": "alpha", "include_plans": False}, [write_bundle(tmp / name.replace(" ", "_"), rows)],
        group=f"any-input-{name.replace(' ', '_')}"))
       for name, rows in GANGNAM_PORTFOLIOS.items()},
    "any-input:culture": _culture_job,
    "any-input:smart-city": _smart_city_job,
}
