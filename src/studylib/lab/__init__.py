"""JupyterLab: the explorer (:mod:`.explorer`, its widgets in :mod:`.widgets`), the coding workbench (:mod:`.coding`,
:mod:`.workbench`, :mod:`.passages`, :mod:`.csv_rows`) and the pre-save hook of ``make lab`` (:mod:`.hooks`).

Pure views and sessions (explorer, coding) are kept apart from the ipywidgets shells that drive them.
"""

from importlib import import_module

from .hooks import strip_outputs

_LAZY = {"widgets": ["Explorer", "explore"], "workbench": ["CodingSession", "CodingWorkbench", "code_sources"]}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = ["strip_outputs", *_WHERE]


def __getattr__(name):
    if name in _WHERE:  # ipywidgets loads on first use
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
