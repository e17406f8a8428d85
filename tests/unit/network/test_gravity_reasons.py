"""Why a tie-formation model was not estimated, in a sentence that reads well wherever the notebook embeds it
(issue 30, D22: the new user's own pairs file had no coordinates and the report said "The tie-formation model was
not estimated. only 0 ties among 0 cities with the covariates: too few to estimate 4 coefficients")."""

from __future__ import annotations

import re

import pytest

from bundles import PAIRS_ROWS as ROWS
from bundles import pairs_file
from studylib import network as nw
from studylib.network import gravity


def _reads_as_a_sentence(reason: str) -> None:
    assert reason[0].isupper() and reason.endswith(".") and reason.count(". ") == 0, reason
    assert ": " not in reason, reason  # the notebook embeds it after "...was not estimated: "
    assert not re.search(r"\b(only|all) 0\b|\b0 (ties|cities)\b|\ball 1 pairs\b", reason, re.I), reason


def test_a_pairs_file_without_coordinates_says_no_city_has_what_the_model_needs(tmp_path):
    net = nw.read_network(pairs_file(tmp_path, [",".join(r.split(",")[:4]) for r in ROWS],
                                     header="city1,country1,city2,country2\n"))
    model = gravity.fit_tie_model(net)
    assert not model.fitted
    _reads_as_a_sentence(model.reason)
    assert model.reason.startswith("No city of the network has all the model needs (coordinates")


@pytest.mark.parametrize("n_ties, n_cities, possible, start", [
    (0, 0, 0, "No city of the network has"),
    (0, 1, 0, "Only 1 city of the network has"),
    (0, 5, 10, "No tie joins two of the 5 cities"),
    (1, 2, 1, "The one pair of the 2 cities"),
    (10, 5, 10, "All 10 pairs of the 5 cities"),
    (1, 40, 780, "Only 1 tie joins two of the 40 cities"),
    (3, 40, 780, "Only 3 ties join pairs of the 40 cities"),
])
def test_every_too_few_reason_is_one_true_sentence_for_zero_and_one(n_ties, n_cities, possible, start):
    reason = gravity._too_few_reason(n_ties, n_cities, possible, ("log_distance_km", "same_country"))
    _reads_as_a_sentence(reason)
    assert reason.startswith(start)
    assert "(coordinates and a resolved country)" in reason


def test_the_too_few_reason_names_the_coefficients_and_the_rule():
    reason = gravity._too_few_reason(3, 40, 780, ("log_distance_km", "same_country", "log_pop_a"))
    assert reason.endswith("too few for 4 coefficients, which need at least 40 ties (ten a coefficient).")
    assert "(coordinates, a population and a resolved country)" in reason
