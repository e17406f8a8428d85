"""The i18n contract: languages, messages, the notebooks' phrasebook, numbers, dates and codebook labels."""

from __future__ import annotations

import numpy as np
import pytest

import studylib as sl
from studylib import i18n


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def test_public_names_are_reexported_from_studylib():
    for name in ("LANGUAGES", "set_language", "get_language", "gettext", "ngettext", "phrasebook", "format_number",
                 "format_date", "label", "text_column", "upper_first"):
        assert getattr(sl, name) is getattr(i18n, name), name
    assert sl.LANGUAGES == ("en", "id")
    assert i18n._ is i18n.gettext


def test_text_column_keeps_reader_texts_and_upper_first_keeps_the_rest_of_a_label():
    with i18n.using_language("id"):
        reason = i18n.reader_text(lambda: i18n._("descriptive (one document's list; no sampling frame)"))
    column = sl.text_column([reason, "plain"], [3, 4])
    assert list(column.index) == [3, 4] and column.dtype == object and column[3] is reason
    assert sl.upper_first("trend (IRR per year)") == "Trend (IRR per year)"
    assert sl.upper_first("sector concentration (HHI)") == "Sector concentration (HHI)" and sl.upper_first("") == ""


def test_reader_texts_compose_sentences_once_per_language_and_keep_each_ones_english():
    made = []

    def both():
        made.append(i18n.get_language())
        return i18n._("estimate"), i18n._("95% interval")

    with i18n.using_language("id"):
        estimate, interval = i18n.reader_texts(both)
    assert made == ["id", "en"]
    assert (estimate.english, interval.english) == ("estimate", "95% interval")
    with i18n.using_language("id"):
        assert str(estimate) == i18n._("estimate") != "estimate"
    made.clear()
    assert i18n.reader_texts(both) == ("estimate", "95% interval") and made == ["en"]


def test_set_language_refuses_unknown_codes_and_non_strings():
    with pytest.raises(ValueError, match="en, id"):
        i18n.set_language("fr")
    with pytest.raises(TypeError):
        i18n.set_language(None)
    assert i18n.get_language() == "en"
    i18n.set_language("id")
    assert i18n.get_language() == "id"


def test_english_is_the_source_language():
    assert i18n.gettext("about {date}") == "about {date}"
    assert i18n.ngettext("{n} tie", "{n} ties", 1) == "{n} tie"
    assert i18n.ngettext("{n} tie", "{n} ties", 2) == "{n} ties"


def test_indonesian_messages_come_from_the_catalog_and_missing_ones_stay_english():
    i18n.set_language("id")
    assert i18n.gettext("about {date}") == "sekitar {date}"
    assert i18n.gettext("a message no catalog has") == "a message no catalog has"
    assert i18n.ngettext("a message no catalog has", "messages no catalog has", 2) == "messages no catalog has"


def test_using_language_restores_the_previous_one():
    with i18n.using_language("id"):
        assert i18n.get_language() == "id"
    assert i18n.get_language() == "en"


