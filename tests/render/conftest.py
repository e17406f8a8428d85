"""Runs that several render tests read: rendered once per session, never changed by the tests that read them."""

from __future__ import annotations

import pytest

from bundles import new_pair_with_cjk


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
