"""The study's sources as BibTeX, CSL-JSON and a reference list; the sources a run folder's tables cite."""

from __future__ import annotations

import json

import pandas as pd

from studylib.report.references import (NO_ADDRESS, cited_source_ids, reference_list_html, reference_list_markdown,
                                        to_bibtex, to_csl_json, write_references)

SOURCES = pd.DataFrame([
    {"source_id": "art", "citation": "Lee, K. 'Cities & diplomacy'. Journal 1(2), 2020.", "source_type": "journal_article",
     "reliability": "peer_reviewed", "url_or_doi": "doi:10.1234/abc_1", "language": "en", "note": ""},
    {"source_id": "web", "citation": "서울특별시. 자매도시 page.", "source_type": "official_web", "reliability": "official",
     "url_or_doi": "https://example.org/x", "language": "ko", "note": ""},
    {"source_id": "grey", "citation": "Untitled report. No author.", "source_type": "report", "reliability": "grey",
     "url_or_doi": "", "language": "id", "note": "Numbers unverified (50%)."},
])


def test_cited_source_ids_is_the_union_over_saved_tables(tmp_path):
    (tmp_path / "a.csv").write_text("x,source_id\n1,art\n2,web\n")
    (tmp_path / "metrics.csv").write_text("tie_id,sources\nt,art; grey\n")
    (tmp_path / "other.csv").write_text("x\n1\n")
    assert cited_source_ids(tmp_path) == ["art", "grey", "web"]
    assert cited_source_ids(tmp_path / "missing") == []


def test_bibtex_entries_carry_the_coded_citation_and_address():
    bib = to_bibtex(SOURCES, ["art", "grey"])
    assert bib.count("@misc{") == 2 and "@misc{web," not in bib
    assert r"note = {Lee, K. 'Cities \& diplomacy'. Journal 1(2), 2020.}" in bib
    assert "doi = {10.1234/abc_1}" in bib and "langid = {english}" in bib
    grey = bib.split("@misc{grey,")[1]
    assert NO_ADDRESS in grey and r"(50\%)" in grey and "url =" not in grey
    assert "keywords = {report, grey}" in grey


def test_csl_json_items():
    items = {i["id"]: i for i in to_csl_json(SOURCES)}
    assert items["art"]["type"] == "article-journal" and items["art"]["DOI"] == "10.1234/abc_1"
    assert items["web"]["URL"] == "https://example.org/x" and items["web"]["title"] == "서울특별시. 자매도시 page."
    assert NO_ADDRESS in items["grey"]["note"]
    json.dumps(list(items.values()))  # serialisable


def test_reference_lists_say_when_a_source_has_no_address():
    md = reference_list_markdown(SOURCES)
    lines = md.splitlines()
    assert len(lines) == 3 and lines[0].startswith("- Lee, K.")  # sorted by citation
    quoted = pd.concat([SOURCES, pd.DataFrame([{**SOURCES.iloc[0].to_dict(), "source_id": "q",
                                                 "citation": "'Kota cerdas' (report)."}])])
    assert [line.split("`")[1] for line in reference_list_markdown(quoted).splitlines()] == ["q", "art", "grey", "web"]
    assert "<https://doi.org/10.1234/abc_1>" in md and NO_ADDRESS in md and "\\&" not in md
    page = reference_list_html(SOURCES, ["web"])
    assert '<a href="https://example.org/x">' in page and "서울특별시" in page and "Lee" not in page
    assert reference_list_markdown(SOURCES, []) == "- (no source is cited)"


def test_write_references_lists_what_the_tables_cite(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "t.csv").write_text("source_id\nweb\n")
    written = write_references(tmp_path, SOURCES)
    assert [p.name for p in written] == ["references.bib", "references.json"]
    assert "@misc{web," in written[0].read_text() and "@misc{art," not in written[0].read_text()
    assert [i["id"] for i in json.loads(written[1].read_text())] == ["web"]
    assert write_references(tmp_path / "none", None) == []


def test_hostile_text_cannot_break_a_bibtex_entry():
    hostile = pd.DataFrame([{"source_id": "h", "citation": "} @misc{evil, note={x", "source_type": "news",
                             "reliability": "news", "url_or_doi": "https://e.org/a}b{c", "language": "en", "note": ""}])
    bib = to_bibtex(hostile)
    assert bib.count("@misc{") == 1 and "url = {https://e.org/a%7Db%7Bc}" in bib
    body = bib.split("@misc{h,")[1]
    depth = 0
    for ch in body.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= -1
    assert depth == -1  # only the entry's own closing brace is left unbalanced
