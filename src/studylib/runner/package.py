"""A replication package a data editor can check: ``studylib package`` writes one zip with the data, code,
notebooks, rendered runs, bibliography, exact package versions, ``CITATION.cff``, RO-Crate metadata and a README in
the Social Science Data Editors' template (data availability, computational requirements with measured run times,
instructions, and every figure and table traced to its notebook and file).

Runs that are missing or stale (their manifest's data hashes or git commit differ from now) are rendered first.
"""

from __future__ import annotations

import json
import os
import platform
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..errors import RunError, StudyError
from ..paths import DATA_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_ROOT
from ..provenance import atomic_target, file_sha256

__all__ = ["build_package", "lock_file", "stale_reason", "find_runs", "ro_crate"]

FIGURE_SUFFIXES = (".png", ".svg")
TABLE_SUFFIXES = (".csv", ".tex")
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".git", ".DS_Store"}


@dataclass
class _Run:
    folder: Path
    manifest: dict
    notebook: str = field(init=False)

    def __post_init__(self):
        self.notebook = self.manifest.get("notebook", self.folder.parent.name)

    @property
    def data_dirs(self) -> list[str]:
        return list(self.manifest.get("parameters", {}).get("data_dirs", []))


def lock_file() -> str:
    """Every installed distribution as ``name==version``, sorted (``pip freeze`` without pip), with Python's version."""
    seen = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in seen and name.lower() != "studylib":  # the project itself: pip install -e .
            seen[name.lower()] = f"{name}=={dist.version}"
    lines = sorted(seen.values(), key=str.lower)
    return (f"# Exact package versions of the environment that rendered this package (Python "
            f"{platform.python_version()}, {platform.system()} {platform.machine()}).\n" + "\n".join(lines) + "\n")


def stale_reason(manifest: dict) -> str:
    """Why a run's outputs no longer match the code and data ("" when they still do)."""
    from ..provenance import git_state

    commit, _ = git_state()
    ran = manifest.get("git", {}).get("commit", "unknown")
    if ran != commit:
        return f"rendered at commit {ran[:12]}, the code is now at {commit[:12]}"
    for shown, digest in manifest.get("data_files", {}).items():
        path = Path(shown) if Path(shown).is_absolute() else PROJECT_ROOT / shown
        if not path.is_file():
            return f"{shown} no longer exists"
        if file_sha256(path) != digest:
            return f"{shown} changed since the run"
    return ""


def find_runs(outputs: Path) -> list[_Run]:
    """The succeeded run folders under ``outputs`` (``<notebook>/<slug>/manifest.json`` with status ok)."""
    runs = []
    for manifest in sorted(Path(outputs).glob("*/*/manifest.json")):
        folder = manifest.parent
        if folder.name.startswith(".") or folder.name.endswith(".failed") or folder.name.startswith("_summary"):
            continue
        try:
            record = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if record.get("status") == "ok":
            runs.append(_Run(folder, record))
    return runs


def _render_missing(outputs: Path, *, notebooks, workers, progress) -> list[str]:
    """Render the study's default runs that are missing, and every run that is stale; return what was done."""
    from .batch import run_many
    from ..report.parameters import check_parameters, list_notebooks, run_slug

    out = None if Path(outputs).resolve() == OUTPUTS_DIR.resolve() else str(outputs)
    have = {(r.notebook, r.folder.name): r for r in find_runs(outputs)}
    jobs, done = [], []
    for nb in [nb for nb in list_notebooks() if nb != "explore"] if notebooks is None else notebooks:
        default_slug = run_slug(check_parameters(nb, {"data_dirs": [], "output_dir": ""}))
        if (nb, default_slug) not in have:
            jobs.append((nb, {}, [], out))
            done.append(f"{nb}: not rendered yet")
    for run in have.values():
        reason = stale_reason(run.manifest)
        if not reason:
            continue
        missing = [d for d in run.data_dirs if not Path(d).is_dir()]
        if missing:
            raise RunError(f"{run.folder} is stale ({reason}) and cannot be rendered again: its data folder "
                           f"{missing[0]} is gone; delete the run folder or restore the data")
        params = {k: v for k, v in run.manifest.get("parameters", {}).items() if k != "data_dirs"}
        jobs.append((run.notebook, params, run.data_dirs, out))
        done.append(f"{run.notebook}/{run.folder.name}: {reason}")
    if jobs:
        failed = [r for r in run_many(jobs, workers=workers, progress=progress) if not r.ok]
        if failed:
            raise RunError("cannot package: " + "; ".join(f"{r.notebook} ({r.slug}) failed: {r.error}"
                                                          for r in failed))
    return done


