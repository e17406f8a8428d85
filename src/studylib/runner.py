"""Run study notebooks with papermill and render them into attachable, provenance-stamped folders.

One run writes ``<out>/<notebook>/<slug>/`` with the executed notebook, ``report.html`` (no code),
``notebook.html`` (with code), ``figures/``, ``tables/`` and ``manifest.json``. The run executes in a staging
folder beside its destination and is moved into place only when it succeeds, so a failed or killed run never
damages the previous outputs; a failed run is kept as ``<slug>.failed/`` for inspection.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import sys
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import ParameterError, StudyError
from .parameters import (RUNNER_PARAMETERS, check_parameters, list_notebooks, notebook_parameters, parse_value,
                         resolve_notebook, run_slug)
from .paths import DATA_DIR, OUTPUTS_DIR

__all__ = ["RunResult", "run_notebook", "run_many", "run_batch", "write_summary", "run_study", "export_html", "kernel_name", "add_run_commands"]

USER_ERRORS = ("StudyError", "ValidationError", "ParameterError", "ModelError", "RunError")


@dataclass
class RunResult:
    """Outcome of one notebook run."""

    notebook: str
    slug: str
    status: str  # "ok" or "failed"
    output_dir: Path
    seconds: float
    error: str = ""
    parameters: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def kernel_name() -> str:
    """The kernel runs start: 'studylib-warm' (forked from a zygote, see :mod:`studylib.warm`) on Linux unless
    ``--cold-kernels``, else the project's 'studylib' (both installed into .venv by make), else 'python3'."""
    from .warm import kernel_name as chosen

    return chosen()


