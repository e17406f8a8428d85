"""The codebook's vocabularies have a display label per value in every report language but English (whose labels are
the codebook's own words), and studylib.i18n.label reads them."""

from __future__ import annotations

import pytest

from studylib import i18n
from studylib.bundle.codebook import load_codebook


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_value_of_every_vocabulary_has_a_label(lang):
    cb = load_codebook()
    labels = cb.spec["labels"][lang]
    missing = [f"{vocab}.{value}" for vocab in cb.spec["vocabularies"] for value in cb.vocabulary(vocab)
               if not str((labels.get(vocab) or {}).get(value, "")).strip()]
    assert not missing, f"values without a '{lang}' label: {missing}"
    stray = [f"{vocab}.{value}" for vocab, values in labels.items() for value in values
             if vocab not in cb.spec["vocabularies"] or value not in cb.vocabulary(vocab)]
    assert not stray, f"labels of values the codebook does not have: {stray}"


def test_labels_follow_the_glossary():
    i18n.set_language("id")
    expected = {("sector", "education"): "pendidikan", ("sector", "culture"): "budaya",
                ("sector", "environment"): "lingkungan hidup", ("sector", "disaster_relief"): "bantuan bencana",
                ("sector", "civic"): "kewargaan", ("sector", "general"): "umum", ("sector", "governance"): "tata kelola",
                ("stage", "implemented"): "terlaksana", ("stage", "agreed"): "disepakati",
                ("stage", "proposed"): "diusulkan", ("tie_type", "mou"): "nota kesepahaman",
                ("tie_type", "sister"): "kota kembar", ("tie_type", "letter_of_intent"): "surat pernyataan kehendak"}
    assert {key: i18n.label(*key) for key in expected} == expected


def test_english_labels_are_the_codebook_words():
    cb = load_codebook()
    assert all(i18n.label(vocab, value) == value for vocab in cb.spec["vocabularies"] for value in cb.vocabulary(vocab))


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_metric_has_a_definition_in_every_report_language(lang):
    cb = load_codebook()
    translated = cb.spec["metric_definitions"][lang]
    assert set(translated) == set(cb.spec["metrics"])
    same = [name for name, text in translated.items() if text == cb.spec["metrics"][name] and "/" not in text]
    assert all(str(text).strip() for text in translated.values())
    assert not same, f"not translated: {same}"  # only a formula ('events / years_in_window') reads the same
