"""The suite's own scheduling rule (tests/conftest.py): tests that share a rendered run or the JupyterLab go to one
pytest-xdist worker, so that each is made once per run."""

from __future__ import annotations

import conftest


class _Item:
    """What the rule reads of a collected test: the fixtures it uses."""

    def __init__(self, *fixtures):
        self.fixturenames = ("tmp_path", *fixtures)


def test_tests_sharing_a_run_or_a_test_with_one_go_to_one_group():
    corpus, study = _Item("render_corpus"), _Item("default_study", "render_corpus")
    indonesian, both, english = _Item("indonesian"), _Item("indonesian", "batch"), _Item("batch")
    lab, plain = _Item("lab_server", "browser"), _Item("browser")
    groups = conftest._shared_groups([corpus, study, indonesian, both, english, lab, plain])
    assert groups[corpus] == groups[study] == "render_corpus"
    assert groups[indonesian] == groups[both] == groups[english] == "batch"  # joined by the test that reads both
    assert groups[lab] == "lab_server" and plain not in groups
    assert conftest._shared_groups([indonesian])[indonesian] == "indonesian"  # alone, its own group