def export_html(notebook_path: Path, directory: Path) -> list[Path]:
    """Write ``report.html`` (outputs only, for papers) and ``notebook.html`` (with code) beside each other."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    nb.metadata.pop("widgets", None)  # widget state is for the live workbench, not for reports
    written = []
    for name, exporter in zip(("report.html", "notebook.html"), _exporters()):
        body, _ = exporter.from_notebook_node(nb)
        path = directory / name
        path.write_text(_strip_external_scripts(body), encoding="utf-8")
        written.append(path)
    return written


_LOCAL = threading.local()
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"  # 'studylib_lab': JupyterLab's, with figure alt text


def _exporters() -> tuple:
    """The two HTML exporters (report without code, notebook with code), built once per thread.

    Building one compiles its Jinja templates (~0.1 s); a worker that renders many notebooks reuses them. They are
    kept per thread because an exporter is not documented as safe to share between threads (Dask runs jobs in threads).
    """
    cached = getattr(_LOCAL, "exporters", None)
    if cached is None:
        from nbconvert import HTMLExporter

        cached = tuple(
            HTMLExporter(template_name="studylib_lab", extra_template_basedirs=[str(TEMPLATES_DIR)],
                         exclude_input=exclude, exclude_input_prompt=exclude, exclude_output_prompt=exclude,
                         mathjax_url="", require_js_url="", widget_renderer_url="", jupyter_widgets_base_url="")
            for exclude in (True, False)
        )
        _LOCAL.exporters = cached
    return cached


def _strip_external_scripts(html_text: str) -> str:
    """Drop ``<script src=...>`` tags: a report must open offline and load nothing from the network."""
    import re

    return re.sub(r"<script[^>]*\ssrc=[^>]*>\s*</script>", "", html_text, flags=re.IGNORECASE)


_LAST_BUNDLE: list = []  # [Bundle]: what this process validated last


def _load_bundle_cached(data_dirs: list[str]):
    """``load_bundle(DATA_DIR, *data_dirs)``, remembered in this process for as long as the files' bytes are the same.

    A worker that runs many notebooks on the same data validates it once: the bundle is reused while every table
    file has the SHA-256 of the bytes that were validated (see :func:`studylib.bundle.is_current`). One bundle is
    kept, so a million-row bundle does not pile up in a long-lived worker.
    """
    from .bundle import DataWarning, is_current, load_bundle

    dirs = [DATA_DIR, *data_dirs]
    if _LAST_BUNDLE and is_current(_LAST_BUNDLE[0], *dirs):
        for message in _LAST_BUNDLE[0].warnings:
            warnings.warn(message, DataWarning, stacklevel=2)
        return _LAST_BUNDLE[0]
    _LAST_BUNDLE.clear()
    bundle = load_bundle(*dirs)
    _LAST_BUNDLE.append(bundle)
    return bundle


def _error_text(exc: BaseException) -> str:
    """A user-readable sentence for a failed run (the notebook's own error for project errors)."""
    ename = getattr(exc, "ename", "")
    if ename in USER_ERRORS:
        return f"{ename}: {exc.evalue}"
    if ename:
        return f"{ename}: {exc.evalue} (see the failed notebook for the traceback)"
    return f"{type(exc).__name__}: {exc}"


def run_notebook(notebook: str | Path, parameters: dict | None = None, *, data_dirs=(), out: str | Path | None = None,
                 kernel: str | None = None) -> RunResult:
    """Execute one notebook with papermill and render its outputs.

    Parameters are checked (names, types, ids in the data) before any kernel starts; a
    :class:`~studylib.ParameterError` or :class:`~studylib.ValidationError` is raised then. Failures while the
    notebook runs are returned as a failed :class:`RunResult`, never raised.
    """
    if kernel is None:
        from .warm import announce

        announce()  # one line when warm kernels are not available here
    return _render(_start(notebook, parameters, data_dirs=data_dirs, out=out, kernel=kernel))


@dataclass
class _Executed:
    """A notebook that has run in its staging folder and waits to be rendered and moved into place."""

    stem: str
    staging: Path
    dest: Path
    status: str
    error: str
    seconds: float
    started: datetime
    checked: dict
    data_files: dict

    @property
    def slug(self) -> str:
        return self.dest.name


def _start(notebook, parameters, *, data_dirs, out, kernel) -> _Executed:
    """Check the parameters, then execute the notebook in a fresh staging folder beside its destination."""
    path = resolve_notebook(notebook)
    stem = path.stem
    parameters = dict(parameters or {})
    clash = [p for p in RUNNER_PARAMETERS if p in parameters]
    if clash:
        raise ParameterError(f"{', '.join(clash)} are set by the runner: use --data / --out instead")
    data_dirs = [str(Path(d).resolve()) for d in data_dirs]
    bundle = _load_bundle_cached(data_dirs)
    checked = check_parameters(stem, {**parameters, "data_dirs": data_dirs, "output_dir": ""},
                               spec=notebook_parameters(path), bundle=bundle)
    slug = run_slug(checked)
    root = Path(out).resolve() if out else OUTPUTS_DIR
    dest = root / stem / slug
    dest.parent.mkdir(parents=True, exist_ok=True)
    for leftover in dest.parent.glob(f".{slug}.partial-*"):
        if not _alive(leftover):
            shutil.rmtree(leftover, ignore_errors=True)  # an earlier run that was killed mid-way
    staging = dest.parent / f".{slug}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        return _execute(path, parameters, data_dirs, staging, dest, checked, bundle, kernel)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # interrupted (Ctrl-C): no half-written folder is left
        raise


def _execute(path: Path, parameters: dict, data_dirs: list, staging: Path, dest: Path, checked: dict, bundle,
             kernel: str | None) -> _Executed:
    """Execute the notebook into ``staging`` (the kernel takes over the runner's validated data)."""
    import papermill as pm

    from .bundle import hand_over, remove_handover

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    status, error = "ok", ""
    try:
        hand_over(bundle, staging)  # the kernel's open_study takes it over instead of validating again
    except Exception:  # noqa: BLE001 - only a saving: without it the kernel validates the data itself
        remove_handover(staging)
    try:
        pm.execute_notebook(
            str(path), str(staging / f"{path.stem}.ipynb"),
            parameters={**parameters, "data_dirs": data_dirs, "output_dir": str(staging)},
            kernel_name=kernel or kernel_name(), progress_bar=False, log_output=False, cwd=str(staging),
            request_save_on_cell_execute=False, shutdown_kernel="immediate", **_kernel_transport(),
        )
    except Exception as exc:  # noqa: BLE001 - any failure inside the kernel is a failed run, reported below
        status, error = "failed", _error_text(exc)
    finally:
        remove_handover(staging)
    return _Executed(path.stem, staging, dest, status, error, time.perf_counter() - t0, started, checked,
                     {_display_path(p): h for p, h in sorted(bundle.files.items())})


def _render(run: _Executed) -> RunResult:
    """Export the HTML, stamp the manifest and move the staging folder into place (``<slug>.failed`` on failure)."""
    from .provenance import write_manifest

    try:
        t0 = time.perf_counter()
        status, error = run.status, run.error
        if status == "ok":
            try:
                export_html(run.staging / f"{run.stem}.ipynb", run.staging)
            except Exception as exc:  # noqa: BLE001
                status, error = "failed", f"HTML export failed: {exc}"
        seconds = run.seconds + time.perf_counter() - t0  # working time, not time spent waiting for a worker
        write_manifest(
            run.staging / "manifest.json", notebook=run.stem, slug=run.slug, status=status, error=error,
            parameters={k: v for k, v in run.checked.items() if k != "output_dir"}, data_files=run.data_files,
            start=run.started.isoformat(timespec="seconds"),
            end=datetime.now(timezone.utc).isoformat(timespec="seconds"), duration_seconds=round(seconds, 2),
            files=sorted(str(p.relative_to(run.staging)) for p in run.staging.rglob("*") if p.is_file()),
        )
    except BaseException:
        shutil.rmtree(run.staging, ignore_errors=True)
        raise
    final = run.dest if status == "ok" else run.dest.parent / f"{run.slug}.failed"
    _replace(run.staging, final)
    if status == "ok":
        shutil.rmtree(run.dest.parent / f"{run.slug}.failed", ignore_errors=True)
    return RunResult(run.stem, run.slug, status, final, seconds, error, run.checked)


MAX_IPC_PATH = 90  # a Unix socket path must stay under ~104 bytes; leave room for the '-<port>' suffix


def _kernel_transport() -> dict:
    """Talk to the kernel over Unix sockets in the user's private Jupyter runtime folder when possible.

    Over TCP (the default) ipykernel 7 warns on every start that its traffic is unencrypted on localhost; IPC
    sockets live in a folder only this user can open, so there is nothing to warn about. Falls back to TCP where
    ZeroMQ has no IPC (Windows) or the folder's path is too long for a socket.
    """
    import zmq
    from jupyter_core.paths import jupyter_runtime_dir

    if not zmq.has("ipc"):
        return {}
    runtime = Path(jupyter_runtime_dir())
    ip = runtime / f"studylib-{os.getpid()}-{uuid.uuid4().hex[:8]}-ipc"  # the pid: whose sockets these are
    if len(str(ip)) > MAX_IPC_PATH:
        return {}
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_dead_sockets(runtime)
    from traitlets.config import Config

    return {"config": Config({"KernelManager": {"transport": "ipc", "ip": str(ip)}})}


def _remove_dead_sockets(runtime: Path) -> None:
    """Delete the IPC socket files of runs whose process is gone (killed: it could not clean up after its kernels)."""
    for path in runtime.glob("studylib-*-*-ipc-*"):
        try:
            pid = int(path.name.split("-")[1])
        except ValueError:
            continue
        if not _pid_alive(pid):
            path.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        pass
    return True


def _alive(staging: Path) -> bool:
    """Whether the process named in a staging folder's name (``.<slug>.partial-<pid>-<id>``) still runs."""
    try:
        pid = int(staging.name.rsplit(".partial-", 1)[1].split("-")[0])
    except (ValueError, IndexError):
        return False
    return _pid_alive(pid)  # our own process too: one of its runs may be waiting to be rendered


def _display_path(path: str) -> str:
    """A data file's path relative to the project when inside it, else absolute."""
    rel = os.path.relpath(path, DATA_DIR.parent)
    return path if rel.startswith("..") else rel


def _replace(staging: Path, final: Path) -> None:
    """Move ``staging`` to ``final``, replacing what was there only once the new folder is complete."""
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


# One thread each for the linear-algebra libraries of kernels that run side by side, one per core: the study's models
# are small, and threads of several kernels competing for the same cores cost CPU time (OpenBLAS's threads spin).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def _warm_worker() -> None:
    """Process-pool initializer: one BLAS thread per kernel (unless the user set it), papermill and nbconvert imported
    and the HTML exporters built before the first job."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")  # a worker's kernels inherit its environment
    import papermill  # noqa: F401

    _exporters()


def _run_job(job: tuple) -> _Executed | RunResult:
    """Execute one job's notebook (rendered later by :func:`_render`), or the failed result of bad parameters."""
    notebook, parameters, data_dirs, out = job
    try:
        return _start(notebook, parameters, data_dirs=data_dirs, out=out, kernel=None)
    except StudyError as exc:
        return RunResult(Path(str(notebook)).stem, run_slug(parameters), "failed", Path(), 0.0, str(exc), parameters)


def run_many(jobs: list[tuple], *, workers: int | None = None, executor: cf.Executor | None = None,
             progress: bool = True) -> list[RunResult]:
    """Run ``(notebook, parameters, data_dirs, out)`` jobs in parallel; one failure never stops the others.

    ``executor`` may be any :class:`concurrent.futures.Executor`; by default a process pool of ``workers``
    (default: the number of cores). Results come back in the order of ``jobs``. Each notebook is rendered (HTML,
    manifest) as a task of its own, queued behind the notebooks still to run: at the end of a run, when fewer
    notebooks than workers are left, an otherwise idle worker renders the earlier ones.
    """
    from tqdm.auto import tqdm

    from .warm import announce

    announce()  # one line when warm kernels are not available here (the workers stay silent)
    workers = workers or os.cpu_count() or 1
    own = executor is None
    zygote = None
    if own:
        if workers > 1 and len(jobs) > 1:  # one zygote for all the workers, importing while they start
            from .warm import prestart

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
                if isinstance(outcome, _Executed):
                    pending[executor.submit(_render, outcome)] = i
                else:
                    results[i] = outcome
                    bar.update(1)
        bar.close()
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
            from .warm import release

            release(zygote)
    return results  # type: ignore[return-value]


def run_batch(notebook: str, tie_ids: list[str], parameters: dict | None = None, *, data_dirs=(), out=None,
              workers: int | None = None, executor: cf.Executor | None = None, progress: bool = True) -> list[RunResult]:
    """One report per tie, in parallel, then ``<out>/<notebook>/_summary/`` across the ties that succeeded.

    The summary holds ``metrics.csv`` (every succeeded tie's metrics, one row each), ``failures.csv`` and a chart.
    A failing tie never stops the others.
    """
    jobs = [(notebook, {**(parameters or {}), "tie": t}, list(data_dirs), out) for t in tie_ids]
    results = run_many(jobs, workers=workers, executor=executor, progress=progress)
    write_summary(results, Path(out).resolve() / resolve_notebook(notebook).stem / "_summary" if out
                  else OUTPUTS_DIR / resolve_notebook(notebook).stem / "_summary")
    return results


def write_summary(results: list[RunResult], directory: Path) -> Path:
    """Cross-pair table, failure list and chart of a batch (byte-stable: no dates in the files)."""
    import pandas as pd

    directory.mkdir(parents=True, exist_ok=True)
    frames = [pd.read_csv(r.output_dir / "tables" / "metrics.csv", keep_default_na=False, na_values=[""])
              for r in results if r.ok and (r.output_dir / "tables" / "metrics.csv").exists()]
    metrics = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["tie_id"])
    metrics.to_csv(directory / "metrics.csv", index=False, lineterminator="\n", float_format="%.6g")
    failures = pd.DataFrame([{"notebook": r.notebook, "tie": r.parameters.get("tie", r.slug), "error": r.error,
                              "kept": "" if str(r.output_dir) in ("", ".") else str(r.output_dir)}
                             for r in results if not r.ok],
                            columns=["notebook", "tie", "error", "kept"])
    failures.to_csv(directory / "failures.csv", index=False, lineterminator="\n")
    if len(metrics):
        from .charts import save_figure, set_study_theme, summary_chart

        set_study_theme()
        fig = summary_chart(metrics)
        save_figure(fig, "metrics", directory=directory)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return directory


