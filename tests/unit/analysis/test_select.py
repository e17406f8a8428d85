"""Selecting a bundle's rows and naming its ties and cities (studylib.analysis.select)."""

from __future__ import annotations

from bundles import base_rows, write_bundle
from studylib import load_bundle
from studylib.analysis.select import display_labels


def test_display_labels_name_each_tie_as_tie_label_does_and_each_city_by_its_name(tmp_path):
    rows = base_rows()
    rows["cities"].append({**rows["cities"][1], "city_id": "gamma", "name": "Gamma Kota"})
    rows["ties"].append({**rows["ties"][0], "tie_id": "alpha-gamma", "city_b": "gamma"})
    b = load_bundle(write_bundle(tmp_path / "b", rows))
    labels = display_labels(b)
    assert list(labels) == ["alpha-beta", "alpha-gamma", "alpha", "beta", "gamma"]  # ties in order, then cities
    assert {t: labels[t] for t in b.tie_ids()} == {t: b.tie_label(t) for t in b.tie_ids()}
    assert labels["alpha-gamma"] == f"{labels['alpha']}–Gamma Kota" and labels["gamma"] == "Gamma Kota"
