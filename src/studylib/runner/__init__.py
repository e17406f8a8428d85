"""The runner, outside the kernel: execute notebooks with papermill, render them, run batches, print PDFs, package.

:mod:`.execute` runs one notebook in a staging folder, :mod:`.render` writes its HTML and manifest and moves it into
place, :mod:`.batch` runs many at once, :mod:`.pdf` prints reports with Chromium, :mod:`.package` builds the
replication package; :mod:`.result` holds what passes between them, :mod:`.kernels` which kernel runs them.
"""

from importlib import import_module

_LAZY = {"execute": ["run_notebook"], "batch": ["run_many", "run_batch", "run_study"],
         "result": ["RunResult", "Executed"], "render": ["export_html"], "package": ["build_package"]}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = list(_WHERE)


def __getattr__(name):
    if name in _WHERE:  # loaded on first use: papermill and nbconvert are slow to import
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
