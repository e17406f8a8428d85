"""The study data: valid, complete for the comparisons, and traceable to the sources row by row."""

from __future__ import annotations

import hashlib

import pytest

from studylib import load_bundle
from studylib.paths import DATA_DIR, SEEDS_DIR
from studylib.sources import count_locators

SEED_SOURCES = {"gangnam-glocal": "000", "puspitarini-bandung-seoul": "001", "seoul-scg-report": "002",
                "nugraha-seoul-tokyo": "003", "rakhmadi-surabaya-medan": "004"}


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_study_ties_are_present_and_typed_honestly(bundle):
    ties = bundle.ties.set_index("tie_id")
    for tie in ("surabaya-busan", "medan-gwangju", "seoul-tokyo", "bandung-seoul"):
        assert tie in ties.index
    assert ties.at["bandung-seoul", "tie_type"] == "letter_of_intent"
    assert ties.at["bandung-seoul", "status"] == "disputed"
    assert ties.at["seoul-tokyo", "signed"] == "1988-09-03"
    assert ties.at["medan-gwangju", "signed"] == "1997-09-24"
    assert ties.at["surabaya-busan", "signed"] == "1994"  # the day rests on a blog only: year precision
    for partner in ("santa_clara", "meguro", "haidian"):  # claimed only by seed 000
        assert ties.at[f"gangnam-{partner}", "status"] == "unverified"


def test_enough_cited_activities(bundle):
    acts = bundle.activities
    assert len(acts) >= 60
    assert (acts["source_id"] != "").all() and (acts["locator"].str.strip() != "").all()
    assert set(acts["tie_id"]) >= {"surabaya-busan", "medan-gwangju", "seoul-tokyo", "bandung-seoul"}


def test_gangnam_cluster_table_and_kpis_complete(bundle):
    ind = bundle.indicators
    clusters = ind[ind["entity_type"] == "cluster"]
    assert len(clusters) == 12
    assert set(clusters["indicator"]) == {"centrality", "delta_sentiment", "trust_index"}
    c1 = clusters.set_index(["entity_id", "indicator"])["value"]
    assert c1[("gangnam_c1", "centrality")] == pytest.approx(0.92)
    assert c1[("gangnam_c4", "trust_index")] == pytest.approx(0.90)
    kpi = ind[(ind["entity_id"] == "gangnam") & (ind["indicator"] == "trust_index")].iloc[0]
    assert kpi["target"] == pytest.approx(0.90) and kpi["target_type"] == "at_least"


def test_seoul_smart_city_indicators(bundle):
    ind = bundle.indicators.set_index("indicator")
    assert ind.at["internet_use_share_young", "value"] == pytest.approx(99.9)
    assert ind.at["internet_use_share_elderly", "value"] == pytest.approx(64.3)
    assert ind.at["public_kiosks", "value"] == 5371
    assert ind.at["voting_proposals_handled", "value"] == 4404


def test_grey_sources_are_marked(bundle):
    rel = bundle.sources.set_index("source_id")["reliability"]
    assert rel["gangnam-glocal"] == "grey" and rel["seoul-scg-report"] == "grey"


def test_the_seeds_are_archived_and_every_seed_locator_is_checked(bundle):
    """The validator checks each locator against sources/<id>.txt; here: that it checked every seed row."""
    counts = count_locators(bundle.tables, bundle.dirs)
    citing = sum(int(bundle.tables[t]["source_id"].isin(list(SEED_SOURCES)).sum())
                 for t in ("activities", "ties", "indicators"))
    assert not set(SEED_SOURCES) & set(counts.sources_not_archived)
    assert counts.checked == citing > 100
    recorded = bundle.sources.set_index("source_id")["original_sha256"]
    for sid in SEED_SOURCES:
        assert recorded[sid] == hashlib.sha256((DATA_DIR / "sources" / f"{sid}.txt").read_bytes()).hexdigest()


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="the seed documents (../shared/seeds) are not beside this checkout")
def test_the_archived_seeds_are_the_shared_seeds():
    for sid, num in SEED_SOURCES.items():
        shared = next(SEEDS_DIR.glob(f"{num}_*.txt"))
        assert (DATA_DIR / "sources" / f"{sid}.txt").read_bytes() == shared.read_bytes(), sid
