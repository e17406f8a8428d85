"""Country names in every report language: a network file may name countries in English, in Indonesian (CLDR) or by
ISO code with the same result; a name no language resolves is located by file, line and column; reports show CLDR's
name in the report's language."""

from __future__ import annotations

import pytest

from bundles import pairs_file
from studylib import i18n
from studylib import network as nw
from studylib.network import places

HEADER = "city1,country1,city2,country2\n"
ISO = ["Surabaya,ID,Busan,KR", "Seoul,KR,Tokyo,JP", "Medan,ID,Ichikawa,JP", "Beijing,CN,Seoul,KR",
       "Boston,US,Taipei,TW"]
INDONESIAN = ["Surabaya,Indonesia,Busan,Korea Selatan", "Seoul,Korea Selatan,Tokyo,Jepang",
              "Medan,Indonesia,Ichikawa,Jepang", "Beijing,Tiongkok,Seoul,Korea Selatan",
              "Boston,Amerika Serikat,Taipei,Taiwan"]
ENGLISH = ["Surabaya,Indonesia,Busan,South Korea", "Seoul,South Korea,Tokyo,Japan", "Medan,Indonesia,Ichikawa,Japan",
           "Beijing,China,Seoul,South Korea", "Boston,United States,Taipei,Taiwan"]


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def _read(tmp_path, rows, name):
    return nw.read_network(pairs_file(tmp_path, rows=rows, header=HEADER, name=name))


def test_indonesian_and_english_country_names_read_as_the_iso_codes_do(tmp_path):
    by_code = _read(tmp_path, ISO, "iso.csv")
    for rows, name in ((INDONESIAN, "id.csv"), (ENGLISH, "en.csv")):
        net = _read(tmp_path, rows, name)
        assert net.report["unresolved_countries"] == [] and net.report["country_problems"] == []
        assert net.cities[["node_id", "country", "country_name", "region"]].equals(
            by_code.cities[["node_id", "country", "country_name", "region"]])
        assert net.ties.equals(by_code.ties)
    assert set(by_code.cities["country"]) == {"ID", "KR", "JP", "CN", "US", "TW"}


def test_every_languages_cldr_names_resolve():
    from babel import Locale

    for lang in i18n.LANGUAGES:
        names = Locale.parse(lang).territories
        for code in ("KR", "JP", "CN", "US", "NL", "DE"):
            assert places.country_code(names[code]) == code, (lang, names[code])
    assert places.ambiguous_country_names() == frozenset()  # CLDR's en and id names name no two countries


def test_an_unknown_country_is_located_by_file_line_and_column(tmp_path):
    rows = [*INDONESIAN, "Hargeisa,Somaliland,Tokyo,Jepang", "Taipei,Taiwan,Somewhere,Negeri Antah"]
    path = pairs_file(tmp_path, rows=rows, header=HEADER, name="bad.csv")
    net = nw.read_network(path)
    problems = net.report["country_problems"]
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}:7: column 'country1': country 'Somaliland' is neither an ISO 3166-1 code "
                                  "nor a country name CLDR knows in English or Indonesian")
    assert problems[1].startswith(f"{path}:8: column 'country2': country 'Negeri Antah'")
    assert net.report["unresolved_countries"] == ["Negeri Antah", "Somaliland"]


def test_an_ambiguous_country_name_is_not_guessed(tmp_path, monkeypatch):
    # CLDR has no such clash today: a name two languages give to two countries is made up here
    places._cldr_table.cache_clear()
    real = places._territory_names
    monkeypatch.setattr(places, "_territory_names",
                        lambda lang: {**real(lang), "GE": "Georgia"} if lang == "en" else {**real(lang), "US": "Georgia"})
    try:
        assert "georgia" in places.ambiguous_country_names()
        assert places.country_code("Georgia") == ""
        net = nw.read_network(pairs_file(tmp_path, rows=["Tbilisi,Georgia,Atlanta,US"], header=HEADER, name="ge.csv"))
        assert net.report["country_problems"][0].endswith(
            "column 'country1': country 'Georgia' names different countries in English and Indonesian: write its "
            "ISO 3166-1 code")
    finally:
        monkeypatch.undo()
        places._cldr_table.cache_clear()


def test_country_names_are_shown_in_the_reports_language():
    assert places.country_name("KR") == "South Korea"
    i18n.set_language("id")
    assert [places.country_name(c) for c in ("KR", "JP", "CN", "US")] == ["Korea Selatan", "Jepang", "Tiongkok",
                                                                           "Amerika Serikat"]
    assert places.country_name("KR", "en") == "South Korea" and places.country_name("XX") == "XX"
