"""Running one notebook (studylib.runner.execute), without a kernel: where it may write."""

from __future__ import annotations

import pytest


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
def test_an_unwritable_out_in_the_library_is_a_run_error(tmp_path):
    from studylib import RunError
    from studylib.runner.execute import run_notebook

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(RunError, match="cannot write"):
        run_notebook("pair_profile", out=tmp_path / "a-file")
