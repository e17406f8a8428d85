"""The suite's own rules: a missing browser is said at the end of the run outside CI, and is a failure under CI.

The browser tests run in a nested pytest, in this process (``pytester``), with a PATH on which no Chromium is found.
"""

from __future__ import annotations

from pathlib import Path

import lab_driver  # noqa: F401 - loaded here, so the nested runs share (never re-import) numpy and studylib

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parents[1]


def _browser_tests_without_chromium(pytester, monkeypatch, ci: str):
    lab_driver._missing()  # imports playwright, if installed, outside the nested run (a C extension loads once)
    (pytester.path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(pytester.path / "bin"))
    monkeypatch.setenv("CI", ci)
    monkeypatch.chdir(TESTS.parent)  # the project's pytest configuration and rootdir, as `make test` has them
    return pytester.runpytest_inprocess(str(TESTS / "browser" / "test_browser.py"), "-p", "no:cacheprovider",
                                        "--basetemp", str(pytester.path / "basetemp"))


def test_skipped_browser_tests_are_counted_and_explained_at_the_end(pytester, monkeypatch):
    done = _browser_tests_without_chromium(pytester, monkeypatch, ci="")
    out = done.outlines
    assert done.ret == 0, "\n".join(out[-40:])
    tail = [line for line in out if line.strip()][-4:]  # the note, then the final count
    assert "browser tests not run" in tail[0]
    assert tail[1].startswith("2 browser tests skipped: browser tests need Debian's 'chromium' on PATH"), tail
    assert "CI runs them" in tail[2]
    assert "2 skipped" in tail[3]
    assert not (pytester.path / "basetemp" / "study0").exists(), "no notebook is rendered for tests that cannot run"


def test_a_missing_browser_fails_under_ci(pytester, monkeypatch):
    done = _browser_tests_without_chromium(pytester, monkeypatch, ci="true")
    out = "\n".join(done.outlines)
    assert done.ret == 1, out[-3000:]
    assert "CI is set, so the browser tests must run" in out
    assert "2 errors" in [line for line in done.outlines if line.strip()][-1]
    assert "browser tests not run" not in out  # failures, not skips
