"""Run many notebooks in parallel (a process pool, or any executor such as Dask's): a batch of ties with its
cross-pair summary, or the whole study. One failing notebook never stops the others."""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
from pathlib import Path

from ..errors import StudyError
from ..paths import OUTPUTS_DIR
from ..report.parameters import WORKBENCH_NOTEBOOKS, list_notebooks, notebook_parameters, resolve_notebook, run_slug
from .execute import _start
from .kernels import BLAS_THREAD_VARIABLES
from .render import _exporters, _render
from .result import Executed, RunResult

__all__ = ["run_many", "run_batch", "summary_dir", "write_summary", "run_study"]


_BUSY = [False]  # whether this worker process is running a job (its Ctrl-C then cleans up the job's folder)


def _interrupted(signum, frame) -> None:
    """A pool worker's Ctrl-C (the terminal sends it to the runner and its workers alike): while a notebook runs,
    interrupt it so that it removes its staging folder and the runner gets it back as the job's outcome; otherwise
    (starting up, idle, or rendering, whose staging folder the next run removes) leave at once and quietly. Either
    way no traceback: the runner reports the interruption once."""
    if _BUSY[0]:
        raise KeyboardInterrupt
    os._exit(130)


#: A pool worker's first-generation threshold: ten times CPython's 700 (see :func:`_warm_worker`).
WORKER_GC_THRESHOLD = 7000


def _warm_worker() -> None:
    """Process-pool initializer: Ctrl-C without tracebacks, one BLAS thread per kernel (unless the user set it),
    papermill and nbconvert imported and the HTML exporters built before the first job, then all of it frozen out of
    the garbage collector's reach and young objects collected less often (rendering builds many short-lived
    objects, nbconvert's HTML trees among them: the collector was ~15% of a worker's rendering time)."""
    import gc
    import signal

    signal.signal(signal.SIGINT, _interrupted)
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")  # a worker's kernels inherit its environment
    import papermill  # noqa: F401

    _exporters()
    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _run_job(job: tuple) -> Executed | RunResult:
    """Execute one job's notebook (rendered later by :func:`_render`), or the failed result of bad parameters."""
    notebook, parameters, data_dirs, out = job
    _BUSY[0] = True
    try:
        return _start(notebook, parameters, data_dirs=data_dirs, out=out, kernel=None)
    except StudyError as exc:
        return RunResult(Path(str(notebook)).stem, run_slug(parameters), "failed", Path(), 0.0, str(exc), parameters)
    finally:
        _BUSY[0] = False


def run_many(jobs: list[tuple], *, workers: int | None = None, executor: cf.Executor | None = None,
             progress: bool = True) -> list[RunResult]:
    """Run ``(notebook, parameters, data_dirs, out)`` jobs in parallel; one failure never stops the others.

    ``executor`` may be any :class:`concurrent.futures.Executor`; by default a process pool of ``workers``
    (default: the number of cores). Results come back in the order of ``jobs``. Each notebook is rendered (HTML,
    manifest) as a task of its own, queued behind the notebooks still to run: at the end of a run, when fewer
    notebooks than workers are left, an otherwise idle worker renders the earlier ones.
    """
    from tqdm.auto import tqdm

    from .kernels.warm import announce

    announce()  # one line when warm kernels are not available here (the workers stay silent)

    workers = workers or os.cpu_count() or 1
    own = executor is None
    zygote = None
    if own:
        if workers > 1 and len(jobs) > 1:  # one zygote for all the workers, importing while they start
            from .kernels.warm import prestart

            zygote = prestart(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
        executor = cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_warm_worker) \
            if workers > 1 and len(jobs) > 1 else cf.ThreadPoolExecutor(max_workers=1)
    try:
        pending = {executor.submit(_run_job, job): i for i, job in enumerate(jobs)}
        results: list[RunResult | None] = [None] * len(jobs)
        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                outcome = fut.result()
                if isinstance(outcome, Executed):
                    pending[executor.submit(_render, outcome)] = i
                else:
                    results[i] = outcome
                    bar.update(1)
        bar.close()
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
            from .kernels.warm import release

            release(zygote)
    return results  # type: ignore[return-value]


