"""Hostile parameter values are refused before any kernel starts, and never executed."""

from __future__ import annotations

import pytest

from studylib.cli import main

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize("value", [SCRIPT, "x'; import os; os.system('touch PWNED'); '", "nan"])
def test_hostile_parameters_never_execute(tmp_path, capsys, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "pair_profile", "-p", "tie", value, "--out", str(tmp_path / "out")])
    assert code == 2
    assert "unknown tie id" in capsys.readouterr().err
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "out").exists()