def _files(folder: Path):
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not (_SKIP & set(path.relative_to(folder).parts)) \
                and not any(p.startswith(".") for p in path.relative_to(folder).parts):
            yield path


def _layer_name(index: int, folder: str) -> str:
    return f"data-layers/{index}-{Path(folder).name}"


def build_package(out: str | Path | None = None, *, outputs: str | Path | None = None, notebooks=None,
                  workers: int | None = None, progress: bool = True) -> Path:
    """Render what is missing or stale, then write the replication zip; return its path.

    Parameters
    ----------
    out : path-like, optional
        The zip to write (default ``outputs/replication-package.zip``); replaced only once complete.
    outputs : path-like, optional
        The folder of rendered runs to package (default ``outputs/``): every succeeded run in it is packaged.
    notebooks : list of str, optional
        The notebooks whose default run must be there (rendered when missing); default every study notebook.
    workers : int, optional
        Parallel notebooks when rendering (default: the number of cores).
    """
    outputs = Path(outputs).resolve() if outputs else OUTPUTS_DIR
    target = Path(out).expanduser().resolve() if out else OUTPUTS_DIR / "replication-package.zip"
    if target.suffix.lower() != ".zip":
        raise StudyError(f"{target}: the package is a zip file; give --out a name ending in .zip")
    rendered = _render_missing(outputs, notebooks=notebooks, workers=workers, progress=progress)
    runs = find_runs(outputs)
    layers = list(dict.fromkeys(d for run in runs for d in run.data_dirs))
    entries: dict[str, Path | bytes] = {}
    for path in _files(DATA_DIR):
        entries[f"data/{path.relative_to(DATA_DIR).as_posix()}"] = path
    for i, folder in enumerate(layers, start=1):
        for path in _files(Path(folder)):
            entries[f"{_layer_name(i, folder)}/{path.relative_to(folder).as_posix()}"] = path
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        entries[f"notebooks/{path.name}"] = path
    for path in _files(PROJECT_ROOT / "src" / "studylib"):
        entries[f"src/studylib/{path.relative_to(PROJECT_ROOT / 'src' / 'studylib').as_posix()}"] = path
    for name in ("CITATION.cff", "pyproject.toml", "environment.yml", "LICENSE", "Makefile"):
        if (PROJECT_ROOT / name).is_file():
            entries[name] = PROJECT_ROOT / name
    run_paths = {}
    for run in runs:
        base = f"outputs/{run.notebook}/{run.folder.name}"
        run_paths[id(run)] = base
        for path in _files(run.folder):
            entries[f"{base}/{path.relative_to(run.folder).as_posix()}"] = path
    for summary in sorted(outputs.glob("*/_summary*")):
        for path in _files(summary):
            entries[f"outputs/{summary.parent.name}/{summary.name}/{path.relative_to(summary).as_posix()}"] = path
    entries["references.bib"] = _bibliography(runs).encode("utf-8")
    entries["requirements-lock.txt"] = lock_file().encode("utf-8")
    entries["README.md"] = _readme(runs, run_paths, layers, rendered).encode("utf-8")
    entries["ro-crate-metadata.json"] = json.dumps(ro_crate(entries, runs, run_paths), indent=2,
                                                   ensure_ascii=False).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(target, suffix=".partial") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(entries):
                content = entries[name]
                if isinstance(content, bytes):
                    zf.writestr(f"replication/{name}", content)
                else:
                    zf.write(content, f"replication/{name}")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a package is for sharing
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _bibliography(runs: list[_Run]) -> str:
    """BibTeX of every source the packaged runs' tables cite (each run's data layers read for its sources)."""
    import pandas as pd

    from ..bundle.load import load_bundle
    from ..report.references import cited_source_ids, to_bibtex

    frames, ids = [], set()
    for layers in dict.fromkeys(tuple(run.data_dirs) for run in runs) or [()]:
        frames.append(load_bundle(DATA_DIR, *layers).sources)
    for run in runs:
        ids.update(cited_source_ids(run.folder / "tables"))
    sources = pd.concat(frames, ignore_index=True).drop_duplicates("source_id", keep="last")
    return to_bibtex(sources, sorted(ids))


