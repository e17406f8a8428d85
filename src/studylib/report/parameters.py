"""Notebook parameters: read them from a notebook, parse command-line values, check them against the data.

Checks run before any kernel starts (in the runner) and again in each notebook's second cell (for plain
papermill runs), so an unknown tie id fails fast with the list of valid ones.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import io
import json
import re
import tokenize
from functools import lru_cache
from pathlib import Path

from ..errors import ParameterError
from ..paths import NOTEBOOKS_DIR

__all__ = ["notebook_parameters", "parameters_in", "parse_value", "check_parameters", "check_language", "resolve_notebook", "list_notebooks", "run_slug", "WORKBENCH_NOTEBOOKS",
           "notebook_facts", "study_notebooks"]

#: Parameters whose values are ids in the data, and the table they must exist in.
ID_PARAMETERS = {"tie": "tie", "ties": "tie", "actor": "city", "city": "city"}
#: Parameters every study notebook has; the runner fills them.
RUNNER_PARAMETERS = ("data_dirs", "output_dir")
YEAR_RANGE = (1950, 2100)
#: What a notebook says of itself in its metadata (``metadata.studylib``), with the defaults for a notebook that says
#: nothing: ``workbench`` (an interactive workbench, not a report: ``studylib study`` does not render it) and
#: ``min_ids`` (lists of ids it needs at least so many of: a comparison needs two ties).
NOTEBOOK_FACTS = {"workbench": False, "min_ids": {}}


def notebook_facts(notebook: str | Path) -> dict:
    """The facts a notebook states about itself in ``metadata.studylib`` (see :data:`NOTEBOOK_FACTS`)."""
    path = resolve_notebook(notebook)
    return {**NOTEBOOK_FACTS, **_facts(str(path), path.stat().st_mtime)}


@lru_cache(maxsize=32)
def _facts(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        facts = json.load(fh).get("metadata", {}).get("studylib", {})
    unknown = set(facts) - set(NOTEBOOK_FACTS)
    if unknown:
        raise ValueError(f"{path}: unknown metadata.studylib keys {sorted(unknown)}; known: {sorted(NOTEBOOK_FACTS)}")
    return facts


def _min_ids(notebook) -> dict:
    try:
        return notebook_facts(notebook)["min_ids"]
    except ParameterError:  # a notebook given by a spec alone (tests, tools): it states nothing
        return {}


def study_notebooks() -> list[str]:
    """Stems of the notebooks that render a report (every notebook that is not a workbench)."""
    return [nb for nb in list_notebooks() if not notebook_facts(nb)["workbench"]]


def __getattr__(name):
    if name == "WORKBENCH_NOTEBOOKS":  # read from the notebooks' metadata, so a new workbench needs no code change
        return tuple(nb for nb in list_notebooks() if notebook_facts(nb)["workbench"])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def list_notebooks() -> list[str]:
    """Stems of the study notebooks in ``notebooks/``."""
    return sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb") if not p.stem.startswith("_"))


def resolve_notebook(name: str | Path) -> Path:
    """A notebook path from a stem (``pair_profile``) or a path; a clear error listing the stems otherwise."""
    path = Path(name)
    if path.suffix == ".ipynb" and path.exists():
        return path.resolve()
    candidate = NOTEBOOKS_DIR / f"{path.stem}.ipynb"
    if candidate.exists():
        return candidate
    names = list_notebooks()
    close = difflib.get_close_matches(path.stem, names, n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ParameterError(f"no notebook '{name}'.{hint} The study notebooks are: {', '.join(names)}")


@lru_cache(maxsize=32)
def _inspect(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        cells = json.load(fh).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return parameters_in("".join(source) if isinstance(source, list) else source)
    return {}


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell: name -> {name, default, inferred_type_name, help}."""
    path = resolve_notebook(notebook)
    return _inspect(str(path), path.stat().st_mtime)


