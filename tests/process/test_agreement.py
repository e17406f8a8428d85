"""Inter-coder agreement: Krippendorff's published example, kappa, coders' folders and the command line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from bundles import coder_folder as _coder_folder
from studylib.paths import DATA_DIR


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300)


def test_agreement_command_prints_alpha_and_disagreements_and_writes_csv(tmp_path):
    directions = {"sb-002": "a_to_b", "sb-006": "b_to_a", "mg-003": "mutual"}  # the same, and varied, for both
    one = _coder_folder(tmp_path / "coder1", {k: {"direction": v} for k, v in directions.items()})
    two = _coder_folder(tmp_path / "coder2", {k: {"direction": v} for k, v in directions.items()}
                        | {"sb-002": {"direction": "a_to_b", "sector": "tourism"}})
    out = tmp_path / "alpha.csv"
    done = _cli("agreement", str(one), str(two), "--variables", "sector,direction", "--resamples", "50",
                "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "alpha" in done.stdout and "kappa" in done.stdout and "sb-002" in done.stdout
    written = pd.read_csv(out)
    assert list(written["variable"]) == ["sector", "direction"] and {"variable", "alpha"} <= set(written.columns)
    assert written.set_index("variable").at["direction", "alpha"] == pytest.approx(1.0)


def test_agreement_command_bad_row_names_file_line_and_column(tmp_path):
    one = _coder_folder(tmp_path / "coder1", {"sb-002": {}})
    two = _coder_folder(tmp_path / "coder2", {"sb-002": {"sector": "pendidikan"}})
    done = _cli("agreement", str(one), str(two), "--variables", "sector")
    assert done.returncode == 2
    assert "coder2/activities.csv:2: column 'sector'" in done.stderr and "Traceback" not in done.stderr
    good = _coder_folder(tmp_path / "coder3", {"sb-002": {}})
    bad = _cli("agreement", str(one), str(good), "--variables", "colour")
    assert bad.returncode == 2 and "unknown variable 'colour'" in bad.stderr


def test_round2_layout_works_with_the_agreement_command(tmp_path):
    """data/reliability/round2/: units.csv names units from all five seeds; a coder2/ folder beside it is compared
    on those units only, every coded variable by default, axis and dimension scoped to their sources."""
    round2 = DATA_DIR / "reliability" / "round2"
    units = pd.read_csv(round2 / "units.csv", dtype=str, keep_default_na=False)
    assert len(units) >= 60 and units["source_id"].nunique() == 5
    assert (round2 / "brief.md").is_file()
    # a stand-in coder2 (in tmp, never in data/) coding two units, one differently
    coder = _coder_folder(tmp_path / "round2" / "coder2", {"sb-002": {"sector": "tourism"}, "sl-001": {}})
    units.iloc[:1].to_csv(tmp_path / "round2" / "units.csv", index=False)  # sb-002 only
    done = _cli("agreement", str(DATA_DIR), str(coder), "--units", str(tmp_path / "round2" / "units.csv"),
                "--scope", "dimension=seoul-scg-report", "--resamples", "20", "--out", str(tmp_path / "a.csv"),
                "--disagreements", str(tmp_path / "d.csv"))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "a.csv").set_index("variable")
    assert {"participant_group", "certainty", "axis", "dimension"} <= set(table.index)
    assert table.at["sector", "n_units"] == 1 and table.at["sector", "n_disagreements"] == 1  # sl-001 not a unit
    assert table.at["dimension", "n_units"] == 0  # scoped to seoul-scg-report, whose unit sl-001 is not listed
    differ = pd.read_csv(tmp_path / "d.csv")
    assert differ[["activity_id", "variable"]].values.tolist() == [["sb-002", "sector"]]
