"""Execute one study notebook with papermill in a staging folder beside its destination.

Parameters are checked, and the data validated, before any kernel starts; the kernel takes the validated data over
(:mod:`studylib.bundle.handover`). The executed notebook is then rendered and moved into place by :mod:`studylib.runner.render`,
so a failed or killed run never damages the previous outputs.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ModelError, ParameterError, RunError, StudyError, ValidationError
from ..paths import DATA_DIR, OUTPUTS_DIR, display_path
from ..report.parameters import RUNNER_PARAMETERS, check_parameters, notebook_parameters, resolve_notebook, run_slug
from .kernels import kernel_transport, pid_alive
from .render import _render
from .result import Executed, RunResult

__all__ = ["run_notebook", "input_files", "USER_ERRORS", "cells_for_language", "LANGUAGE_TAG", "ENGINE_NAME"]

#: The errors a notebook raises for a user reason: a failed run reports their message alone, without a traceback.
USER_ERRORS = (StudyError, ValidationError, ParameterError, ModelError, RunError)


#: A cell tagged ``lang:<code>`` belongs to the report in that language; a run in another language drops it.
LANGUAGE_TAG = "lang:"
#: The papermill engine that drops the cells of other languages before the kernel sees the notebook.
ENGINE_NAME = "studylib"


def cells_for_language(nb, lang: str):
    """``nb`` (a notebook node) without the cells tagged for a language other than ``lang``, with ``lang`` recorded
    in ``metadata.studylib_run`` (where the exporter reads it, e.g. for ``<html lang>``); changed in place, returned.

    Untagged cells are kept; a cell tagged ``lang:en`` is kept only in an English run, and so on.

    Raises
    ------
    ValueError
        When a cell is tagged for a language the library does not know (a typo such as ``lang:ind``), or ``lang``
        is unknown.
    """
    from ..i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; the languages are: {', '.join(LANGUAGES)}")
    kept = []
    for index, cell in enumerate(nb.cells):
        tagged = [tag[len(LANGUAGE_TAG):] for tag in cell.get("metadata", {}).get("tags", [])
                  if tag.startswith(LANGUAGE_TAG)]
        unknown = [code for code in tagged if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"cell {cell.get('id', index)!r} is tagged for unknown language(s) {unknown}; "
                             f"the languages are: {', '.join(LANGUAGES)}")
        if not tagged or lang in tagged:
            kept.append(cell)
    nb.cells = kept
    nb.metadata["studylib_run"] = {**nb.metadata.get("studylib_run", {}), "lang": lang}
    return nb


def _register_engine() -> None:
    """Register (once) the papermill engine that runs :func:`cells_for_language` on the parameterised notebook."""
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE_NAME in papermill_engines._engines:
        return

    class LanguageEngine(NBClientEngine):
        """nbclient's engine, executing only the cells of the run's language (its ``lang`` parameter)."""

        @classmethod
        def execute_notebook(cls, nb, kernel_name, **kwargs):
            # the runner passes lang only when it is not the notebooks' default, English
            lang = nb.metadata.get("papermill", {}).get("parameters", {}).get("lang") or "en"
            return super().execute_notebook(cells_for_language(nb, lang), kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, LanguageEngine)


def run_notebook(notebook: str | Path, parameters: dict | None = None, *, data_dirs=(), out: str | Path | None = None,
                 kernel: str | None = None) -> RunResult:
    """Execute one notebook with papermill and render its outputs.

    Parameters are checked (names, types, ids in the data) before any kernel starts; a
    :class:`~studylib.ParameterError` or :class:`~studylib.ValidationError` is raised then. Failures while the
    notebook runs are returned as a failed :class:`RunResult`, never raised.
    """
    if kernel is None:
        from .kernels.warm import announce

        announce()  # one line when warm kernels are not available here
    return _render(_start(notebook, parameters, data_dirs=data_dirs, out=out, kernel=kernel))


def _start(notebook, parameters, *, data_dirs, out, kernel) -> Executed:
    """Check the parameters, then execute the notebook in a fresh staging folder beside its destination."""
    path = resolve_notebook(notebook)
    stem = path.stem
    parameters = dict(parameters or {})
    clash = [p for p in RUNNER_PARAMETERS if p in parameters]
    if clash:
        raise ParameterError(f"{', '.join(clash)} are set by the runner: use --data / --out instead")
    data_dirs = [str(Path(d).resolve()) for d in data_dirs]
    bundle = _load_bundle_cached(data_dirs)
    spec = notebook_parameters(path)
    checked = check_parameters(stem, {**parameters, "data_dirs": data_dirs, "output_dir": ""}, spec=spec, bundle=bundle)
    parameters = {name: checked[name] for name in parameters}  # as checked (e.g. a network_file made absolute)
    slug = run_slug(checked, spec)
    root = Path(out).resolve() if out else OUTPUTS_DIR
    dest = root / stem / slug
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        for leftover in dest.parent.glob(f".{slug}.partial-*"):
            if not _alive(leftover):
                shutil.rmtree(leftover, ignore_errors=True)  # an earlier run that was killed mid-way
        staging = dest.parent / f".{slug}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
    except OSError as exc:  # read-only, a file in the way, /proc: the --out chosen, not a bug
        raise RunError(f"{root}: cannot write the run's outputs there ({exc.strerror or exc}); choose another --out") \
            from None
    try:
        return _execute(path, parameters, data_dirs, staging, dest, checked, bundle, kernel)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # interrupted (Ctrl-C): no half-written folder is left
        raise


def _execute(path: Path, parameters: dict, data_dirs: list, staging: Path, dest: Path, checked: dict, bundle,
             kernel: str | None) -> Executed:
    """Execute the notebook into ``staging`` (the kernel takes over the runner's validated data)."""
    import papermill as pm

    from ..bundle.handover import hand_over, remove_handover
    from .kernels.warm import kernel_name

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    status, error = "ok", ""
    try:
        hand_over(bundle, staging)  # the kernel's open_study takes it over instead of validating again
    except Exception:  # noqa: BLE001 - only a saving: without it the kernel validates the data itself
        remove_handover(staging)
    _register_engine()
    try:
        pm.execute_notebook(
            str(path), str(staging / f"{path.stem}.ipynb"),
            parameters={**parameters, "data_dirs": data_dirs, "output_dir": str(staging)},
            kernel_name=kernel or kernel_name(), progress_bar=False, log_output=False, cwd=str(staging),
            request_save_on_cell_execute=False, shutdown_kernel="immediate", engine_name=ENGINE_NAME,
            **kernel_transport(),
        )
    except Exception as exc:  # noqa: BLE001 - any failure inside the kernel is a failed run, reported below
        status, error = "failed", _error_text(exc)
    finally:
        remove_handover(staging)
    files = {**bundle.files, **input_files(data_dirs, checked)}
    return Executed(path.stem, staging, dest, status, error, time.perf_counter() - t0, started, checked,
                     {display_path(p): h for p, h in sorted(files.items())}, bundle.sources)


_HASHES: dict = {}  # (path, size, mtime_ns) -> sha256: a batch hashes the network file once, not once per run


def _hash(path: Path) -> str:
    from ..provenance import file_sha256

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def input_files(data_dirs, checked: dict) -> dict[str, str]:
    """SHA-256 of every data file a run can read, keyed by absolute path, for its manifest.

    Every file of every data layer (the study's ``data/`` and each ``--data`` folder: tables, archived source
    texts, reliability codings, the bundled network), of every folder in ``variant_dirs``, and the
    ``network_file``; not Markdown (notes and logs a run does not read), hidden files, nor the study's
    ``data/local/`` (researchers' own folders, hashed when layered with ``--data``).
    """
    folders = [Path(DATA_DIR), *(Path(d) for d in data_dirs), *(Path(d) for d in checked.get("variant_dirs") or [])]
    found: dict[str, str] = {}
    study = Path(DATA_DIR).resolve()
    for folder in folders:
        folder = folder.resolve()
        if not folder.is_dir():
            continue
        for f in sorted(folder.rglob("*")):
            rel = f.relative_to(folder).parts
            if not f.is_file() or f.suffix.lower() == ".md" or any(part.startswith(".") for part in rel):
                continue
            if folder == study and rel[0] == "local":
                continue  # a researcher's folder under data/local/ is an input only when layered (walked as its own)
            found[str(f)] = _hash(f)
    network = checked.get("network_file")
    if network and Path(network).is_file():
        found[str(Path(network).resolve())] = _hash(Path(network).resolve())
    return found


_LAST_BUNDLE: list = []  # [Bundle]: what this process validated last


def _load_bundle_cached(data_dirs: list[str]):
    """``load_bundle(DATA_DIR, *data_dirs)``, remembered in this process for as long as the files' bytes are the same.

    A worker that runs many notebooks on the same data validates it once: the bundle is reused while every table
    file has the SHA-256 of the bytes that were validated (see :func:`studylib.bundle.handover.is_current`). One bundle is
    kept, so a million-row bundle does not pile up in a long-lived worker.
    """
    from ..bundle.handover import is_current
    from ..bundle.load import load_bundle
    from ..errors import DataWarning

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
    if ename in {error.__name__ for error in USER_ERRORS}:
        return f"{ename}: {exc.evalue}"
    if ename:
        return f"{ename}: {exc.evalue} (see the failed notebook for the traceback)"
    return f"{type(exc).__name__}: {exc}"


def _alive(staging: Path) -> bool:
    """Whether the process named in a staging folder's name (``.<slug>.partial-<pid>-<id>``) still runs."""
    try:
        pid = int(staging.name.rsplit(".partial-", 1)[1].split("-")[0])
    except (ValueError, IndexError):
        return False
    return pid_alive(pid)  # our own process too: one of its runs may be waiting to be rendered
