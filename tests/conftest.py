"""The suite's tiers, shared fixtures (the render corpus: every run the render tests read, rendered once per session
in one batch) and the end-of-run note on skipped browser tests.

Tests live in one folder per tier, and a test's markers come from its folder, so they cannot drift:

- ``unit/``: in process only (mirrors ``src/studylib``'s packages); a guard fails any that starts a process or a
  kernel. ``make test-fast`` runs this folder.
- ``process/``: kernels, zygotes, command-line subprocesses, a nested pytest (marked ``process``).
- ``render/``: tests that render notebooks or read rendered runs (marked ``render``).
- ``browser/``: JupyterLab and reports in headless Chromium (marked ``browser``).

Every test outside ``unit/`` is also marked ``slow``, so ``-m "not slow"`` selects the unit tier as before.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

BROWSER_TESTS = "test_browser.py"
TIERS = ("unit", "process", "render", "browser")


NO_PDF_ENV = "STUDYLIB_NO_PDF"  # studylib.runner.render.NO_PDF_ENV (not imported here: conftest stays light)
NO_PRINT_FIGURES_ENV = "STUDYLIB_NO_PRINT_FIGURES"  # studylib.report.outputs.NO_PRINT_FIGURES_ENV
#: studylib.runner.kernels.BLAS_THREAD_VARIABLES
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def pytest_configure(config):
    """Runs print no report.pdf (about 2 CPU-seconds each) and no print versions of their figures (figures/print/:
    about 0.35 CPU-seconds a figure, 3 of the 8 a pair_profile run takes) unless a test asks for them with
    ``printing_pdfs``: the tests that check a PDF or a print file say so, the others read the HTML and the files.
    ``save_figure`` itself writes them whatever the variable says (tests/process/test_charts.py checks them)."""
    os.environ[NO_PDF_ENV] = "1"
    os.environ[NO_PRINT_FIGURES_ENV] = "1"
    # One BLAS thread per kernel, as the runner's pool workers set it (unless the developer chose): a zygote serves
    # one environment, so with the same one in this process and in its pools a worker's runs share one zygote
    # instead of starting another (~2.5 CPU-seconds) each time a test switches between the two.
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    # A shell that starts the suite in the background (`make test &`, nohup) has Ctrl-C ignored, and every process a
    # test starts would inherit that: the tests that interrupt a run (SIGINT) need the ordinary disposition back.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # As `studylib` commands do: jsonschema's IRI grammars were 0.75 CPU-seconds of each worker's start (nbformat)
    from studylib.cli import skip_iri_grammars

    skip_iri_grammars()


def pytest_collection_finish(session):
    """As the runner's pool workers do (``studylib.runner.batch._warm_worker``): what the worker has built by now (the
    imported libraries, the collected tests) is frozen out of the garbage collector's reach, and young objects are
    collected ten times less often than CPython's default. The collector had been a fifth of the unit tier's CPU
    time (mostly full collections scanning every imported module), and the batches a worker runs fork from it."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, *gc.get_threshold()[1:])  # studylib.runner.batch.WORKER_GC_THRESHOLD


@pytest.fixture
def printing_pdfs(monkeypatch):
    """Runs in this test print report.pdf and their figures' print versions, as they do outside the test suite."""
    monkeypatch.delenv(NO_PDF_ENV, raising=False)
    monkeypatch.delenv(NO_PRINT_FIGURES_ENV, raising=False)


#: Fixtures that render runs several tests read (the session's; test_indonesian's module-scoped ``indonesian``), and
#: the browser tests' one JupyterLab: under pytest-xdist (``make test`` runs two workers) the tests that use one of
#: them, or one that shares a test with them, go to the same worker, so each is made once per run, not once per worker.
SHARED_RUNS = ("render_corpus", "cjk_run", "batch", "indonesian", "lab_server")


