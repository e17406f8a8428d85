"""The suite's own rules: a missing browser is said at the end of the run outside CI, and is a failure under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _browser_tests_without_chromium(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    """Run test_browser.py in a fresh pytest whose PATH is an empty folder: no chromium."""
    (tmp_path / "bin").mkdir()
    env = {**os.environ, "PATH": str(tmp_path / "bin"), "CI": ci}
    return subprocess.run([sys.executable, "-m", "pytest", str(TESTS / "browser" / "test_browser.py"), "-p", "no:cacheprovider",
                           "--basetemp", str(tmp_path / "basetemp")],
                          cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=300)


def test_skipped_browser_tests_are_counted_and_explained_at_the_end(tmp_path):
    done = _browser_tests_without_chromium(tmp_path, ci="")
    assert done.returncode == 0, done.stdout[-3000:]
    tail = done.stdout.strip().splitlines()[-4:]  # the note, then the final count
    assert "browser tests not run" in tail[0]
    assert tail[1].startswith("2 browser tests skipped: browser tests need Debian's 'chromium' on PATH"), tail
    assert "CI runs them" in tail[2]
    assert "2 skipped" in tail[3]
    assert not (tmp_path / "basetemp" / "study0").exists(), "no notebook is rendered for tests that cannot run"


def test_a_missing_browser_fails_under_ci(tmp_path):
    done = _browser_tests_without_chromium(tmp_path, ci="true")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "CI is set, so the browser tests must run" in done.stdout
    assert "2 errors" in done.stdout.splitlines()[-1]
    assert "browser tests not run" not in done.stdout  # failures, not skips
