"""The sentences a count model writes (#31): the family rule, the NB2 -> robust Poisson fallback, the reason a model
is not estimated and the family's name, in Indonesian in an Indonesian run and unchanged in English."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from studylib.analysis.model_results import FAMILY_NAMES, family_name
from studylib.analysis.models import choose_count_family, fit_model
from studylib.errors import ModelError
from studylib.i18n import using_language


def _sparse_window():
    y = np.zeros(64)
    y[[0, 55, 57, 58, 59, 62]] = 1
    return pd.DataFrame({"activities": y, "years_since_start": np.arange(64)})


def test_the_fallback_reason_in_english_is_byte_for_byte_what_it_was():
    fit = choose_count_family(_sparse_window(), "activities ~ years_since_start")
    assert fit.choice == (
        "Family rule: a Poisson model is fitted first as a pre-test; NB2 is used if its Pearson χ²/df > 1.5; a ratio "
        "below 0.67 flags under-dispersion. The p-values do not account for choosing the family on the same data. "
        f"Pre-test: Pearson χ²/df = {fit.pretest_dispersion:.2f} > 1.5 (over-dispersed), so the rule calls for the "
        "negative binomial (NB2) model, but it did not converge within 100 iterations. The outcome totals 6 over 64 "
        "rows, 58 of them zero: little information for a model that also estimates a dispersion. The Poisson model "
        "with robust (HC0, sandwich) standard errors is used instead: its coefficients are the Poisson ones, and its "
        "standard errors stay valid when the counts are over-dispersed.")
    assert FAMILY_NAMES["negbin"] == family_name("negbin") == "negative binomial (NB2)"


def test_the_fallback_and_the_reason_not_estimated_in_indonesian():
    with using_language("id"):
        fit = choose_count_family(_sparse_window(), "activities ~ years_since_start")
        with pytest.raises(ModelError) as info:
            fit_model(_sparse_window(), "activities ~ years_since_start", "negbin")
        with pytest.raises(ModelError) as zeros:
            fit_model(_sparse_window().assign(activities=0.0), "activities ~ years_since_start", "poisson")
        assert family_name("negbin") == "binomial negatif (NB2)"
        assert fit.label == "Poisson, galat baku robust (HC0)"
    assert fit.choice.startswith("Aturan pemilihan keluarga model: model Poisson diestimasi lebih dahulu")
    assert "tetapi model tersebut tidak konvergen dalam 100 iterasi." in fit.choice
    assert "Variabel hasil berjumlah 6 pada 64 baris, 58 di antaranya nol" in fit.choice
    assert "did not converge" not in fit.choice and "> 1,5 (overdispersi)" in fit.choice
    assert str(info.value).startswith("Model binomial negatif (NB2) tidak konvergen dalam 100 iterasi")
    assert str(zeros.value).startswith("Setiap nilai variabel hasil 'activities' adalah nol")
    assert FAMILY_NAMES["negbin"] == "negative binomial (NB2)"  # the constant is a key, not report text


def test_a_term_in_words_in_the_report_language():
    from studylib.analysis.terms import term_label

    term = "C(tie_id)[T.medan-gwangju]:C(sector)[T.education]"
    labels = {"medan-gwangju": "Medan–Gwangju"}
    assert term_label(term, labels) == "tie: Medan–Gwangju × sector: education"
    assert term_label("Intercept") == "intercept"
    with using_language("id"):
        assert term_label(term, labels) == "hubungan: Medan–Gwangju × sektor: pendidikan"
        assert term_label("Intercept") == "intersep"
        assert term_label("years_since_start") == "tahun sejak awal"


def test_the_labels_of_a_saved_regression_table_are_english_in_its_csv(tmp_path):
    from studylib.analysis.terms import labelled_tidy
    from studylib.report.outputs import write_table

    tidy = pd.DataFrame({"term": ["Intercept", "C(sector)[T.education]"], "estimate": [0.5, 1.0]})
    english = labelled_tidy(tidy)
    with using_language("id"):
        indonesian = labelled_tidy(tidy)
    assert list(english["label"]) == ["intercept", "sector: education"]
    assert list(indonesian["label"]) == ["intersep", "sektor: pendidikan"]
    write_table(english, tmp_path / "en.csv")
    write_table(indonesian, tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()
