"""Benchmarks of the study workbook: each case against a baseline measured in the same run (``make bench``).

Cases (``--only`` takes their names, comma-separated):

``study``     the whole default study (every notebook + HTML, ``run_study(workers=2)``) against the floor: as many
              trivial notebooks that import the same libraries, run through the same runner code path (papermill
              in-process, HTML export, the same process pool) — target ≤ 1.3×.
``batch``     eight pair profiles with ``workers=2`` against ``workers=1`` — target ≥ 1.7× speed-up.
``scale``     on a synthetic 1,000,000-activity bundle: panel + count model against a bare pandas groupby-count of
              the same rows (≤ 3×), validation (``load_bundle``, ≤ 10 s) and peak memory (≤ 2 GB, in a subprocess).
``network``   on a synthetic CSV of 1,000,000 sister-city pairs among 100,000 cities: ``read_network`` (normalise,
              de-duplicate) + the tie-formation model against ``pandas.read_csv`` of the same file (≤ 5×), and peak
              memory (≤ 3 GB, in a subprocess).
``validate``  ``python -m studylib validate`` start-up against ``python -c "import pandas"`` (≤ 1.5×), and no
              plotting, modelling or notebook module imported on that path.
``multiverse`` every specification of the default study's ties (surabaya-busan, medan-gwangju, seoul-tokyo: annual
              expansion × window × undated placements × the shipped coding variants touching each tie), trend and
              window metrics in one vectorised pass (``studylib.multiverse``) against the same specifications one
              at a time (``expand_activities``, ``compare_metrics``, a statsmodels GLM per specification) — target
              >= 10x speed-up; prints ``multiverse: N specifications in T s; one at a time T1 s; speed-up X``.
``toolchain`` the default study rendered by the project (``run_many`` of the study notebooks, ``workers=2``: executed
              notebook, report.html, notebook.html, report.pdf, figures, tables, manifest) against the same notebooks
              run one by one with the stock tools: ``papermill`` CLI, ``jupyter nbconvert --to html`` (with
              ``--no-input`` for the report, and with code) and Chromium's ``--print-to-pdf`` — target ≤ 0.33×
              (#25). With ``--quick``: two notebooks (smart_city_governance, gangnam_axes), one run each.
``exact``     the r × c exact test (Fisher–Freeman–Halton) of a 4 × 4 table of 55 activities by the network algorithm
              (``studylib.inference.exact_tests``, what ``composition_test`` runs up to 200 activities) against the
              full enumeration of the same table's tables — target >= 10x speed-up, the same p-value. (Agresti's
              job-satisfaction table, n = 96, takes the network seconds and the enumeration minutes; its p-value is
              a unit test.) With ``--quick``: a 3 × 4 table of 41.
``warm``      warm kernels (forked from a zygote, ``studylib.runner.kernels.warm``) against ordinary kernels, same run: the default
              study (≤ 0.5×), the 8-profile batch with 2 workers (≤ 0.5×), and the warm study against today's floor,
              5 trivial notebooks on ordinary kernels (≤ 0.7×).

Every figure is the median of ``--repeats`` runs (default 5) after a warm-up; the project's runs and the baseline's
alternate so that a busy machine slows both alike. The exit status is 0 even when a target is missed: it is a report.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

CASES = ("study", "batch", "scale", "validate", "network", "warm", "multiverse", "toolchain", "exact")
TOOLCHAIN_QUICK = ("smart_city_governance", "gangnam_axes")
MULTIVERSE_TIES = ("surabaya-busan", "medan-gwangju", "seoul-tokyo")
MULTIVERSE_DRAWS = 50
MULTIVERSE_QUICK_DRAWS = 2  # --quick (the tests): the same specifications with fewer undated placements
# The exact case's tables: the full enumeration takes ~12 s on the first, ~0.1 s on the quick one.
EXACT_TABLE = ((1, 2, 1, 0), (3, 3, 6, 1), (5, 5, 7, 4), (3, 3, 6, 5))
EXACT_QUICK_TABLE = ((2, 3, 1, 2), (3, 3, 6, 1), (5, 6, 4, 5))

# What the floor notebooks import: the libraries the study notebooks use (through studylib) plus their own imports.
FLOOR_IMPORTS = (
    "import datetime",
    "import warnings",
    "import numpy as np",
    "import pandas as pd",
    "import scipy.stats",
    "import seaborn as sns",
    "import statsmodels.formula.api as smf",
    "import statsmodels.stats.multitest",
    "import studylib as sl",
    "from IPython.display import Markdown, display",
)
# Modules that must stay off the `studylib validate` path (they cost seconds to import).
HEAVY_MODULES = ("matplotlib", "seaborn", "statsmodels", "scipy", "papermill", "nbconvert", "nbformat", "jsonschema",
                 "IPython", "ipykernel", "jupyter_client", "patsy")
PANEL_FORMULA = "activities ~ C(sector) + C(year)"
SCALE_ROWS = 1_000_000
NETWORK_TIES, NETWORK_CITIES = 1_000_000, 100_000
GIB = 1024 ** 3


# ------------------------------------------------------------------------------------------------ helpers


def median(values) -> float:
    """Median of the measurements (raises on an empty list: a figure needs at least one run)."""
    values = list(values)
    if not values:
        raise ValueError("no measurements")
    return float(statistics.median(values))


def ratio(figure: float, baseline: float) -> float:
    """``figure / baseline`` (how many times the baseline the project's figure is)."""
    if baseline <= 0:
        raise ValueError(f"baseline must be positive, not {baseline!r}")
    return figure / baseline


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def alternate(project, baseline, *, repeats: int, warmup: int = 1, warm_both: bool = True) -> tuple[list[float], list[float]]:
    """Time ``project()`` and ``baseline()`` alternately after ``warmup`` unrecorded rounds; return both lists.

    ``warm_both=False`` warms up with the project alone, for cases where both sides share every code path and a
    round costs a minute.
    """
    for _ in range(warmup):
        project()
        if warm_both:
            baseline()
    a, b = [], []
    for _ in range(repeats):
        a.append(timed(project))
        b.append(timed(baseline))
    return a, b


@dataclass
class Row:
    """One line of the report: the project's figure, the baseline measured in the same run, their ratio."""

    case: str
    figure: float
    baseline: float
    unit: str
    ratio: float
    target: str  # shown as is, e.g. "<= 1.3x"
    passed: bool
    note: str = ""
    runs: int = 0


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:g} {unit}"


