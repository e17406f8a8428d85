"""The tie-formation model's reasons, its term labels and the focal ties' reasons in the report language (#31);
English unchanged, a CSV of the coefficients the same in both languages."""

from __future__ import annotations

from bundles import synthetic_network as _synthetic_network

import pandas as pd

from studylib.i18n import ReaderText, using_language
from studylib.network import gravity
from studylib.report.outputs import write_table



def _reads_as_a_sentence(reason: str) -> None:
    """As tests/unit/network/test_gravity_reasons.py asks of the English: one sentence the notebook can embed."""
    assert reason[0].isupper() and reason.endswith(".") and reason.count(". ") == 0, reason
    assert ": " not in reason, reason


def test_every_too_few_reason_in_indonesian_is_one_sentence_and_english_is_unchanged():
    terms = ("log_distance_km", "same_country", "log_pop_a")
    assert gravity._too_few_reason(3, 1190, 780_000, terms) == (
        "Only 3 ties join pairs of the 1,190 cities that have all the model needs (coordinates, a population and a "
        "resolved country), too few for 4 coefficients, which need at least 40 ties (ten a coefficient).")
    with using_language("id"):
        reasons = [gravity._too_few_reason(*args, terms) for args in
                   [(0, 0, 0), (0, 1, 0), (0, 5, 10), (1, 2, 1), (10, 5, 10), (1, 40, 780), (3, 1190, 780_000)]]
        labels = [gravity.term_label(t) for t in ("const", "log_distance_km", "same_country")]
    for reason in reasons:
        _reads_as_a_sentence(reason)
        assert "the model needs" not in reason and "koordinat, jumlah penduduk, dan negara yang teridentifikasi" in reason
    assert reasons[-1].startswith("Hanya 3 hubungan yang menghubungkan pasangan dari 1.190 kota")
    assert labels == ["intersep", "log jarak (km)", "negara yang sama"]
    assert gravity.term_label("log_distance_km") == "log distance (km)"


def test_term_labels_in_a_saved_table_are_english(tmp_path):
    rows = [{"term": t, "label": gravity._label_text(t)} for t in ("const", "same_country")]
    with using_language("id"):
        indonesian = pd.DataFrame({"term": ["const", "same_country"],
                                   "label": pd.Series([gravity._label_text(t) for t in ("const", "same_country")],
                                                      dtype=object)})
    assert list(indonesian["label"]) == ["intersep", "negara yang sama"]
    assert isinstance(indonesian.at[0, "label"], ReaderText)
    write_table(pd.DataFrame(rows), tmp_path / "en.csv")
    write_table(indonesian, tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()


def test_the_coefficient_table_note_in_both_languages(tmp_path):
    import re

    model = gravity.fit_tie_model(_synthetic_network(tmp_path), estimator="prior_corrected", controls_per_tie=3,
                                  seed=11)
    english = model.tidy()
    assert re.fullmatch(r"tau = [\d.e-]+ \(ties among all pairs\), ybar = [\d.e-]+ \(ties in the sample\); 3 controls "
                        r"per tie, seed 11", english.at[0, "note"]), english.at[0, "note"]
    with using_language("id"):
        indonesian = model.tidy()
    assert "(hubungan dalam sampel); 3 kontrol per hubungan, benih acak 11" in indonesian.at[0, "note"]
    assert list(indonesian["label"])[0] == "intersep"
    write_table(english, tmp_path / "en.csv")
    write_table(indonesian, tmp_path / "id.csv")
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "id.csv").read_bytes()


