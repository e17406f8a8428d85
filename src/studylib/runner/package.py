"""A replication package a data editor can check: ``studylib package`` writes one zip with the data, code,
notebooks, rendered runs, bibliography, exact package versions, ``CITATION.cff``, RO-Crate metadata and a README in
the Social Science Data Editors' template (data availability, computational requirements with measured run times,
instructions, and every figure and table traced to its notebook and file).

Runs that are missing or stale (their manifest's data hashes or git commit differ from now) are rendered first.
"""

from __future__ import annotations

import fnmatch
import json
import os
import platform
import shlex
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..errors import RunError, StudyError
from ..paths import DATA_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_ROOT
from ..provenance import atomic_target, file_sha256

__all__ = ["build_package", "lock_file", "stale_reason", "find_runs", "ro_crate", "replicator_command"]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
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

    @property
    def name(self) -> str:
        return f"{self.notebook}/{self.folder.name}"

    def matches(self, patterns) -> bool:
        """Whether ``--runs`` patterns (``NOTEBOOK`` or ``NOTEBOOK/RUN``, shell wildcards allowed) select this run."""
        return any(fnmatch.fnmatchcase(self.name, p) or fnmatch.fnmatchcase(self.notebook, p) for p in patterns)


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


def _render_missing(outputs: Path, *, notebooks, workers, progress, runs=None) -> list[str]:
    """Render the study's default runs that are missing, and every (selected) run that is stale; return what was
    done. Workbench notebooks (``explore``, ``code_sources``) are interactive, not reports: never rendered here."""
    from ..report.parameters import WORKBENCH_NOTEBOOKS, check_parameters, list_notebooks, run_slug
    from .batch import run_many

    out = None if Path(outputs).resolve() == OUTPUTS_DIR.resolve() else str(outputs)
    have = {(r.notebook, r.folder.name): r for r in find_runs(outputs) if runs is None or r.matches(runs)}
    if notebooks is None:
        notebooks = [nb for nb in list_notebooks() if nb not in WORKBENCH_NOTEBOOKS
                     and (runs is None or any(fnmatch.fnmatchcase(nb, p) for p in runs))]
    jobs, done = [], []
    for nb in notebooks:
        default_slug = run_slug(check_parameters(nb, {"data_dirs": [], "output_dir": ""}))
        if (nb, default_slug) not in have and not (runs is not None and any(k[0] == nb for k in have)):
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
                  runs: list[str] | None = None, workers: int | None = None, progress: bool = True) -> Path:
    """Render what is missing or stale, then write the replication zip; return its path.

    Parameters
    ----------
    out : path-like, optional
        The zip to write (default ``outputs/replication-package.zip``); replaced only once complete.
    outputs : path-like, optional
        The folder of rendered runs to package (default ``outputs/``): every succeeded run in it is packaged.
    notebooks : list of str, optional
        The notebooks whose default run must be there (rendered when missing); default every study notebook
        (those ``runs`` selects, when given), never the interactive workbenches.
    runs : list of str, optional
        Which runs go in: ``NOTEBOOK`` or ``NOTEBOOK/RUN`` patterns (shell wildcards allowed, e.g.
        ``pair_profile/*``); default every succeeded run in ``outputs``. A pattern that selects nothing is an error.
    workers : int, optional
        Parallel notebooks when rendering (default: the number of cores).
    """
    outputs = Path(outputs).resolve() if outputs else OUTPUTS_DIR
    target = Path(out).expanduser().resolve() if out else OUTPUTS_DIR / "replication-package.zip"
    if target.suffix.lower() != ".zip":
        raise StudyError(f"{target}: the package is a zip file; give --out a name ending in .zip")
    patterns = [p.strip().strip("/") for p in runs or [] if p.strip()] or None
    rendered = _render_missing(outputs, notebooks=notebooks, workers=workers, progress=progress, runs=patterns)
    every = find_runs(outputs)
    runs = [r for r in every if patterns is None or r.matches(patterns)]
    for pattern in patterns or []:
        if not any(r.matches([pattern]) for r in runs):
            raise StudyError(f"--runs {pattern}: no rendered run matches; the runs are: "
                             f"{', '.join(r.name for r in every) or '(none)'}")
    layers = list(dict.fromkeys(d for run in runs for d in run.data_dirs))
    inputs = _input_files(runs)
    entries: dict[str, Path | bytes] = {}
    for path in _files(DATA_DIR):
        entries[f"data/{path.relative_to(DATA_DIR).as_posix()}"] = path
    for i, folder in enumerate(layers, start=1):
        for path in _files(Path(folder)):
            entries[f"{_layer_name(i, folder)}/{path.relative_to(folder).as_posix()}"] = path
    for path, packaged in inputs.items():
        entries[packaged] = path
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
    for summary in sorted(outputs.glob("*/_summary*")) if patterns is None else []:
        for path in _files(summary):
            entries[f"outputs/{summary.parent.name}/{summary.name}/{path.relative_to(summary).as_posix()}"] = path
    entries["references.bib"] = _bibliography(runs).encode("utf-8")
    entries["requirements-lock.txt"] = lock_file().encode("utf-8")
    entries["README.md"] = _readme(runs, run_paths, layers, rendered, inputs).encode("utf-8")
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