def run_batch(notebook: str, tie_ids: list[str], parameters: dict | None = None, *, data_dirs=(), out=None,
              workers: int | None = None, executor: cf.Executor | None = None, progress: bool = True) -> list[RunResult]:
    """One report per tie, in parallel, then a summary across the ties that succeeded (in :func:`summary_dir`).

    The summary holds ``metrics.csv`` (every succeeded tie's metrics, one row each), ``failures.csv`` and a chart.
    A failing tie never stops the others. A later batch with the same parameters adds its ties to the summary (a
    tie run again replaces its own rows); it never drops the ties of an earlier batch.
    """
    # resolved here, in the client: a Dask worker has a working directory of its own
    data_dirs = [str(Path(d).expanduser().resolve()) for d in data_dirs]
    root = Path(out).expanduser().resolve() if out else OUTPUTS_DIR
    path = str(resolve_notebook(notebook))
    jobs = [(path, {**(parameters or {}), "tie": t}, data_dirs, str(root)) for t in tie_ids]
    results = run_many(jobs, workers=workers, executor=executor, progress=progress)
    write_summary(results, summary_dir(notebook, parameters or {}, out=root))
    return results


def summary_dir(notebook: str, parameters: dict, *, out=None) -> Path:
    """Where a batch's summary goes: ``<out>/<notebook>/_summary/`` for the default parameters, and
    ``_summary--<name>-<value>`` when parameters other than the tie differ from their defaults (as run folders are
    named), so that a batch with other parameters never replaces another's summary."""
    path = resolve_notebook(notebook)
    values = {k: v for k, v in parameters.items() if k != "tie"}
    slug = run_slug(values, notebook_parameters(path))
    root = Path(out).expanduser().resolve() if out else OUTPUTS_DIR
    return root / path.stem / ("_summary" + slug.removeprefix("default"))


def _earlier(path: Path, column: str, ties: set[str]):
    """The rows of an earlier batch's summary table whose tie this batch did not run (none if there is no table)."""
    import pandas as pd

    if not path.exists():
        return None
    try:
        earlier = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={column: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None  # not a summary this runner wrote: this batch's rows replace it
    if column not in earlier.columns:
        return None
    return earlier[~earlier[column].isin(ties)]


def write_summary(results: list[RunResult], directory: Path) -> Path:
    """Cross-pair table, failure list and chart of a batch (byte-stable: no dates in the files).

    The tables keep the rows of earlier batches (with the same parameters, hence the same ``directory``) for the
    ties this batch did not run; a tie this batch ran has only this batch's outcome (a success removes its earlier
    failure, and the other way round). The earlier ties come first, then this batch's in its order.
    """
    import pandas as pd

    directory.mkdir(parents=True, exist_ok=True)
    ties = {str(r.parameters.get("tie", r.slug)) for r in results}
    frames = [pd.read_csv(r.output_dir / "tables" / "metrics.csv", keep_default_na=False, na_values=[""])
              for r in results if r.ok and (r.output_dir / "tables" / "metrics.csv").exists()]
    kept = _earlier(directory / "metrics.csv", "tie_id", ties)
    frames = ([kept] if kept is not None and len(kept) else []) + frames
    metrics = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["tie_id"])
    metrics.to_csv(directory / "metrics.csv", index=False, lineterminator="\n", float_format="%.6g")
    failures = pd.DataFrame([{"notebook": r.notebook, "tie": r.parameters.get("tie", r.slug), "error": r.error,
                              "kept": "" if str(r.output_dir) in ("", ".") else str(r.output_dir)}
                             for r in results if not r.ok],
                            columns=["notebook", "tie", "error", "kept"])
    kept = _earlier(directory / "failures.csv", "tie", ties)
    if kept is not None and len(kept):
        failures = pd.concat([kept, failures], ignore_index=True)
    failures.to_csv(directory / "failures.csv", index=False, lineterminator="\n")
    if len(metrics):
        from ..charts import save_figure, set_study_theme, summary_chart

        set_study_theme()
        fig = summary_chart(metrics)
        save_figure(fig, "metrics", directory=directory)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return directory


def run_study(*, workers: int | None = None, out=None, progress: bool = True, lang: str = "en") -> list[RunResult]:
    """Render every study notebook with its default parameters, in the report language ``lang`` (English: the
    default parameters alone, so the runs keep their folders; another language: ``lang`` set, so each run's folder
    ends in ``--lang-<lang>``)."""
    params = {} if lang == "en" else {"lang": lang}
    jobs = [(nb, dict(params), [], out) for nb in list_notebooks() if nb not in WORKBENCH_NOTEBOOKS]
    return run_many(jobs, workers=workers, progress=progress)