def parameters_in(source: str) -> dict[str, dict]:
    """The parameters a ``parameters`` cell declares, as :func:`papermill.inspect_notebook` reports them.

    One entry per top-level assignment: ``name``, ``inferred_type_name`` (the annotation, or a ``# type:``
    comment, else ``'None'``), ``default`` (the value's source text) and ``help`` (the comment ending the
    statement). Reading the cell with :mod:`ast` keeps papermill, and the ~1.5 s its import costs, out of every
    kernel: :func:`studylib.open_study` checks parameters there.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    lines = source.splitlines()
    comments = _comments(source)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, annotation = node.target.id, ast.get_source_segment(source, node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation = node.targets[0].id, None
        else:
            continue
        default = ast.get_source_segment(source, node.value)
        if "\n" in default:
            default = ast.unparse(node.value)
        comment = comments.get(node.end_lineno, "") if node.end_lineno <= len(lines) else ""
        typed = re.match(r"type:\s*(\S*)\s*(.*)", comment)
        if typed:
            annotation, comment = annotation or typed.group(1), typed.group(2)
        found[name] = {"name": name, "inferred_type_name": (annotation or "None").strip("'\""),
                       "default": default, "help": comment}
    return found


def _comments(source: str) -> dict[int, str]:
    """Line number -> the text of the comment on that line (without '#')."""
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string[1:].strip()
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - ast.parse accepted the source
        pass
    return out


def _default_value(spec: dict):
    try:
        return ast.literal_eval(spec["default"])
    except (ValueError, SyntaxError):
        return spec["default"]


def parse_value(name: str, text: str, spec: dict):
    """Parse a command-line string for parameter ``name`` by the type of its default (never ``eval``)."""
    default = _default_value(spec)
    try:
        if isinstance(default, bool):
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return low in ("true", "1", "yes")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, list):
            text = text.strip()
            if text.startswith("["):
                import yaml

                value = yaml.safe_load(text)
                if not isinstance(value, list):
                    raise ValueError
                return [str(v) for v in value]
            return [v.strip() for v in text.split(",") if v.strip()]
    except ValueError:
        kind = type(default).__name__
        raise ParameterError(f"parameter '{name}': '{text}' is not a valid {kind} (default: {spec['default']})") from None
    return text  # strings stay exactly as typed: a city named 'Nan' stays 'Nan'


def check_parameters(notebook: str, values: dict, *, spec: dict | None = None, bundle=None) -> dict:
    """Check names, types and ids of ``values`` for ``notebook``; return them merged over the defaults.

    Raises
    ------
    ParameterError
        For an unknown name, a value of the wrong type or range, or an id not in the data (listing the valid ones).
    """
    spec = spec if spec is not None else notebook_parameters(notebook)
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise ParameterError(
            f"{notebook}: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(spec)}"
        )
    merged = {name: _default_value(s) for name, s in spec.items()}
    merged.update(values)
    for name, value in merged.items():
        default = _default_value(spec[name])
        expected = type(default)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ParameterError(f"parameter '{name}' must be true or false, not {value!r}")
        if expected is int and (not isinstance(value, int) or isinstance(value, bool)):
            raise ParameterError(f"parameter '{name}' must be a whole number, not {value!r}")
        if expected is list and not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
            raise ParameterError(f"parameter '{name}' must be a list of strings, not {value!r}")
        if expected is str and not isinstance(value, str):
            raise ParameterError(f"parameter '{name}' must be a string, not {value!r}")
    if "lang" in merged:
        check_language(merged["lang"])
    if "end_year" in merged and not YEAR_RANGE[0] <= merged["end_year"] <= YEAR_RANGE[1]:
        raise ParameterError(f"parameter 'end_year' must be between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}, not {merged['end_year']}")
    if merged.get("network_file"):  # read now, so a bad file fails before any kernel starts (its path made absolute)
        from ..network.graph import check_network_file

        merged["network_file"] = check_network_file(merged["network_file"])
    if bundle is not None:
        _check_ids(merged, bundle, minimum=_min_ids(notebook))
    return merged


def check_language(value: str) -> None:
    """Refuse a report language the library cannot write, naming the ones it can (and the likeliest meant).

    Raises
    ------
    ParameterError
        When ``value`` is not one of :data:`studylib.LANGUAGES`.
    """
    from ..i18n import LANGUAGE_NAMES, LANGUAGES

    if value in LANGUAGES:
        return
    if not isinstance(value, str):
        raise ParameterError(f"parameter 'lang' must be a string such as 'id', not {value!r}")
    by_name = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
    by_name.update({"indonesian": "id", "indonesia": "id", "bahasa": "id", "english": "en", "in": "id", "ind": "id",
                    "eng": "en"})
    low = value.strip().lower()
    guess = low if low in LANGUAGES else by_name.get(low) or next(iter(
        difflib.get_close_matches(low, list(LANGUAGES) + list(by_name), n=1, cutoff=0.6)), None)
    guess = by_name.get(guess, guess)
    hint = f" Did you mean '{guess}'?" if guess else ""
    choices = ", ".join(f"'{code}' ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
    raise ParameterError(f"parameter 'lang': unknown report language {value!r}.{hint} The languages are: {choices}")


def _check_ids(values: dict, bundle, minimum: dict | None = None) -> None:
    known = {"tie": bundle.tie_ids(), "city": sorted(bundle.cities["city_id"])}
    for name, kind in ID_PARAMETERS.items():
        if name not in values:
            continue
        items = values[name] if isinstance(values[name], list) else [values[name]]
        if not items:
            raise ParameterError(f"parameter '{name}' needs at least one {kind} id")
        repeated = sorted({i for i in items if items.count(i) > 1})
        if repeated:
            raise ParameterError(f"parameter '{name}' names {', '.join(map(repr, repeated))} more than once; "
                                 "give each tie once")
        least = (minimum or {}).get(name, 1)
        if len(items) < least:
            raise ParameterError(f"parameter '{name}' needs at least {least} different {kind} ids to compare, not "
                                 f"{items!r}" + ("; for one tie, run pair_profile" if kind == "tie" else ""))
        for item in items:
            if item not in known[kind]:
                swapped = "-".join(reversed(item.split("-", 1)))
                close = difflib.get_close_matches(item, known[kind], n=1, cutoff=0.8)
                if kind == "tie" and swapped in known[kind]:
                    hint = f" Did you mean {swapped!r}? A tie id names its cities in the order of ties.csv."
                else:
                    hint = (_forgotten_data(item, bundle) if kind == "tie" else "") or \
                        (f" Did you mean {close[0]!r}?" if close else "")
                raise ParameterError(
                    f"parameter '{name}': unknown {kind} id {item!r}.{hint} Valid {kind} ids: {', '.join(known[kind])}"
                )


def _forgotten_data(tie_id: str, bundle) -> str:
    """A hint when a tie missing from the data has a folder of its own that the run did not layer
    (``data/local/<tie_id>/``, as ``studylib new-pair`` makes it): the user most likely forgot ``--data``."""
    from ..paths import DATA_DIR, PROJECT_ROOT

    folder = DATA_DIR / "local" / tie_id
    layered = {Path(d).resolve() for d in getattr(bundle, "dirs", ())}
    if not folder.is_dir() or folder.resolve() in layered:
        return ""
    try:
        shown = folder.relative_to(PROJECT_ROOT)
    except ValueError:  # pragma: no cover - data/ is inside the project
        shown = folder
    return (f" Its data folder {shown}/ exists but is not part of this run: add --data {shown} "
            f"(a notebook run by hand: data_dirs=[\"{shown}\"]).")


def run_slug(values: dict, spec: dict | None = None) -> str:
    """Folder name for a run: its id parameters (e.g. 'surabaya-busan' or 'surabaya-busan+medan-gwangju'), then,
    given the notebook's ``spec``, every other parameter that differs from its default
    (e.g. 'surabaya-busan--end_year-2020'), so that runs with different parameters never share a folder. A run with
    ``--data`` folders gets their names and a hash of their absolute paths
    (e.g. 'surabaya-busan--data-bandung-suwon-1a2b3c4d'): it never writes into the default run's folder."""
    parts = []
    for name in ID_PARAMETERS:
        if name in values:
            v = values[name]
            parts.append("+".join(v) if isinstance(v, list) else v)
    if values.get("network_file"):  # a run on another network must not replace the default one's outputs
        parts.append(Path(values["network_file"]).stem)
    slug = "_".join(parts) or "default"
    dirs = [str(d) for d in values.get("data_dirs") or []]
    if dirs:  # a run on other data must not replace the default run's outputs, nor a run on other folders' outputs
        digest = hashlib.sha256("\n".join(str(Path(d).expanduser().resolve()) for d in dirs).encode()).hexdigest()[:8]
        slug += f"--data-{'+'.join(Path(d).name for d in dirs)[:40]}-{digest}"
    for name, s in (spec or {}).items():
        if name in ID_PARAMETERS or name in RUNNER_PARAMETERS or name not in values:
            continue
        value = values[name]
        if value != _default_value(s):
            text = "+".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            slug += f"--{name}-{text.lower() if isinstance(value, bool) else text}"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", slug)[:120]
