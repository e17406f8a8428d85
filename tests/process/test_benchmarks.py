"""The benchmarks measure what they say: the floor imports what the study imports, the helpers compute right."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import nbformat

from studylib.paths import NOTEBOOKS_DIR, PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))


import run as bench  # noqa: E402

ANALYSIS_LIBRARIES = {"pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "scipy", "patsy"}


# What the study notebooks reach through studylib while they analyse and plot (and check their parameters).
ANALYSIS_MODULES = ("report/study", "charts/__init__", "charts/_base", "charts/events", "charts/models", "charts/indicators",
                    "analysis/models", "analysis/model_results", "analysis/panel", "analysis/metrics", "analysis/select",
                    "bundle/load", "bundle/read", "bundle/read_arrow", "bundle/validate", "bundle/handover",
                    "report/parameters", "bundle/codebook")


def _imports(source: str) -> set[str]:
    """Modules named by every import statement in ``source`` (top-level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _code(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))


def test_floor_notebook_imports_what_the_study_notebooks_import(tmp_path):
    floor = bench.floor_notebook(tmp_path / "floor.ipynb")
    floor_imports = _imports(_code(floor))
    for nb in bench.study_notebooks():
        # studylib's own subpackages count as 'studylib': what they load is checked below
        own = {m.split(".")[0] if m.startswith("studylib.") else m for m in _imports(_code(NOTEBOOKS_DIR / f"{nb}.ipynb"))}
        assert own and own <= floor_imports, f"{nb} imports {own - floor_imports} that the floor does not"
    # the libraries studylib's analysis modules import (even lazily, inside functions) ...
    reached = set()
    for module in ANALYSIS_MODULES:
        reached |= {m.split(".")[0] for m in _imports((PROJECT_ROOT / "src" / "studylib" / f"{module}.py").read_text())}
    heavy = reached & ANALYSIS_LIBRARIES
    assert {"pandas", "seaborn", "statsmodels"} <= heavy
    # ... are all loaded by the floor's import cell, run as the kernel runs it
    code = _code(floor) + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert heavy <= loaded, f"the floor does not load {heavy - loaded}"


def test_quick_validate_case_prints_a_row_with_a_ratio():
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "benchmarks" / "run.py"), "--quick", "--only", "validate"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("studylib validate start-up"))
    figure, baseline, ratio = re.search(r"([\d.]+) s\s+([\d.]+) s\s+([\d.]+)x", row).groups()
    assert float(figure) > 0 and float(baseline) > 0
    assert abs(float(ratio) - float(figure) / float(baseline)) < 0.02  # rounding of the printed figures
    assert "PASS" in row or "MISS" in row
    assert "heavy imports on this path: none" in done.stdout


def _specifications(draws: int) -> int:
    """How many specifications the multiverse case's ties have with ``draws`` undated placements (as it counts)."""
    import studylib as sl

    bundle = sl.load_bundle()
    return sum(len(sl.multiverse(tie, bundle=bundle, end_year=2023, draws=draws,
                                 codings={n: b.activities for n, b in sl.variant_bundles(sl.variants_touching([tie])).items()}))
               for tie in bench.MULTIVERSE_TIES)


def test_multiverse_case_prints_its_line_with_every_specification():
    """``--quick`` runs the case with fewer undated placements: the line names every specification it ran, both ways
    were timed; the speed-up target (>= 10x at the full size, at least 1000 specifications) is ``make bench``'s."""
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "benchmarks" / "run.py"), "--quick", "--only", "multiverse",
                           "--repeats", "1"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    n, t, t1, x = re.search(r"^multiverse: ([\d,]+) specifications in ([\d.]+) s; one at a time ([\d.]+) s; "
                            r"speed-up (\d+)x$", done.stdout, re.M).groups()
    assert int(n.replace(",", "")) == _specifications(bench.MULTIVERSE_QUICK_DRAWS)
    assert float(t) > 0 and float(t1) > float(t) and int(x) >= 1
    assert _specifications(bench.MULTIVERSE_DRAWS) >= 1000  # the full case's size
