"""The benchmarks measure what they say: the floor imports what the study imports, the helpers compute right."""

from __future__ import annotations

import sys

from studylib.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))


import run as bench  # noqa: E402
from bundles import CorpusJob  # noqa: E402

RENDER_CORPUS = {"floor": lambda tmp: CorpusJob(str(bench.floor_notebook(tmp / "nb" / "floor_0.ipynb")))}


def test_floor_notebook_runs_through_the_runner(render_corpus):
    result = render_corpus["floor"]
    assert result.ok, result.error
    for name in ("floor_0.ipynb", "report.html", "notebook.html", "manifest.json"):
        assert (result.output_dir / name).stat().st_size > 0