def _kind(path: str) -> str | None:
    if "/figures/" in path and path.endswith(FIGURE_SUFFIXES):
        return "Figure"
    if "/tables/" in path and path.endswith(TABLE_SUFFIXES):
        return "Table"
    return None


def _outputs_list(runs, run_paths) -> list[tuple[str, str, str, str]]:
    """(kind, name, notebook with parameters, packaged file) for every figure and table file of the runs."""
    rows = []
    for run in runs:
        params = ", ".join(f"{k}={v}" for k, v in run.manifest.get("parameters", {}).items()
                           if k != "data_dirs" and v not in ([], ""))
        for rel in sorted(run.manifest.get("files", [])):
            packaged = f"{run_paths[id(run)]}/{rel}"
            kind = _kind(packaged)
            if kind and (run.folder / rel).is_file():
                rows.append((kind, Path(rel).stem, f"notebooks/{run.notebook}.ipynb ({params or 'defaults'})",
                             packaged))
    return rows


def _readme(runs, run_paths, layers, rendered) -> str:
    commit = runs[0].manifest.get("git", {}).get("commit", "unknown") if runs else "unknown"
    durations = [(r.notebook, r.folder.name, float(r.manifest.get("duration_seconds", 0.0))) for r in runs]
    total = sum(d for *_, d in durations)
    versions = runs[0].manifest.get("packages", {}) if runs else {}
    time_rows = "\n".join(f"| {nb} | {slug} | {sec:.1f} |" for nb, slug, sec in durations)
    layer_lines = "\n".join(f"- `{_layer_name(i, d)}/`: a researcher's data folder layered over `data/` "
                            f"(originally `{d}`)" for i, d in enumerate(layers, 1)) or "- (none: every run uses `data/` alone)"
    run_commands = "\n".join(
        "    studylib run {nb}{params}{data}".format(
            nb=r.notebook,
            params="".join(f" -p {k} {json.dumps(v) if isinstance(v, list) else v}"
                           for k, v in r.manifest.get("parameters", {}).items() if k != "data_dirs"),
            data="".join(f" --data {_layer_name(layers.index(d) + 1, d)}" for d in r.data_dirs))
        for r in runs)
    listing = "\n".join(f"| {kind} | {name} | {nb} | `{path}` |" for kind, name, nb, path in _outputs_list(runs, run_paths))
    refreshed = ("\n".join(f"- {line}" for line in rendered)) or "- none (every run was current)"
    dirty = [f"{r.notebook}/{r.folder.name}" for r in runs if r.manifest.get("git", {}).get("dirty")]
    if dirty:
        refreshed += ("\n\n**Note:** rendered from a checkout with uncommitted changes (so the commit above does not "
                      f"hold the exact code): {', '.join(dirty)}.")
    return f"""# Replication package: paradiplomacy comparative study workbook

Written by `studylib package` on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} from git commit
`{commit}`. It follows the Social Science Data Editors' template README
(https://social-science-data-editors.github.io/template_README/).

## Overview

The code in `src/studylib/` and the notebooks in `notebooks/` produce every figure and table below from the coded
data in `data/`. Each run folder under `outputs/` holds the rendered report (`report.html`, `report.pdf` when a
Chromium was available), the executed notebook (`notebook.html`, `*.ipynb`), its figures and tables (CSV and
booktabs LaTeX), the sources its tables cite (`references.bib`, `references.json`) and a `manifest.json`
recording parameters, data-file SHA-256 hashes, package versions, git commit and run time.

## Data availability and provenance statements

The data are coded by the study's authors, row by row, from published documents; every row names its source
(`source_id`, see `data/sources.csv`) and a locator within it. The sources the packaged results cite are listed in
`references.bib` (BibTeX; each entry's `note` is the citation as coded, and entries without an address say so).
The source documents themselves are not redistributed here; they are cited. The coded data are released with the
code under the MIT licence (see `CITATION.cff`). The variables are documented in the codebook,
`src/studylib/bundle/codebook.yaml`.

Data folders in this package:

- `data/`: the study's coded data (the codebook's tables, inter-coder reliability material in `data/reliability/`)
{layer_lines}

## Computational requirements

- Python {versions.get('python', platform.python_version())}; the exact versions of every package are in
  `requirements-lock.txt` (install with `pip install -r requirements-lock.txt`, then `pip install -e .`);
  `pyproject.toml` and `environment.yml` give the minimum versions.
- `report.pdf` is printed by a headless Chromium (`chromium`), with a CJK font for Hangul, Kana and Kanji
  (Debian/Ubuntu: `apt-get install chromium fonts-noto-cjk`). Without them the reports are HTML only.
- Measured run time of each notebook (from its `manifest.json`; {os.cpu_count()} cores, {platform.system()}
  {platform.machine()}): {total:.1f} seconds in all.

| notebook | run | seconds |
|---|---|---|
{time_rows}

## Description of programs

- `src/studylib/`: the analysis library (reading and validating data, panels, metrics, models, charts, reports).
- `notebooks/*.ipynb`: one parameterised notebook per analysis, run with papermill; committed without outputs.

## Instructions to replicators

    pip install -r requirements-lock.txt && pip install -e .
    studylib validate
    studylib study          # every study notebook with its default parameters
{run_commands}

Each command writes `outputs/<notebook>/<run>/`; compare its tables with the packaged ones.

Runs rendered again while this package was written (missing or stale):
{refreshed}

## List of tables and figures

Every figure and table file, the notebook (with parameters) that writes it, and the file in this package.

| kind | name | notebook | file |
|---|---|---|---|
{listing}

## References

See `references.bib` (and `references.json`, CSL-JSON, in each run folder).
"""