def run_study(*, workers: int | None = None, out=None, progress: bool = True) -> list[RunResult]:
    """Render every study notebook with its default parameters."""
    jobs = [(nb, {}, [], out) for nb in list_notebooks() if nb != "explore"]
    return run_many(jobs, workers=workers, progress=progress)


# ------------------------------------------------------------------------------------------------- CLI


def _report(results: list[RunResult]) -> int:
    for r in results:
        if r.ok:
            print(f"ok      {r.notebook:<24} {r.slug:<36} {r.seconds:5.1f}s  {r.output_dir}")
        else:
            where = f"  (kept: {r.output_dir})" if str(r.output_dir) not in ("", ".") else ""
            print(f"FAILED  {r.notebook:<24} {r.slug:<36} {r.error}{where}")
    failed = sum(not r.ok for r in results)
    print(f"{len(results) - failed} rendered, {failed} failed")
    return 1 if failed else 0


def _cmd_run(args) -> int:
    _cold_kernels(args)
    spec = notebook_parameters(args.notebook)
    values = {}
    for name, text in args.param:
        if name not in spec:
            check_parameters(args.notebook, {name: text}, spec=spec)  # raises the clear unknown-name error
        values[name] = parse_value(name, text, spec[name])
    if not (args.tie or args.all_ties):
        return _report([run_notebook(args.notebook, values, data_dirs=args.data, out=args.out)])
    if "tie" not in spec:
        raise ParameterError(f"{args.notebook} has no 'tie' parameter: --tie and --all-ties need one")
    if args.all_ties:
        from .bundle import load_bundle

        ties = load_bundle(DATA_DIR, *args.data).tie_ids()
    else:
        ties = list(dict.fromkeys(args.tie))
    executor = _dask_executor(args.scheduler) if args.scheduler else None
    results = run_batch(args.notebook, ties, values, data_dirs=args.data, out=args.out, workers=args.jobs,
                        executor=executor)
    code = _report(results)
    print(f"summary: {Path(args.out or OUTPUTS_DIR).resolve() / resolve_notebook(args.notebook).stem / '_summary'}")
    return code