def _shared_groups(items) -> dict:
    """Each test's group: the shared runs it reads, joined with every shared run read by a test beside them (a test
    of the Indonesian run that also reads the batch's English one puts both on one worker), named by the first."""
    parent = {name: name for name in SHARED_RUNS}

    def root(name):
        while parent[name] != name:
            name = parent[name]
        return name

    used = {}
    for item in items:
        names = [name for name in SHARED_RUNS if name in getattr(item, "fixturenames", ())]
        for name in names[1:]:
            a, b = sorted((root(names[0]), root(name)), key=SHARED_RUNS.index)
            parent[b] = a
        if names:
            used[item] = names[0]
    return {item: root(name) for item, name in used.items()}


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Mark each test by its tier folder (``process``, ``render``, ``browser`` are also ``slow``), and keep the tests
    that read one shared rendered run on one xdist worker."""
    root = Path(__file__).parent
    for item, group in _shared_groups(items).items():
        item.add_marker(pytest.mark.xdist_group(group))
    for item in items:
        try:
            tier = Path(item.path).relative_to(root).parts[0]
        except ValueError:  # a test collected from elsewhere (a nested pytest's own files)
            continue
        if tier in TIERS and tier != "unit":
            item.add_marker(getattr(pytest.mark, tier))
            item.add_marker(pytest.mark.slow)
    result = yield  # pytest-xdist's worker hook reads the xdist_group marks and names the group in each node id
    if getattr(config.option, "loadgroup", False):
        _name_groups_in_node_ids(items)
    return result


def _name_groups_in_node_ids(items) -> None:
    """What ``--dist loadgroup`` does, for pytest >= 9.2: pytest-xdist 3.8 appends ``@<group>`` to ``item._nodeid``,
    which pytest 9.2 no longer reads (node ids are structured, in ``item._id``), so every group was spread over both
    workers and each shared run rendered on each (https://github.com/pytest-dev/pytest-xdist/issues/1386). Names the
    group in the id the scheduler reads; a no-op where xdist's own suffix took effect."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest before 9.2: xdist's suffix works
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


class RenderCorpus(dict):
    """The session's rendered runs by name (:class:`studylib.runner.result.RunResult`); ``jobs[name]`` is the
    :class:`bundles.CorpusJob` it was rendered from (its data folders and ``info``), ``root`` the corpus folder."""

    def __init__(self, root: Path, jobs: dict, results: dict):
        super().__init__(results)
        self.root, self.jobs = root, jobs


def _corpus_builders(session) -> dict:
    """Every run the collected tests read: the study's (when a test reads ``default_study``) and each collected
    module's ``RENDER_CORPUS``."""
    from bundles import CorpusJob, study_jobs

    builders, seen = {}, set()
    for item in session.items:
        fixtures = getattr(item, "fixturenames", ())
        if "render_corpus" not in fixtures:
            continue
        if "default_study" in fixtures and "study:pair_profile" not in builders:
            for nb, parameters in study_jobs():
                builders[f"study:{nb}"] = lambda _, nb=nb, p=parameters: CorpusJob(nb, p, group="study")
        module = getattr(item, "module", None)
        if module is None or module in seen:
            continue
        seen.add(module)
        for name, build in getattr(module, "RENDER_CORPUS", {}).items():
            # one run several modules read is the same builder (tests/bundles.py), not two that share a name
            assert builders.get(name, build) is build, f"two modules name different corpus runs {name!r}"
            builders[name] = build
    return builders


@pytest.fixture(scope="session")
def render_corpus(request, tmp_path_factory) -> RenderCorpus:
    """Every run the collected render tests read, rendered once per session in ONE batch (``run_many`` on one process
    pool with warm kernels, no report.pdf): the default study and each test module's ``RENDER_CORPUS``.

    Tests read the runs and never change them: a test that needs to write over a run copies it first. Under
    pytest-xdist every test that reads the corpus runs on one worker (``SHARED_RUNS``).
    """
    from bundles import start_own_zygote
    from studylib.runner.batch import run_many

    root = tmp_path_factory.mktemp("corpus")
    jobs = {}
    for i, (name, build) in enumerate(_corpus_builders(request.session).items()):
        inputs = root / "inputs" / f"{i}-{name.replace(':', '-')}"  # a fresh folder for the run's data
        inputs.mkdir(parents=True)
        jobs[name] = build(inputs)
    start_own_zygote()
    results = run_many([(j.notebook, j.parameters, j.data_dirs, str(root / j.group)) for j in jobs.values()],
                       workers=2, progress=False)
    return RenderCorpus(root, jobs, dict(zip(jobs, results)))


@pytest.fixture(scope="session")
def default_study(render_corpus):
    """``(out, results)``: every study notebook rendered on its defaults (network_context: see
    ``bundles.STUDY_OVERRIDES``), in the session's render corpus; ``out`` holds these runs only.

    Shared by the tests that read a default run (notebook checks, the byte-identical re-run, the interrupt tests, the
    report in a browser). Tests read it and never change it: a test that needs to write over a run copies it first.
    """
    out = render_corpus.root / "study"
    results = [r for name, r in render_corpus.items() if name.startswith("study:")]
    if not results:  # asked for only at run time (``request.getfixturevalue``): rendered now, once
        from bundles import study_jobs
        from studylib.runner.batch import run_many

        results = run_many([(nb, p, [], str(out)) for nb, p in study_jobs()], workers=2, progress=False)
        render_corpus.update({f"study:{r.notebook}": r for r in results})
    return out, results


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """``(bundle, events)`` of the tiny test bundle (``bundles.write_bundle``) up to 2016, the study's chart theme
    set: what the chart tests draw (tests/unit/charts, tests/process/test_charts.py)."""
    from bundles import write_bundle
    from studylib import charts, load_bundle
    from studylib.analysis.panel import expand_activities

    charts.set_study_theme()
    b = load_bundle(write_bundle(tmp_path_factory.mktemp("b")))
    return b, expand_activities(b.activities, end_year=2016, expand_annual=True)  # the charts draw expanded events


def _warm():
    from studylib.runner.kernels import warm  # imported when a warm-kernel test runs: conftest stays light

    return warm


def _register(root: Path) -> tuple[Path, Path]:
    """Install the warm kernel spec under ``root`` and an entry point for the provisioner; return (jupyter, site)."""
    _warm().install_kernel_spec(prefix=str(root))
    site = root / "site"
    info = site / "studylib_warm_tests-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: studylib-warm-tests\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_client.kernel_provisioners]\nstudylib-warm = studylib.runner.kernels.warm:WarmProvisioner\n")
    return root / "share" / "jupyter", site


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """The warm kernel, usable from this process and from subprocesses (JUPYTER_PATH, PYTHONPATH)."""
    # Earlier tests' notebooks ran warm kernels: their zygote has the suite's environment, not this module's, and
    # would serve every kernel here as an ordinary one ("its environment differs").
    _warm().shutdown_zygotes()
    jupyter, site = _register(tmp_path_factory.mktemp("warm"))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(jupyter), os.environ.get("JUPYTER_PATH")])))
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(site)])))
    for name in BLAS_THREAD_VARIABLES:
        mp.setenv(name, "1")  # as the runner's workers set it
    mp.delenv(_warm().COLD_ENV, raising=False)
    mp.syspath_prepend(str(site))
    yield {"jupyter": jupyter, "site": site}
    _warm().shutdown_zygotes()
    mp.undo()


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly, last, how many browser tests were skipped and why: outside CI they skip when Chromium is missing.

    The outermost wrapper, so that the note comes after pytest's own short summary, just above the final count.
    """
    result = yield
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if BROWSER_TESTS in r.nodeid]
    if not skipped:
        return result
    reasons = sorted({_skip_reason(r) for r in skipped})
    terminalreporter.section("browser tests not run", sep="=", yellow=True, bold=True)
    terminalreporter.write_line(f"{len(skipped)} browser test{'s' if len(skipped) != 1 else ''} skipped: "
                                + "; ".join(reasons), yellow=True)
    terminalreporter.write_line("CI runs them (CI=true makes a missing browser a failure): install Chromium and "
                                "Playwright to run them here.")
    return result