_MIME = {".csv": "text/csv", ".tex": "application/x-tex", ".png": "image/png", ".svg": "image/svg+xml",
         ".pdf": "application/pdf", ".html": "text/html", ".json": "application/json", ".md": "text/markdown",
         ".ipynb": "application/x-ipynb+json", ".bib": "application/x-bibtex", ".yaml": "application/yaml",
         ".yml": "application/yaml", ".cff": "application/yaml", ".py": "text/x-python", ".txt": "text/plain",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".toml": "application/toml"}


def ro_crate(entries: dict, runs, run_paths) -> dict:
    """RO-Crate 1.1 metadata (JSON-LD) of the package: the root dataset, every file, the notebooks as software."""
    import yaml

    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8")) \
        if (PROJECT_ROOT / "CITATION.cff").is_file() else {}
    files = sorted(n for n in [*entries, "ro-crate-metadata.json"] if n != "ro-crate-metadata.json")
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork",
         "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}},
        {"@id": "./", "@type": "Dataset", "name": cff.get("title", "Paradiplomacy comparative study workbook"),
         "description": " ".join(str(cff.get("abstract", "Replication package of the study workbook.")).split()),
         "datePublished": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
         "license": {"@id": "https://spdx.org/licenses/MIT"}, "version": str(cff.get("version", "")),
         "hasPart": [{"@id": name} for name in files]},
        {"@id": "https://spdx.org/licenses/MIT", "@type": "CreativeWork", "name": "MIT License"},
    ]
    for name in files:
        entity = {"@id": name, "@type": "File", "encodingFormat": _MIME.get(Path(name).suffix, "application/octet-stream")}
        content = entries[name]
        entity["contentSize"] = str(len(content) if isinstance(content, bytes) else content.stat().st_size)
        if name.startswith("notebooks/") and name.endswith(".ipynb"):
            entity["@type"] = ["File", "SoftwareSourceCode"]
            entity["programmingLanguage"] = "Python"
        graph.append(entity)
    return {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}