#: Parameters whose value is a file the run read; packaged under ``inputs/`` unless it is inside ``data/``.
FILE_PARAMETERS = ("network_file",)


def _input_files(runs) -> dict[Path, str]:
    """Every input file a run read that is not in a packaged data folder (a user's network file): its path ->
    its name in the package (``inputs/<n>-<file name>``)."""
    found: dict[Path, str] = {}
    for run in runs:
        for name in FILE_PARAMETERS:
            value = run.manifest.get("parameters", {}).get(name)
            if not value:
                continue
            path = Path(value).expanduser().resolve()
            if not path.is_file():
                raise StudyError(f"{run.folder}: its {name} {value} is gone; restore it, or delete the run folder "
                                 f"(or leave it out with --runs)")
            if path.is_relative_to(DATA_DIR.resolve()) or path in found:
                continue
            found[path] = f"inputs/{len(found) + 1}-{path.name}"
    return found


def _packaged_path(value: str, inputs: dict[Path, str]) -> str:
    """The path, relative to the package root, of an input file a run read."""
    path = Path(value).expanduser().resolve()
    if path in inputs:
        return inputs[path]
    if path.is_relative_to(DATA_DIR.resolve()):
        return f"data/{path.relative_to(DATA_DIR.resolve()).as_posix()}"
    return value


