"""The command line: clear messages, exit status 2 for user errors, no tracebacks, nothing written."""

from __future__ import annotations

import subprocess
import sys

from bundles import base_rows, write_bundle


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_validate_default_data_prints_summary(tmp_path):
    done = _cli("validate", cwd=tmp_path)  # paths never depend on the working directory
    assert done.returncode == 0, done.stderr
    assert "activities" in done.stdout and "with a locator" in done.stdout and "OK" in done.stdout


def test_validate_bad_bundle_exits_2_with_locations(tmp_path):
    rows = base_rows()
    rows["activities"][1]["sector"] = "educaton"
    done = _cli("validate", "--standalone", "--data", str(write_bundle(tmp_path / "b", rows)))
    assert done.returncode == 2
    assert "activities.csv:3: column 'sector':" in done.stderr and "did you mean 'education'" in done.stderr
    assert "Traceback" not in done.stderr
