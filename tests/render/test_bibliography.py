"""Sources as bibliographic records (issue 27): import from BibTeX / CSL-JSON, typed BibTeX and CSL-JSON, reference
lists in a citation style, the methods bibliography, and complete reference lists in rendered runs."""

from __future__ import annotations

import json
import re

from bundles import SAMPLE_BIB as BIB
from bundles import CorpusJob, filled_pair


def test_reports_list_every_source_and_method_they_name(default_study):
    """compare_pairs names the anniversary sources and uses exact tests and Jeffreys intervals; network_context uses
    the Wikidata snapshot, Kaltenbrunner et al. and King & Zeng: each is in the run's bibliography and report."""
    out, _ = default_study
    expected = {"compare_pairs": {"gwangju-news-medan", "busan-press-2014", "antara-2019", "rakhmadi-surabaya-medan",
                                  "freeman-halton-1951", "jeffreys-1946"},
                "network_context": {"wikidata-sister-cities-2022", "king-zeng-2001", "kaltenbrunner-2014"}}
    for notebook, keys in expected.items():
        folder, = [p for p in (out / notebook).iterdir() if (p / "manifest.json").is_file()]
        bib = (folder / "references.bib").read_text(encoding="utf-8")
        csl = {item["id"] for item in json.loads((folder / "references.json").read_text(encoding="utf-8"))}
        report = (folder / "report.html").read_text(encoding="utf-8")
        for key in keys:
            assert re.search(rf"^@\w+\{{{re.escape(key)},", bib, flags=re.M), (notebook, key)
            assert key in csl and f"<code>{key}</code>" in report, (notebook, key)
        assert "(no source is cited)" not in report


def _imported_article_job(tmp_path):
    """pair_profile on a new pair whose activities cite an article imported from BibTeX."""
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    folder = filled_pair(tmp_path / "bandung-suwon", "lee2020cities", [
        {"title": f"Exchange {i}", "start": str(2004 + 2 * i), "sector": "education", "activity_type": "exchange_programme"}
        for i in range(1, 4)], bib=bib)
    return CorpusJob("pair_profile", {"tie": "bandung-suwon"}, [folder])


RENDER_CORPUS = {
    "imported-article": _imported_article_job,
    "chicago": lambda _: CorpusJob("seoul_tokyo_culture", {"citation_style": "chicago-author-date"}),
}


def test_a_run_citing_an_imported_article_writes_a_typed_entry(render_corpus):
    result = render_corpus["imported-article"]
    assert result.ok, result.error
    bib_text = (result.output_dir / "references.bib").read_text(encoding="utf-8")
    entry = bib_text.split("@article{lee2020cities,")[1].split("\n}\n")[0]
    for field in ("author = {Lee, Kyung-min and", "title = {{Cities and Diplomacy}}", "year = {2020}",
                  "journal = {Journal of Urban Affairs}"):
        assert field in entry, field
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "Lee, K.-m., Müller, J., &amp; Busan Metropolitan City. (2020)." in report


def test_citation_style_parameter_formats_the_report_list(render_corpus):
    result = render_corpus["chicago"]
    assert result.ok, result.error
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    # Chicago author-date: "Family, G., G. Family, and G. Family. n.d."; APA would print "…, &amp; Hayat, F. K. (n.d.)"
    assert "Nugraha, A. T. B., E. K. Dewi, and F. K. Hayat. n.d." in report
    assert "Nugraha, A. T. B., Dewi, E. K., &amp; Hayat, F. K. (n.d.)" not in report
