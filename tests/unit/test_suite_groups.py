"""The suite's own rules (tests/conftest.py): tests that share a rendered run or the JupyterLab go to one pytest-xdist
worker, so that each is made once per run; a worker's garbage collector is tuned as the runner's pool workers' is."""

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


def test_the_workers_collector_is_tuned_as_the_runners_pool_workers_are():
    """tests/conftest.py freezes what collection built and raises the young threshold to the pool workers' value
    (the batches a test worker runs fork from it)."""
    import gc

    from studylib.runner.batch import WORKER_GC_THRESHOLD

    assert gc.get_threshold()[0] == WORKER_GC_THRESHOLD
    assert gc.get_freeze_count() > 10_000
