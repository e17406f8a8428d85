"""JupyterLab for the project (``make lab``): saving a study notebook never writes outputs into the tracked file.

The workbench (``notebooks/explore.ipynb``) and the study notebooks are committed without outputs; JupyterLab's
autosave would otherwise write every chart into them (a dirty checkout, ``dirty: true`` in every manifest). The
server's documented ``ContentsManager.pre_save_hook`` strips outputs from notebooks in ``notebooks/`` as they are
saved: the live session keeps its outputs, the file on disk stays as committed (code and Markdown edits are
saved). JupyterLab also writes the kernel's ``language_info`` (version, mimetype, codemirror mode ...) into the
notebook's metadata on every save; the hook keeps only its ``name``, as the notebooks are committed, so that saving
an unchanged notebook leaves ``git status`` clean. ``make lab`` serves the project root (outputs and data can be
browsed); the hook still only touches notebooks directly in ``notebooks/``. A git filter such as nbstripout was not chosen: it needs installing in every clone and leaves the outputs
in the file itself, where the tests and the runner read it. Notebooks elsewhere are saved as they are.
"""

from __future__ import annotations

from pathlib import Path

from ..paths import NOTEBOOKS_DIR

__all__ = ["strip_outputs", "PRE_SAVE_HOOK"]

#: The import string ``make lab`` passes to ``--ContentsManager.pre_save_hook``.
PRE_SAVE_HOOK = "studylib.lab.strip_outputs"


def strip_outputs(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Pre-save hook: clear the outputs, execution counts, widget state and kernel version details (``language_info``
    beyond its name) of a notebook saved in ``notebooks/``.

    ``path`` is the server's path relative to its root folder (``contents_manager.root_dir``).
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", "") or ".")
    target = (root / path.lstrip("/")).resolve()
    if target.parent != NOTEBOOKS_DIR.resolve():
        return
    nb = model["content"]
    metadata = nb.get("metadata", {})
    metadata.pop("widgets", None)
    if isinstance(metadata.get("language_info"), dict):  # the committed notebooks hold {"name": "python"} only
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
