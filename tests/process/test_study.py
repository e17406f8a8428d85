"""StudyRun (studylib.report.study) in a run: warnings recorded, not printed."""

from __future__ import annotations

from bundles import write_bundle


# Issue 19 (what a new user met on a fresh clone), moved here from test_defects.py
# --------------------------------------------------------------- 1: warnings are a caution line, never stderr text
def test_a_runs_warnings_are_recorded_not_printed_and_named_in_one_line(tmp_path, capsys):
    import warnings

    from studylib import load_bundle
    from studylib.report.study import StudyRun

    run = StudyRun("pair_profile", {"tie": "alpha-beta"}, load_bundle(write_bundle(tmp_path / "d")), tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        run.capture_warnings()
        warnings.warn("divide by zero encountered in log", RuntimeWarning)
        warnings.warn("divide by zero encountered in log", RuntimeWarning)
        warnings.warn("Glyph 49436 missing from font(s) DejaVu Sans.", UserWarning)
    assert capsys.readouterr().err == ""
    assert run.warnings == ["RuntimeWarning: divide by zero encountered in log",
                            "UserWarning: Glyph 49436 missing from font(s) DejaVu Sans."]
    assert (tmp_path / "out" / "warnings.txt").read_text().splitlines() == run.warnings
    caution = run.warnings_markdown()
    assert caution.startswith("**Caution:** 2 warnings") and "\n" not in caution
    assert run.provenance_section().startswith(caution)
