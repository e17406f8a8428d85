"""Shares of a single document's list have no sampling frame (#25): no interval, and a label that says so."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from bundles import _act, base_rows, write_bundle

import studylib as sl
from studylib.paths import NOTEBOOKS_DIR

LABEL = "descriptive (one document's list; no sampling frame)"


def _listed(folder):
    rows = base_rows()
    rows["activities"] = [_act(f"d{i}", f"Item {i}", sector, "other", "2020", tie="")
                          for i, sector in enumerate(["technology", "technology", "governance", "culture"])]
    return sl.load_bundle(write_bundle(folder, rows)).activities


def test_descriptive_shares_carry_the_label_and_no_interval(tmp_path):
    acts = _listed(tmp_path / "b")
    out = sl.descriptive_shares(acts, by="sector")
    assert sl.DESCRIPTIVE_BASIS == LABEL
    assert list(out.columns) == ["sector", "activities", "share", "basis"]
    assert not {"conf_low", "conf_high"} & set(out.columns)
    assert (out["basis"] == LABEL).all()
    assert out.set_index("sector")["activities"].to_dict() == {"culture": 1, "governance": 1, "technology": 2}
    assert out["share"].sum() == pytest.approx(1.0)


def test_descriptive_shares_say_their_basis_in_the_reports_language_and_write_it_in_english(tmp_path):
    from studylib.i18n import using_language
    from studylib.report.outputs import write_table

    acts = _listed(tmp_path / "b")
    with using_language("id"):
        out = sl.descriptive_shares(acts, by="sector")
        write_table(out, tmp_path / "shares.csv")
    assert set(out["basis"]) == {"deskriptif (daftar dari satu dokumen; tanpa kerangka sampel)"}
    assert set(pd.read_csv(tmp_path / "shares.csv")["basis"]) == {LABEL}


def test_descriptive_shares_reject_misuse(tmp_path):
    acts = _listed(tmp_path / "b")
    with pytest.raises(TypeError):
        sl.descriptive_shares(acts["sector"], by="sector")
    with pytest.raises(ValueError, match="no column"):
        sl.descriptive_shares(acts, by="dimension_x")


def test_shares_with_a_sampling_frame_keep_their_intervals(tmp_path):
    acts = _listed(tmp_path / "b")
    framed = sl.share_intervals(acts.assign(tie_id="alpha-beta", stage="implemented"), by="sector")
    assert {"conf_low", "conf_high"} <= set(framed.columns)


@pytest.mark.parametrize("notebook", ["smart_city_governance", "seoul_tokyo_culture"])
def test_single_document_lists_are_labelled_descriptive_and_have_no_jeffreys_interval(notebook):
    cells = json.loads((NOTEBOOKS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "jeffreys_interval" not in code and "share_intervals" not in code
    assert "Jeffreys" not in text
    assert LABEL in text.replace("**", "").replace("\n", " ")
    assert "descriptive_shares" in code or "DESCRIPTIVE_BASIS" in code  # the table says so too