def format_table(rows: list[Row]) -> str:
    """The compact report table (plain text, one line per row, notes underneath)."""
    head = ("case", "project", "baseline", "ratio", "target", "")
    body = [(r.case, _fmt(r.figure, r.unit), _fmt(r.baseline, r.unit), f"{r.ratio:.2f}x", r.target,
             "PASS" if r.passed else "MISS  <--") for r in rows]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(head), line(["-" * w for w in widths[:-1]] + ["----"])]
    out += [line(b) for b in body]
    notes = [f"  {r.case}: {r.note}" for r in rows if r.note]
    return "\n".join(out + ([""] + notes if notes else []))


def _quiet_env() -> dict:
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


# ------------------------------------------------------------------------------------------- 1. the study


def study_notebooks() -> list[str]:
    """The notebooks ``run_study`` renders."""
    from studylib.report.parameters import WORKBENCH_NOTEBOOKS, list_notebooks

    return [nb for nb in list_notebooks() if nb not in WORKBENCH_NOTEBOOKS]


def floor_notebook(path: Path) -> Path:
    """Write a trivial notebook that the runner can run: a ``parameters`` cell and the study's imports, nothing else."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.cells = [
        new_code_cell('# Parameters\ndata_dirs: list = []  # extra data folders (runner parameter)\n'
                      'output_dir: str = ""  # where outputs go (runner parameter)', metadata={"tags": ["parameters"]}),
        new_code_cell("\n".join(FLOOR_IMPORTS)),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def floor_notebooks(folder: Path, n: int) -> list[Path]:
    return [floor_notebook(folder / f"floor_{i}.ipynb") for i in range(n)]


def _loaded_packages(code: str) -> set[str]:
    """Third-party top-level packages loaded after running ``code`` in a fresh interpreter."""
    code += ("\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules "
             "if not m.startswith('_')} - set(sys.stdlib_module_names))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_quiet_env())
    if done.returncode != 0:
        raise RuntimeError(f"import probe failed:\n{done.stderr[-2000:]}")
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def study_extra_imports(notebook: str = "pair_profile") -> list[str]:
    """Packages a study notebook's opening cells load that the floor's imports do not (what the floor leaves out)."""
    from studylib.paths import NOTEBOOKS_DIR

    nb = json.loads((NOTEBOOKS_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    code = [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"][:2]
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
        study = _loaded_packages("import matplotlib\nmatplotlib.use('agg')\n" + code[0]
                                 + f"\noutput_dir = {tmp!r}\n" + code[1])
    return sorted(study - _loaded_packages("\n".join(FLOOR_IMPORTS)))


def _check(results, what: str) -> None:
    failed = [f"{r.notebook}: {r.error}" for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{what} failed: " + "; ".join(failed))


def bench_study(repeats: int, warmup: int, workers: int = 2) -> Row:
    from studylib.runner.batch import run_many, run_study

    n = len(study_notebooks())
    with tempfile.TemporaryDirectory(prefix="bench-study-") as tmp:
        tmp = Path(tmp)
        floors = floor_notebooks(tmp / "floor", n)
        counter = iter(range(10 ** 6))

        def project():
            _check(run_study(workers=workers, out=tmp / f"s{next(counter)}", progress=False), "the study")

        def baseline():
            jobs = [(str(p), {}, [], tmp / f"f{next(counter)}") for p in floors]
            _check(run_many(jobs, workers=workers, progress=False), "the floor")

        a, b = alternate(project, baseline, repeats=repeats, warmup=warmup, warm_both=False)
    fig, base = median(a), median(b)
    r = ratio(fig, base)
    extra = study_extra_imports()
    note = (f"floor = {n} notebooks importing {', '.join(i.split()[1] for i in FLOOR_IMPORTS[:4])}; "
            f"{fig / n:.2f} s vs {base / n:.2f} s per notebook")
    if extra:  # the floor should import whatever a study kernel imports on opening; say so if it does not
        note += f"; opening a study notebook also loads {', '.join(extra)}, which the floor does not"
    return Row(f"study ({n} notebooks + HTML, {workers} workers) vs floor", fig, base, "s", r, "<= 1.3x", r <= 1.3,
               note, len(a))


# ------------------------------------------------------------------------------------------- 2. the batch


def bench_batch(repeats: int, warmup: int, n_ties: int = 8) -> Row:
    from studylib import load_bundle
    from studylib.runner.batch import run_batch

    ties = load_bundle().tie_ids()[:n_ties]
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        counter = iter(range(10 ** 6))

        def run(workers):
            # a tie whose notebook fails is part of the batch (it never stops the others): count it, do not stop
            for r in run_batch("pair_profile", ties, workers=workers, out=tmp / f"b{next(counter)}", progress=False):
                if not r.ok:
                    failed[r.parameters.get("tie", r.slug)] = r.error

        a, b = alternate(lambda: run(2), lambda: run(1), repeats=repeats, warmup=warmup, warm_both=False)
    fig, base = median(a), median(b)
    speedup = ratio(base, fig)
    note = f"ratio = speed-up (workers=1 time / workers=2 time), {os.cpu_count()} cores; ties: {', '.join(ties)}"
    if failed:
        first = next(iter(failed.values()))
        note += f"; {len(failed)} of {len(ties)} ties fail inside the notebook ({first[:90]})"
    return Row(f"batch of {len(ties)} pair profiles: workers=2 vs 1", fig, base, "s", speedup, ">= 1.7x speed-up",
               speedup >= 1.7, note, len(a))


# ------------------------------------------------------------------------------------ 3. a million activities


def _scale_child(folder: str, repeats: int, warmup: int) -> dict:
    """Runs in a subprocess: validation times, then panel + model against a groupby-count of the same rows."""
    import warnings

    import pandas as pd

    import studylib as sl

    warnings.simplefilter("ignore")
    loads, reads = [], []
    for i in range(warmup + repeats):
        bundle = None  # noqa: F841 - let the previous bundle go before loading the next
        t0 = time.perf_counter()
        bundle = sl.load_bundle(folder)
        t1 = time.perf_counter()
        for name in ("sources", "cities", "ties", "activities", "indicators"):
            pd.read_csv(Path(folder) / f"{name}.csv", dtype=str, keep_default_na=False)
        if i >= warmup:
            loads.append(t1 - t0)
            reads.append(time.perf_counter() - t1)
    acts, ties = bundle.activities, bundle.ties

    def project():
        panel = sl.activity_panel(acts, by=["tie_id", "sector"], end_year=2023, ties=ties, expand_annual=True)
        sl.choose_count_family(panel, PANEL_FORMULA)

    def baseline():
        acts.groupby(["tie_id", "sector", "start_year"], observed=True).size()

    a, b = alternate(project, baseline, repeats=repeats, warmup=max(warmup, 1))
    return {"rows": len(acts), "load": loads, "read": reads, "panel": a, "groupby": b}


def _memory_child(folder: str) -> dict:
    """Runs in a subprocess: one validation, panel and model, as a study notebook does; this process's peak memory."""
    import resource
    import warnings

    import studylib as sl

    warnings.simplefilter("ignore")
    bundle = sl.load_bundle(folder)
    panel = sl.activity_panel(bundle.activities, by=["tie_id", "sector"], end_year=2023, ties=bundle.ties, expand_annual=True)
    sl.choose_count_family(panel, PANEL_FORMULA)
    return {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _memory_floor_child(folder: str) -> dict:
    """Runs in a subprocess: the peak memory of reading the activities with pandas and counting them."""
    import resource

    import pandas as pd

    acts = pd.read_csv(Path(folder) / "activities.csv", dtype=str, keep_default_na=False)
    acts.groupby(["tie_id", "sector", acts["start"].str[:4]]).size()
    return {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _child(mode: str, *args) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", mode, *map(str, args)],
                          capture_output=True, text=True, env=_quiet_env())
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_scale(repeats: int, warmup: int, rows: int = SCALE_ROWS) -> list[Row]:
    from synthetic import synthetic_bundle

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = synthetic_bundle(Path(tmp) / "bundle", rows)
        res = _child("scale", folder, repeats, warmup)
        memory = _child("memory", folder)
        floor = _child("memory-floor", folder)
        rendered = _render_at_scale(Path(tmp), rows)
    n = f"{res['rows']:,}"
    panel, group = median(res["panel"]), median(res["groupby"])
    load, read = median(res["load"]), median(res["read"])
    peak, peak_floor = memory["peak_bytes"] / 2 ** 20, floor["peak_bytes"] / 2 ** 20
    return [
        Row(f"panel + count model, {n} activities vs groupby-count", panel, group, "s", ratio(panel, group), "<= 3x",
            ratio(panel, group) <= 3,
            f"activity_panel(by=tie_id, sector) + choose_count_family('{PANEL_FORMULA}') vs "
            "activities.groupby([tie_id, sector, start_year]).size()", len(res["panel"])),
        Row(f"validation (load_bundle), {n} activities vs read_csv", load, read, "s", ratio(load, read), "<= 10 s",
            load <= 10, "baseline: pandas.read_csv(dtype=str) of the same five files", len(res["load"])),
        Row("peak memory (load + panel + model) vs read_csv + count", peak, peak_floor, "MB", ratio(peak, peak_floor),
            "<= 2048 MB", peak * 2 ** 20 <= 2 * GIB, "ru_maxrss of a fresh subprocess for each", 1),
        rendered,
    ]


def _render_at_scale(tmp: Path, rows: int) -> Row:
    """pair_profile rendered with ``rows`` synthetic activities layered on the study's data, against the same notebook
    on the study's data alone: its counts must agree with the library's and its report stay under 20 MB (the suite
    checks the same at 20,000 rows)."""
    import pandas as pd
    from synthetic import synthetic_bundle

    from studylib import expand_activities, load_bundle
    from studylib.paths import DATA_DIR
    from studylib.runner.execute import run_notebook

    layer = synthetic_bundle(tmp / "layer", rows, standalone=False)
    t0 = time.perf_counter()
    base = run_notebook("pair_profile", {}, out=tmp / "out-base")
    t1 = time.perf_counter()
    big = run_notebook("pair_profile", {}, data_dirs=[layer], out=tmp / "out-big")
    t2 = time.perf_counter()
    if not (base.ok and big.ok):
        raise RuntimeError(f"pair_profile failed: {base.error or big.error}")
    bundle = load_bundle(DATA_DIR, layer)
    events = expand_activities(bundle.activities, end_year=2023, expand_annual=False)  # the report's default
    counted = pd.read_csv(big.output_dir / "tables" / "sector_counts.csv")["events"].sum()
    agree = counted == (events["tie_id"] == "surabaya-busan").sum()
    size = (big.output_dir / "report.html").stat().st_size
    return Row(f"pair_profile rendered with {len(bundle.activities):,} activities vs the study's own", t2 - t1, t1 - t0,
               "s", ratio(t2 - t1, t1 - t0), "counts agree, report < 20 MB", bool(agree) and size < 20_000_000,
               f"report.html {size / 2 ** 20:.1f} MB; sector_counts {'agree' if agree else 'DISAGREE'} with the library",
               1)


# ------------------------------------------------------------------------------------------- 5. network


def _network_project(path: str) -> None:
    from studylib.network import graph, gravity

    graph._read_cached.cache_clear()  # measure the reading, not the cache
    net = graph.read_network(path)
    # a CSV has no populations; 5e9 possible pairs: estimator 'auto' is the weighted case-control fit, dyadic errors
    gravity.fit_tie_model(net, terms=("log_distance_km", "same_country", "same_region"))


def _network_child(path: str, repeats: int, warmup: int) -> dict:
    """Runs in a subprocess: read + normalise + model against pandas.read_csv of the same file."""
    import warnings

    import pandas as pd
    import statsmodels.api  # noqa: F401 - imported once, as in a notebook, not timed

    warnings.simplefilter("ignore")
    a, b = alternate(lambda: _network_project(path), lambda: pd.read_csv(path), repeats=repeats,
                     warmup=max(warmup, 1))
    return {"network": a, "read_csv": b}


def _network_memory_child(path: str, floor: str) -> dict:
    """Runs in a subprocess: one read + model (or, with floor='1', pandas.read_csv alone); this process's peak memory."""
    import resource

    if floor == "1":
        import pandas as pd

        pd.read_csv(path)
    else:
        _network_project(path)
    return {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def bench_network(repeats: int, warmup: int, ties: int = NETWORK_TIES, cities: int = NETWORK_CITIES) -> list[Row]:
    from synthetic_network import synthetic_pairs

    with tempfile.TemporaryDirectory(prefix="bench-network-") as tmp:
        path = synthetic_pairs(Path(tmp) / "pairs.csv", ties, cities)
        res = _child("network", path, repeats, warmup)
        memory = _child("network-memory", path, 0)
        floor = _child("network-memory", path, 1)
    project, baseline = median(res["network"]), median(res["read_csv"])
    peak, peak_floor = memory["peak_bytes"] / 2 ** 20, floor["peak_bytes"] / 2 ** 20
    n = f"{ties:,} pairs, {cities:,} cities"
    return [
        Row(f"network read + tie model, {n} vs read_csv", project, baseline, "s", ratio(project, baseline), "<= 5x",
            ratio(project, baseline) <= 5, "read_network (normalise names and countries, drop self-pairs, de-duplicate) "
            "+ fit_tie_model(distance, same country, same region; King-Zeng weighted case-control with dyadic "
            "cluster-robust errors) vs pandas.read_csv of the same file", len(res["network"])),
        Row("network peak memory (read + model) vs read_csv", peak, peak_floor, "MB", ratio(peak, peak_floor),
            "<= 3072 MB", peak * 2 ** 20 <= 3 * GIB, "ru_maxrss of a fresh subprocess for each", 1),
    ]


# ----------------------------------------------------------------------------------- 4. validate start-up


def validate_imports() -> list[str]:
    """Heavy modules loaded by ``studylib validate`` (run in a subprocess exactly as ``python -m studylib``)."""
    code = ("import runpy, sys\nsys.argv = ['studylib', 'validate']\n"
            "try:\n    runpy.run_module('studylib', run_name='__main__', alter_sys=True)\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY_MODULES)!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_quiet_env())
    if done.returncode != 0:
        raise RuntimeError(f"studylib validate failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def bench_exact(repeats: int, warmup: int, table=EXACT_TABLE) -> Row:
    """The r × c exact test by the network algorithm against the full enumeration of the same table."""
    import numpy as np

    from studylib.inference.exact_tests import _exact_rxc, _network_rxc

    counts = np.array(table)
    p = {}
    network, enumeration = alternate(lambda: p.__setitem__("network", _network_rxc(counts)),
                                     lambda: p.__setitem__("enumeration", _exact_rxc(counts, limit=10**9)),
                                     repeats=repeats, warmup=warmup, warm_both=False)  # no cache to warm
    fig, base = median(network), median(enumeration)
    same = abs(p["network"] - p["enumeration"]) < 1e-9
    shape = "×".join(str(n) for n in counts.shape)
    print(f"exact: {shape} table of {counts.sum()} activities, p = {p['network']:.6f} (enumeration "
          f"{p['enumeration']:.6f}); network {fig:.3f} s, enumeration {base:.2f} s, speed-up {base / fig:.0f}x")
    note = f"p = {p['network']:.6f} both ways" if same else f"p-values differ: {p['network']} vs {p['enumeration']}"
    return Row(f"exact r x c test, {shape} table of {counts.sum()}: network algorithm vs full enumeration", fig, base,
               "s", ratio(fig, base), ">= 10x speed-up, same p", same and base / fig >= 10, note, len(network))


def bench_validate(repeats: int, warmup: int) -> Row:
    env = _quiet_env()

    def run(args):
        done = subprocess.run([sys.executable, *args], capture_output=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.decode()[-2000:]}")

    a, b = alternate(lambda: run(["-m", "studylib", "validate"]), lambda: run(["-c", "import pandas"]),
                     repeats=repeats, warmup=warmup)
    heavy = validate_imports()
    fig, base = median(a), median(b)
    r = ratio(fig, base)
    note = "heavy imports on this path: " + (", ".join(heavy) if heavy else "none") + f" (checked: {', '.join(HEAVY_MODULES)})"
    return Row("studylib validate start-up vs import pandas", fig, base, "s", r, "<= 1.5x, no heavy imports",
               r <= 1.5 and not heavy, note, len(a))


# ------------------------------------------------------------------------------------------- the multiverse


def bench_multiverse(repeats: int, warmup: int, ties=MULTIVERSE_TIES, draws: int = MULTIVERSE_DRAWS) -> Row:
    """Vectorised multiverse of the default study's ties against the same specifications one at a time."""
    import warnings

    import numpy as np
    import statsmodels.api as sm

    import studylib as sl

    bundle = sl.load_bundle()
    codings = {tie: {n: b.activities for n, b in sl.variant_bundles(sl.variants_touching([tie])).items()}
               for tie in ties}

    def vectorised():
        out = [sl.multiverse(tie, bundle=bundle, end_year=2023, codings=codings[tie], draws=draws) for tie in ties]
        for mv in out:
            mv.values()
        return out

    universes = vectorised()
    n = sum(len(mv) for mv in universes)
    times = []
    for i in range(warmup + repeats):
        t = time.perf_counter()
        vectorised()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mv in universes:
            for spec_id in mv.specs["spec_id"]:
                acts, settings = mv.spec_activities(spec_id)
                ev = sl.expand_activities(acts, **settings)
                sl.compare_metrics(ev, acts, ties=bundle.ties, tie_ids=[mv.tie_id], end_year=settings["end_year"])
                panel = sl.activity_panel(ev, by=["tie_id"], end_year=settings["end_year"], ties=bundle.ties)
                if len(panel) >= 3 and panel["activities"].sum() >= 2:
                    x = sm.add_constant((panel["year"] - panel["year"].min()).to_numpy(dtype=float))
                    try:
                        sm.GLM(panel["activities"].to_numpy(dtype=float), x, family=sm.families.Poisson()).fit()
                    except Exception:  # noqa: BLE001 - a failed fit is still a fit attempted
                        pass
    one = time.perf_counter() - t
    fig = median(times)
    speed = one / fig if fig else float("inf")
    print(f"multiverse: {n:,} specifications in {fig:.2f} s; one at a time {one:.1f} s; speed-up {speed:.0f}x")
    return Row(f"multiverse of {n:,} specifications ({', '.join(ties)}) vs one at a time", fig, one, "s",
               ratio(fig, one), ">= 10x speed-up", n >= 1000 and speed >= 10,
               f"{draws} placements per (coding, window, expansion); one-at-a-time measured once", len(times))


# ------------------------------------------------------------------------------- 4b. the stock tool chain


def _stock_render(notebook: str, folder: Path, browser: str | None) -> None:
    """One notebook the way one would without the project: papermill's CLI, nbconvert twice, Chromium's PDF."""
    from studylib.paths import NOTEBOOKS_DIR

    bin_dir = Path(sys.executable).parent
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / f"{notebook}.ipynb"
    steps = [[str(bin_dir / "papermill"), str(NOTEBOOKS_DIR / f"{notebook}.ipynb"), str(executed),
              "-p", "output_dir", str(folder), "--no-progress-bar", "--log-level", "ERROR"],
             [str(bin_dir / "jupyter-nbconvert"), "--to", "html", "--no-input", str(executed), "--output", "report",
              "--output-dir", str(folder), "--log-level", "ERROR"],
             [str(bin_dir / "jupyter-nbconvert"), "--to", "html", str(executed), "--output", "notebook",
              "--output-dir", str(folder), "--log-level", "ERROR"]]
    if browser:
        with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
            steps.append([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={profile}", "--no-pdf-header-footer",
                          f"--print-to-pdf={folder / 'report.pdf'}", (folder / "report.html").resolve().as_uri()])
            for step in steps:
                subprocess.run(step, check=True, capture_output=True, env=_quiet_env(), stdin=subprocess.DEVNULL)
        return
    for step in steps:
        subprocess.run(step, check=True, capture_output=True, env=_quiet_env(), stdin=subprocess.DEVNULL)


def bench_toolchain(repeats: int, warmup: int, *, quick: bool = False, workers: int = 2) -> Row:
    """The study rendered by the project against the same notebooks one by one with papermill, nbconvert, Chromium."""
    from studylib.runner.batch import run_many
    from studylib.runner.pdf import find_chromium

    notebooks = list(TOOLCHAIN_QUICK) if quick else study_notebooks()
    browser = None if os.environ.get("STUDYLIB_NO_PDF") else find_chromium()
    with tempfile.TemporaryDirectory(prefix="bench-toolchain-") as tmp:
        tmp = Path(tmp)
        counter = iter(range(10 ** 6))

        def project():
            out = tmp / f"p{next(counter)}"
            _check(run_many([(nb, {}, [], out) for nb in notebooks], workers=workers, progress=False), "the study")

        def baseline():
            out = tmp / f"b{next(counter)}"
            for nb in notebooks:
                _stock_render(nb, out / nb, browser)

        a, b = alternate(project, baseline, repeats=repeats, warmup=warmup, warm_both=False)
    fig, base = median(a), median(b)
    r = ratio(fig, base)
    note = (f"{len(notebooks)} notebooks ({', '.join(notebooks)}); baseline one by one: papermill CLI + nbconvert "
            f"(report, notebook) + {'Chromium --print-to-pdf' if browser else 'no PDF (no Chromium or STUDYLIB_NO_PDF)'}"
            f"; {os.cpu_count()} cores")
    print(f"toolchain: study {fig:.1f} s; papermill + nbconvert + Chromium one by one {base:.1f} s; ratio {r:.2f}x",
          file=sys.stderr)
    return Row(f"study ({len(notebooks)} notebooks, {workers} workers) vs papermill + nbconvert + Chromium one by one",
               fig, base, "s", r, "<= 0.33x", r <= 0.33, note, len(a))


# ------------------------------------------------------------------------------------------- 5. warm kernels


def bench_warm(repeats: int, warmup: int, workers: int = 2, n_ties: int = 8) -> list[Row]:
    """The study and the batch with warm kernels against the same with ordinary kernels, and against the floor.

    ``STUDYLIB_COLD_KERNELS`` chooses the kernel (what ``--cold-kernels`` sets); every run starts a new process pool,
    so every warm run pays for its workers' zygotes, as a ``studylib study`` would. The five sides alternate.
    """
    from studylib import load_bundle
    from studylib.runner.kernels import warm
    from studylib.runner.batch import run_batch, run_many, run_study

    why = warm.warm_unavailable()
    if why is not None:
        return [Row("warm kernels", float("nan"), float("nan"), "s", float("nan"), "available", False,
                    f"not measured: {why}")]
    n = len(study_notebooks())
    ties = load_bundle().tie_ids()[:n_ties]
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        tmp = Path(tmp)
        floors = floor_notebooks(tmp / "floor", n)
        counter = iter(range(10 ** 6))

        def kernels(cold: bool):
            if cold:
                os.environ[warm.COLD_ENV] = "1"
            else:
                os.environ.pop(warm.COLD_ENV, None)

        def study(cold):
            kernels(cold)
            _check(run_study(workers=workers, out=tmp / f"s{next(counter)}", progress=False), "the study")

        def batch(cold):
            kernels(cold)
            _check(run_batch("pair_profile", ties, workers=workers, out=tmp / f"b{next(counter)}", progress=False),
                   "the batch")

        def floor():
            kernels(True)
            jobs = [(str(p), {}, [], tmp / f"f{next(counter)}") for p in floors]
            _check(run_many(jobs, workers=workers, progress=False), "the floor")

        sides = {"study warm": lambda: study(False), "study cold": lambda: study(True), "floor": floor,
                 "batch warm": lambda: batch(False), "batch cold": lambda: batch(True)}
        times: dict[str, list[float]] = {k: [] for k in sides}
        saved = os.environ.get(warm.COLD_ENV)
        try:
            for i in range(warmup + repeats):
                for name, fn in sides.items():
                    t = timed(fn)
                    if i >= warmup:
                        times[name].append(t)
        finally:
            kernels(False)
            if saved is not None:
                os.environ[warm.COLD_ENV] = saved
    m = {k: median(v) for k, v in times.items()}
    study_r, batch_r, floor_r = (ratio(m["study warm"], m["study cold"]), ratio(m["batch warm"], m["batch cold"]),
                                 ratio(m["study warm"], m["floor"]))
    return [
        Row(f"study ({n} notebooks + HTML, {workers} workers): warm vs ordinary kernels", m["study warm"],
            m["study cold"], "s", study_r, "<= 0.5x", study_r <= 0.5,
            f"{m['study warm'] / n:.2f} s vs {m['study cold'] / n:.2f} s per notebook", repeats),
        Row(f"batch of {len(ties)} pair profiles ({workers} workers): warm vs ordinary kernels", m["batch warm"],
            m["batch cold"], "s", batch_r, "<= 0.5x", batch_r <= 0.5, "", repeats),
        Row(f"study on warm kernels vs today's floor ({n} trivial notebooks, ordinary kernels)", m["study warm"],
            m["floor"], "s", floor_r, "<= 0.7x", floor_r <= 0.7,
            "floor as in the 'study' case: the same runner, notebooks that only import the study's libraries", repeats),
    ]


# ------------------------------------------------------------------------------------------------- main


def run_cases(names, *, repeats: int, warmup: int, quick: bool = False, log=print) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        t0 = time.perf_counter()
        if name == "study":
            got = [bench_study(repeats, warmup)]
        elif name == "batch":
            got = [bench_batch(repeats, warmup)]
        elif name == "scale":
            got = bench_scale(repeats, warmup)
        elif name == "validate":
            got = [bench_validate(repeats, warmup)]
        elif name == "network":
            got = bench_network(repeats, warmup)
        elif name == "warm":
            got = bench_warm(repeats, warmup)
        elif name == "multiverse":
            got = [bench_multiverse(repeats, warmup, draws=MULTIVERSE_QUICK_DRAWS if quick else MULTIVERSE_DRAWS)]
        elif name == "toolchain":
            got = [bench_toolchain(repeats, warmup, quick=quick)]
        elif name == "exact":
            got = [bench_exact(repeats, warmup, table=EXACT_QUICK_TABLE if quick else EXACT_TABLE)]
        else:
            raise SystemExit(f"unknown case {name!r}; cases: {', '.join(CASES)}")
        rows += got
        log(f"[{name}: {time.perf_counter() - t0:.0f} s]", file=sys.stderr)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(CASES), help=f"comma-separated cases ({', '.join(CASES)})")
    parser.add_argument("--repeats", type=int, default=None, help="measured runs per side (default 5; 2 with --quick)")
    parser.add_argument("--warmup", type=int, default=None, help="unrecorded runs first (default 1; 0 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and no warm-up, the multiverse with "
                        f"{MULTIVERSE_QUICK_DRAWS} undated placements instead of {MULTIVERSE_DRAWS} (for tests)")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "scale":
            out = _scale_child(rest[0], int(rest[1]), int(rest[2]))
        elif mode == "memory":
            out = _memory_child(rest[0])
        elif mode == "memory-floor":
            out = _memory_floor_child(rest[0])
        elif mode == "network":
            out = _network_child(rest[0], int(rest[1]), int(rest[2]))
        elif mode == "network-memory":
            out = _network_memory_child(rest[0], rest[1])
        else:
            raise SystemExit(f"unknown child {mode!r}")
        print(json.dumps(out))
        return 0
    repeats = args.repeats or (2 if args.quick else 5)
    warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    print(f"studylib benchmarks: {repeats} measured run(s) after {warmup} warm-up, medians; "
          f"{os.cpu_count()} cores; python {sys.version.split()[0]}", file=sys.stderr)
    rows = run_cases(names, repeats=repeats, warmup=warmup, quick=args.quick)
    print(format_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    missed = [r.case for r in rows if not r.passed]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} targets met" + (f"; MISS: {'; '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