def _dask_executor(address: str) -> cf.Executor:
    try:
        from dask.distributed import Client
    except ImportError:
        raise StudyError("--scheduler needs Dask: pip install 'studylib[dask]'") from None
    try:
        return Client(address, timeout=30).get_executor()
    except OSError as exc:
        raise StudyError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _cold_kernels(args) -> None:
    """``--cold-kernels``: ordinary kernels for this run (an environment variable, so pool workers see it too)."""
    if getattr(args, "cold_kernels", False):
        from .warm import COLD_ENV

        os.environ[COLD_ENV] = "1"


def _cmd_study(args) -> int:
    _cold_kernels(args)
    from .bundle import load_bundle

    load_bundle()  # fail fast, before any kernel, if the data are invalid
    return _report(run_study(workers=args.jobs, out=args.out))


def _cmd_list(args) -> int:
    from .bundle import load_bundle

    for nb in list_notebooks():
        print(nb)
        for name, spec in notebook_parameters(nb).items():
            print(f"    {name:<14} {spec['inferred_type_name']:<10} default {spec['default']:<40} {spec['help']}")
    bundle = load_bundle()
    print("\nTie ids:")
    for t in bundle.ties.itertuples():
        print(f"    {t.tie_id:<32} {bundle.tie_label(t.tie_id):<34} {t.tie_type}, {t.status}")
    return 0