def replicator_command(run, layers: list[str], inputs: dict[Path, str]) -> str:
    """The ``studylib run`` command that renders ``run`` again inside the package, quoted for a POSIX shell.

    Every parameter that differs from the notebook's default is given (lists as ``a,b``, the form ``-p`` reads;
    booleans as ``true``/``false``); files are named by their path in the package; data layers by ``--data``.
    """
    from ..report.parameters import _default_value, notebook_parameters

    try:
        spec = notebook_parameters(run.notebook)
    except StudyError:
        spec = {}
    words = ["studylib", "run", run.notebook]
    for name, value in run.manifest.get("parameters", {}).items():
        if name == "data_dirs" or (name in spec and value == _default_value(spec[name])):
            continue
        if name in FILE_PARAMETERS and value:
            value = _packaged_path(value, inputs)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            if any("," in str(v) for v in value):
                text = json.dumps([str(v) for v in value])
            else:
                text = ",".join(map(str, value))
        else:
            text = str(value)
        words += ["-p", name, text]
    for d in run.data_dirs:
        words += ["--data", _layer_name(layers.index(d) + 1, d)]
    return shlex.join(words)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _bibliography(runs: list[_Run]) -> str:
    """BibTeX of every source and method the packaged runs cite: those in each run's ``references.json`` (its
    tables' sources, the sources and methods its report names), each run's data layers read for its sources."""
    import pandas as pd

    from ..bundle.load import load_bundle
    from ..report.references import cited_source_ids, method_references, to_bibtex

    frames, ids = [], set()
    for layers in dict.fromkeys(tuple(run.data_dirs) for run in runs) or [()]:
        frames.append(load_bundle(DATA_DIR, *layers).sources)
    for run in runs:
        ids.update(cited_source_ids(run.folder / "tables"))
        try:
            ids.update(item["id"] for item in json.loads((run.folder / "references.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    sources = pd.concat(frames, ignore_index=True).drop_duplicates("source_id", keep="last")
    return to_bibtex(sources, sorted(ids & set(sources["source_id"].astype(str))),
                     extra=method_references(ids))


def _kind(path: str) -> str | None:
    if "/figures/" in path and path.endswith(FIGURE_SUFFIXES):
        return "Figure"
    if "/tables/" in path and path.endswith(TABLE_SUFFIXES):
        return "Table"
    return None


def _outputs_list(runs, run_paths, inputs=None) -> list[tuple[str, str, str, str]]:
    """(kind, name, notebook with parameters, packaged file) for every figure and table file of the runs."""
    rows = []
    for run in runs:
        params = ", ".join(f"{k}={_packaged_path(v, inputs or {}) if k in FILE_PARAMETERS else v}"
                           for k, v in run.manifest.get("parameters", {}).items()
                           if k != "data_dirs" and v not in ([], ""))
        for rel in sorted(run.manifest.get("files", [])):
            packaged = f"{run_paths[id(run)]}/{rel}"
            kind = _kind(packaged)
            if kind and (run.folder / rel).is_file():
                rows.append((kind, Path(rel).stem, f"notebooks/{run.notebook}.ipynb ({params or 'defaults'})",
                             packaged))
    return rows


def _readme(runs, run_paths, layers, rendered, inputs=None) -> str:
    commit = runs[0].manifest.get("git", {}).get("commit", "unknown") if runs else "unknown"
    durations = [(r.notebook, r.folder.name, float(r.manifest.get("duration_seconds", 0.0))) for r in runs]
    total = sum(d for *_, d in durations)
    versions = runs[0].manifest.get("packages", {}) if runs else {}
    time_rows = "\n".join(f"| {nb} | {slug} | {sec:.1f} |" for nb, slug, sec in durations)
    inputs = inputs or {}
    layer_lines = "\n".join(f"- `{_layer_name(i, d)}/`: a researcher's data folder layered over `data/` "
                            f"(originally named `{Path(d).name}`)" for i, d in enumerate(layers, 1)) \
        or "- (none: every run uses `data/` alone)"
    layer_lines += "".join(f"\n- `{packaged}`: an input file a run read (originally named `{path.name}`)"
                           for path, packaged in inputs.items())
    run_commands = "\n".join(f"    {replicator_command(r, layers, inputs)}" for r in runs)
    listing = "\n".join(f"| {kind} | {name} | {nb} | `{path}` |" for kind, name, nb, path in _outputs_list(runs, run_paths, inputs))
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
`references.bib` (BibTeX: typed records with authors, title, year and venue where the study coded them; a source
known only by its coded citation is `@misc` with that citation as its `note`; entries without an address say so),
with the methods the reports use.
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

Run these from the package's root folder (the one holding this README); they are quoted for a POSIX shell
(bash, zsh) and name every file by its path inside the package.

    pip install -r requirements-lock.txt && pip install -e .
    studylib validate
    studylib study
{run_commands}

`studylib study` renders every study notebook with its default parameters; the lines after it render each packaged
run with its own parameters. Each command writes `outputs/<notebook>/<run>/`; compare its tables with the packaged ones.

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
