"""Runs that several render tests read: rendered once per session, never changed by the tests that read them (a test
that needs to write over one copies it first)."""

from __future__ import annotations

import pytest

from bundles import new_pair_with_cjk, start_own_zygote


@pytest.fixture(scope="session")
def cjk_run(tmp_path_factory):
    """``(folder, result)``: pair_profile for a new pair whose rows carry Hangul, Kana/Kanji and Indonesian, with its
    report.pdf and its figures' print versions. Read by the PDF test and by the replication package's test."""
    from studylib.report.outputs import NO_PRINT_FIGURES_ENV
    from studylib.runner.execute import run_notebook
    from studylib.runner.render import NO_PDF_ENV

    tmp = tmp_path_factory.mktemp("cjk")
    folder = new_pair_with_cjk(tmp / "bandung-suwon")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(NO_PDF_ENV, raising=False)
        mp.delenv(NO_PRINT_FIGURES_ENV, raising=False)  # the package lists figures/print/ too
        result = run_notebook("pair_profile", {"tie": "bandung-suwon"}, data_dirs=[folder], out=tmp / "out")
    return folder, result


#: The ties of the session's batch: two that render and one the data do not have, in that order of failure.
BATCH_TIES = ["surabaya-busan", "no-such-tie", "medan-gwangju"]


@pytest.fixture(scope="session")
def batch(tmp_path_factory):
    """``(out, results)``: ``run_batch`` of pair_profile over :data:`BATCH_TIES` on two workers, no report.pdf.

    Read by the batch tests (test_new_pair) and, as the plain English run of Medan–Gwangju ("the language not given"),
    by the Indonesian report's tests and the failed-run test, which copies it as the outputs a failed run must leave.
    """
    from studylib.runner.batch import run_batch

    out = tmp_path_factory.mktemp("batch")
    start_own_zygote()
    return out, run_batch("pair_profile", BATCH_TIES, out=out, workers=2, progress=False)