def add_run_commands(sub) -> None:
    """Add ``run``, ``study`` and ``list`` to the ``studylib`` command line."""
    p = sub.add_parser("run", help="run one notebook with parameters")
    p.add_argument("notebook", help="notebook stem (e.g. pair_profile) or path")
    p.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    p.add_argument("--data", action="append", default=[], metavar="DIR", help="extra bundle folder (repeatable)")
    p.add_argument("--out", default=None, metavar="DIR", help="output root (default: outputs/)")
    p.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: number of cores)")
    p.add_argument("--tie", action="append", default=[], metavar="TIE", help="batch: one report per tie (repeatable)")
    p.add_argument("--all-ties", action="store_true", help="batch: one report for every tie in the data")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="batch on a Dask cluster (tcp://host:8786)")
    p.add_argument("--cold-kernels", action="store_true", help="start ordinary kernels, not forked warm ones")
    p.set_defaults(func=_cmd_run)
    s = sub.add_parser("study", help="render every study notebook with its defaults")
    s.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: number of cores)")
    s.add_argument("--out", default=None, metavar="DIR", help="output root (default: outputs/)")
    s.add_argument("--cold-kernels", action="store_true", help="start ordinary kernels, not forked warm ones")
    s.set_defaults(func=_cmd_study)
    ls = sub.add_parser("list", help="list the notebooks, their parameters and the tie ids")
    ls.set_defaults(func=_cmd_list)