def test_catalog_is_the_union_of_the_po_files_and_ignores_fuzzy(tmp_path, monkeypatch):
    folder = tmp_path / "id"
    folder.mkdir()
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (folder / "a.po").write_text(header + 'msgid "One"\nmsgstr "Satu"\n', encoding="utf-8")
    (folder / "b.po").write_text(header + 'msgid "Two"\nmsgstr "Dua"\n\n#, fuzzy\nmsgid "Three"\nmsgstr "Tigaa"\n',
                                 encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._translations.cache_clear()
    try:
        i18n.set_language("id")
        assert [i18n._("One"), i18n._("Two"), i18n._("Three")] == ["Satu", "Dua", "Three"]
    finally:
        monkeypatch.undo()
        i18n._translations.cache_clear()


def test_phrasebook_returns_the_runs_language_and_needs_every_language():
    assert i18n.phrasebook("id")(en="Results", id="Hasil") == "Hasil"
    assert i18n.phrasebook("en")(en="Results", id="Hasil") == "Results"
    say = i18n.phrasebook("id")
    with pytest.raises(TypeError, match="missing: en"):
        say(id="Hasil")
    with pytest.raises(TypeError, match="unknown: fr"):
        say(en="Results", id="Hasil", fr="Résultats")
    with pytest.raises(ValueError):
        i18n.phrasebook("fr")


def test_a_phrase_in_a_table_is_shown_in_the_runs_language_and_written_in_english(tmp_path):
    import pandas as pd

    from studylib.report.outputs import write_table

    not_stated = i18n.phrasebook("id")(en="(not stated)", id="(tidak disebutkan)")
    assert not_stated == "(tidak disebutkan)" and i18n.english_of(not_stated) == "(not stated)"
    table = pd.DataFrame({"group": pd.Series(["artists", not_stated], dtype=object)})
    assert list(write_table(table, tmp_path / "t.csv")["group"]) == ["artists", "(tidak disebutkan)"]
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "group\nartists\n(not stated)\n"


@pytest.mark.parametrize("value, decimals, english, indonesian", [
    (0.97149, 3, "0.971", "0,971"),
    (1190, None, "1,190", "1.190"),
    (np.int64(1190), None, "1,190", "1.190"),
    (1234.5, None, "1,234.5", "1.234,5"),
    (2.0, 1, "2.0", "2,0"),
    (1234567.891, 2, "1,234,567.89", "1.234.567,89"),
    (-0.5, 2, "-0.50", "-0,50"),
])
def test_format_number(value, decimals, english, indonesian):
    assert i18n.format_number(value, decimals) == english
    i18n.set_language("id")
    assert i18n.format_number(value, decimals) == indonesian


def test_format_number_refuses_what_is_not_a_number():
    with pytest.raises(TypeError):
        i18n.format_number("0.5")
    with pytest.raises(ValueError):
        i18n.format_number(0.5, -1)


@pytest.mark.parametrize("text, words", [
    ("1960-06-24", "24 Juni 1960"), ("2015-09", "September 2015"), ("2015", "2015"), ("1995~", "sekitar 1995"),
    ("2019?", "2019 (tidak pasti)"), ("2011%", "sekitar 2011 (tidak pasti)"), ("[1990..1999]", "antara 1990 dan 1999"),
    ("2015/2018", "2015–2018"), ("2007-07/2008", "Juli 2007–2008"), ("../2008", "2008 atau sebelumnya"),
    ("/2008", "2008 atau sebelumnya"), ("2008/..", "2008 atau sesudahnya"), ("2011-03~", "sekitar Maret 2011"),
    ("", ""), ("undated", "undated"), ("2015-13", "2015-13"),
])
def test_format_date_in_indonesian(text, words):
    assert i18n.format_date(text) == text  # English shows the text as the data write it
    i18n.set_language("id")
    assert i18n.format_date(text) == words


def test_label_is_the_value_in_english_and_the_codebook_label_when_it_has_one(tmp_path, monkeypatch):
    assert i18n.label("sector", "education") == "education"
    i18n.set_language("id")
    assert i18n.label("sector", "no_such_value") == "no_such_value"
    assert i18n.label("sector", None) == ""
    book = tmp_path / "codebook.yaml"
    book.write_text("labels:\n  id:\n    sector:\n      education: pendidikan\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "CODEBOOK_PATH", book)
    assert i18n.label("sector", "education") == "pendidikan"
    assert i18n.label("sector", "culture") == "culture"
    i18n.set_language("en")
    assert i18n.label("sector", "education") == "education"


def test_using_language_is_per_thread_so_concurrent_renders_keep_their_language():
    import threading

    barrier = threading.Barrier(2)
    seen = {}

    def render(lang):
        with i18n.using_language(lang):
            barrier.wait()  # both threads are inside their block at once
            seen[lang] = i18n._("about {date}")
            barrier.wait()

    threads = [threading.Thread(target=render, args=(lang,)) for lang in ("en", "id")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": "about {date}", "id": "sekitar {date}"}
    assert i18n.get_language() == "en"


def test_set_language_inside_using_language_changes_the_block_and_the_process():
    with i18n.using_language("en"):
        i18n.set_language("id")
        assert i18n.get_language() == "id"
    assert i18n.get_language() == "id"
