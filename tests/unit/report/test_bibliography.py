"""Sources as bibliographic records (issue 27): import from BibTeX / CSL-JSON, typed BibTeX and CSL-JSON, reference
lists in a citation style, the methods bibliography, and complete reference lists in rendered runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bundles import SAMPLE_BIB as BIB
from bundles import bib_pair as _folder
from bundles import cite_source as _cite
from studylib.bundle.bibimport import import_sources, read_bibliography
from studylib.errors import StudyError
from studylib.report.references import (format_references, method_references, named_in_text, reference_list_markdown,
                                        to_bibtex, to_csl_json)

CSL = [
    {"id": "kim2021", "type": "article-journal", "title": "Sister cities in Korea",
     "author": [{"family": "Kim", "given": "Ji-hoon"}], "container-title": "Korea Observer", "volume": "52",
     "issue": "1", "page": "1-20", "issued": {"date-parts": [[2021, 3]]}, "language": "en-US"},
    {"id": "antara2019", "type": "article-newspaper", "title": "25 tahun Surabaya-Busan",
     "container-title": "Antara", "issued": {"date-parts": [[2019, 3, 26]]}, "URL": "https://example.org/antara"},
]


def _sources(folder):
    return pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False).set_index("source_id")


def test_bibtex_import_adds_typed_rows_that_validate(tmp_path):
    from studylib.cli import main

    folder = _folder(tmp_path)
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    report = import_sources(bib, folder)
    assert report.added == ["lee2020cities", "seoul2019report"]
    rows = _sources(folder)
    lee = rows.loc["lee2020cities"]
    assert lee["entry_type"] == "article" and lee["title"] == "Cities and Diplomacy"
    assert lee["authors"] == "Lee, Kyung-min; Müller, Jörg; {Busan Metropolitan City}"
    assert (lee["year"], lee["container"], lee["volume"], lee["issue"], lee["pages"]) == \
        ("2020", "Journal of Urban Affairs", "12", "3", "45-67")
    assert lee["url_or_doi"] == "doi:10.1234/jua.2020.1" and lee["language"] == "en"
    assert lee["reliability"] == "unverified" and lee["source_type"] == "journal_article"
    assert "Cities and Diplomacy" in lee["citation"]
    seoul = rows.loc["seoul2019report"]
    assert (seoul["entry_type"], seoul["publisher"], seoul["date"], seoul["accessed"]) == \
        ("report", "Seoul Metropolitan Government", "2019-05", "2024-01-15")
    assert seoul["language"] == "und"  # the export does not say: 'undetermined', never a guess
    _cite(folder, "lee2020cities")
    assert main(["validate", "--data", str(folder)]) == 0


def test_reimport_reports_changes_and_never_duplicates(tmp_path):
    folder = _folder(tmp_path)
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    import_sources(bib, folder)
    rows = _sources(folder)
    rows.loc["lee2020cities", "reliability"] = "peer_reviewed"  # the study's judgement: an import keeps it
    rows.reset_index().to_csv(folder / "sources.csv", index=False, lineterminator="\n")
    again = import_sources(bib, folder)
    assert again.unchanged == ["lee2020cities", "seoul2019report"] and not again.added and not again.updated
    bib.write_text(BIB.replace("Cities and Diplomacy", "Cities and Paradiplomacy"), encoding="utf-8")
    changed = import_sources(bib, folder)
    assert changed.updated == {"lee2020cities": [("title", "Cities and Diplomacy", "Cities and Paradiplomacy")]}
    assert any("updated lee2020cities: title" in line for line in changed.lines())
    rows = _sources(folder)
    assert list(rows.index).count("lee2020cities") == 1 and rows.loc["lee2020cities", "reliability"] == "peer_reviewed"
    # the same DOI under another key would be the same source twice: refused, nothing written
    before = (folder / "sources.csv").read_bytes()
    bib.write_text(BIB.replace("lee2020cities", "lee2020"), encoding="utf-8")
    with pytest.raises(StudyError, match="DOI 10.1234/jua.2020.1 of source 'lee2020cities'"):
        import_sources(bib, folder)
    assert (folder / "sources.csv").read_bytes() == before
    bib.write_text(BIB + BIB.split("@techreport")[0], encoding="utf-8")
    with pytest.raises(StudyError, match="given twice"):
        read_bibliography(bib)


def test_csl_json_import_and_the_cli(tmp_path, capsys):
    from studylib.cli import main

    folder = _folder(tmp_path)
    path = tmp_path / "zotero.json"
    path.write_text(json.dumps(CSL), encoding="utf-8")
    assert main(["sources", "import", str(path), "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "added kim2021" in out and "added antara2019" in out and "studylib validate --data" in out
    rows = _sources(folder)
    kim = rows.loc["kim2021"]
    assert (kim["authors"], kim["year"], kim["date"], kim["pages"], kim["language"]) == \
        ("Kim, Ji-hoon", "2021", "2021-03", "1-20", "en")
    assert rows.loc["antara2019", "entry_type"] == "news_article" and rows.loc["antara2019", "source_type"] == "news"
    assert rows.loc["antara2019", "url_or_doi"] == "https://example.org/antara"
    _cite(folder, "kim2021")
    assert main(["validate", "--data", str(folder)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "csl"}', encoding="utf-8")
    assert main(["sources", "import", str(bad), "--data", str(folder)]) == 2
    assert "CSL-JSON" in capsys.readouterr().err


def test_an_imported_article_is_a_typed_bibtex_and_csl_record(tmp_path):
    from studylib.bundle.load import load_bundle
    from studylib.paths import DATA_DIR

    folder = _folder(tmp_path)
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    import_sources(bib, folder)
    _cite(folder, "lee2020cities")
    sources = load_bundle(DATA_DIR, folder).sources
    text = to_bibtex(sources, ["lee2020cities", "seoul2019report"])
    entry = text.split("@article{lee2020cities,")[1].split("\n}\n")[0]
    assert "author = {Lee, Kyung-min and Müller, Jörg and {Busan Metropolitan City}}" in entry
    assert "title = {{Cities and Diplomacy}}" in entry and "year = {2020}" in entry
    assert "journal = {Journal of Urban Affairs}" in entry and "pages = {45--67}" in entry
    assert "note =" not in entry and "doi = {10.1234/jua.2020.1}" in entry
    assert "@techreport{seoul2019report," in text and "institution = {Seoul Metropolitan Government}" in text
    item = next(i for i in to_csl_json(sources, ["lee2020cities"]) if i["id"] == "lee2020cities")
    assert item["type"] == "article-journal" and item["issued"] == {"date-parts": [[2020]]}
    assert item["author"][2] == {"literal": "Busan Metropolitan City"} and item["container-title"] == \
        "Journal of Urban Affairs"
    md = reference_list_markdown(sources, ["lee2020cities"])
    assert md.startswith("- Lee, K.-m., Müller, J., &amp; Busan Metropolitan City. \\(2020\\). Cities and Diplomacy. "
                         "*Journal of Urban Affairs*, *12*\\(3\\), 45–67. <https://doi.org/10.1234/jua.2020.1>")
    chicago = reference_list_markdown(sources, ["lee2020cities"], style="chicago-author-date")
    assert chicago != md and "2020. “Cities and Diplomacy”" in chicago  # author-date: the year after the names
    with pytest.raises(StudyError, match="no such CSL style"):  # a user's parameter: ParameterError
        reference_list_markdown(sources, ["lee2020cities"], style="no-such-style")


def test_study_sources_are_records_where_the_seeds_say_so():
    """data/sources.csv: the journal articles are typed records; nothing the seeds do not say is filled in."""
    from studylib.bundle.load import load_bundle
    from studylib.paths import DATA_DIR

    sources = load_bundle(DATA_DIR).sources.set_index("source_id")
    rak = sources.loc["rakhmadi-surabaya-medan"]
    assert (rak["entry_type"], rak["authors"], str(rak["year"]), rak["container"]) == \
        ("article", "Rakhkmadi, Roby", "2023", "JTJ - Jurnal Terekam Jejak")
    assert sources.loc["puspitarini-bandung-seoul", "authors"].startswith("Puspitarini, Renny Candradewi;")
    assert pd.isna(sources.loc["puspitarini-bandung-seoul", "year"])  # the seed and the index give no year
    assert sources.loc["gangnam-glocal", "authors"] in ("", None) or pd.isna(sources.loc["gangnam-glocal", "authors"])
    bib = to_bibtex(load_bundle(DATA_DIR).sources)
    assert "@article{rakhmadi-surabaya-medan," in bib and "keywords = {news, news}" not in bib


def test_methods_are_named_and_formatted():
    text = "Shares with Jeffreys intervals; King & Zeng's (2001) prior correction; Cohen's κ; see `antara-2019`."
    sources, methods = named_in_text(text, ["antara-2019", "antara", "busan-press-2014"])
    assert sources == ["antara-2019"]
    assert set(methods) == {"jeffreys-1946", "brown-cai-dasgupta-2001", "king-zeng-2001", "cohen-1960"}
    formatted = format_references(method_references({"king-zeng-2001"}))
    assert formatted["king-zeng-2001"].startswith("King, G., &amp; Zeng, L. (2001). Logistic regression in rare "
                                                  "events data. <i>Political Analysis</i>, <i>9</i>(2), 137–163.")
    assert all(item.get("author") and item.get("title") and item.get("issued") for item in method_references())
