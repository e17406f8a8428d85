"""Load a data bundle: a folder of five tables described by the codebook, read, validated, layered and typed.

Several folders layer: the default ``data/`` first, then a researcher's folder that adds rows. Every
problem is collected (not just the first) and reported as ``file:line: column 'x': message``. Reading is in
:mod:`studylib.bundle.read`, the checks in :mod:`studylib.bundle.validate`; this module layers the folders and types the tables.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, Problem, StudyError, ValidationError
from ..paths import DATA_DIR
from . import dates
from .codebook import TABLES, Codebook, load_codebook
from .read import KEEP_PARSED_BYTES, ORIGIN_COLUMNS, read_table
from .sources import check_locators
from .validate import DATE_RE, _digits, _numbers, check_columns, check_rows, check_values

DATE_PRECISIONS = ["year", "month", "day", "uncertain", "unknown"]  # of a date column's <col>_precision

__all__ = ["Bundle", "ValidationResult", "load_bundle", "validate_bundle"]


class _Table:
    """One table of a :class:`Bundle`, declared on the class so that it is typed and an editor completes its name."""

    def __init__(self, doc: str):
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, bundle: Bundle | None, owner: type | None = None) -> pd.DataFrame:
        if bundle is None:
            return self  # on the class: the declaration itself, for help()
        return bundle.tables[self.name]


@dataclass
class Bundle:
    """Validated, typed study tables.

    Each table is a DataFrame; ``_file`` and ``_line`` say where every row came from. Date columns keep
    the text as coded plus ``<col>_year`` (plain dates only), ``<col>_precision`` (year, month, day, uncertain for an
    EDTF interval / approximate date, or unknown when empty) and ``<col>_earliest`` / ``<col>_latest`` (the years
    the date allows, see :func:`studylib.bundle.dates.year_window`).
    """

    tables: dict[str, pd.DataFrame]
    dirs: list[Path]
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    warnings: list[str] = field(default_factory=list)
    codebook: Codebook = field(default_factory=load_codebook)

    sources = _Table("The sources cited, one row per ``source_id``.")
    cities = _Table("The cities, one row per ``city_id``.")
    ties = _Table("The ties between two cities, one row per ``tie_id``.")
    activities = _Table("The coded activities of the ties, one row per ``activity_id``.")
    indicators = _Table("City and tie indicators, one row per value.")
    findings = _Table("Qualitative findings the sources state (frameworks, challenges, obstacles), one row each.")

    def summary(self) -> pd.DataFrame:
        """Rows per table, the share of rows with a locator, and the sources cited."""
        rows = []
        for name in TABLES:
            df = self.tables[name]
            has_loc = "locator" in df.columns
            cited = df["source_id"].nunique() if "source_id" in df.columns else np.nan
            rows.append({
                "table": name,
                "rows": len(df),
                "with_locator": (df["locator"].fillna("").str.strip() != "").mean() if has_loc and len(df) else np.nan,
                "sources_cited": cited,
            })
        return pd.DataFrame(rows)

    def tie_ids(self) -> list[str]:
        return sorted(self.tables["ties"]["tie_id"])

    def city_name(self, city_id: str) -> str:
        cities = self.tables["cities"].set_index("city_id")
        return str(cities.at[city_id, "name"]) if city_id in cities.index else city_id

    def tie_label(self, tie_id: str) -> str:
        """Display name of a tie, e.g. 'Surabaya–Busan'."""
        ties = self.tables["ties"].set_index("tie_id")
        if tie_id not in ties.index:
            return tie_id
        row = ties.loc[tie_id]
        return f"{self.city_name(row['city_a'])}–{self.city_name(row['city_b'])}"


# ------------------------------------------------------------------------------------------------ typing


def _categorical(s: pd.Series, categories: list[str]) -> pd.Categorical:
    """``pd.Categorical(s.replace("", np.nan), categories=categories)`` by codes (one hash pass, not one per row)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(u, -1) if u != "" else -1 for u in uniques] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def _typed(table: str, df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Convert validated text columns to types: categories, numbers, dates with their precision."""
    df = df.copy()
    for col, spec in cb.all_columns(table).items():
        if col not in df.columns:
            df[col] = "" if spec["type"] not in ("float", "count", "year") else np.nan
        kind = spec["type"]
        s = df[col]
        if kind == "vocab":
            df[col] = _categorical(s, cb.vocabulary(spec["vocab"]))
        elif kind == "float":
            df[col] = pd.to_numeric(s.replace("", np.nan), errors="coerce").astype("float64")
        elif kind == "count":
            df[col] = _numbers(s, (s.notna() & (s != "")).to_numpy(dtype=bool)).astype("Int64")
        elif kind == "year":
            if not (pd.api.types.is_string_dtype(s) or s.dtype == object) or s.isna().any():
                s = s.astype(object).where(s.notna(), "").astype(str)  # an optional column a layer lacks (NaN)
            df[col] = _digits(s, (s != "").to_numpy(dtype=bool), 0, None).astype("Int64")
        elif kind == "date":
            s = s.fillna("").astype(str)
            df[col] = s
            plain = (s != "").to_numpy(dtype=bool) & s.str.match(DATE_RE).to_numpy(dtype=bool)
            df[f"{col}_year"] = _digits(s, plain, 0, 4).astype("Int64")  # uncertain (EDTF) dates: no single year
            df[f"{col}_precision"] = pd.Categorical(
                np.select([plain & (s.str.len() == 10), plain & (s.str.len() == 7), plain & (s.str.len() == 4),
                           s != ""], ["day", "month", "year", "uncertain"], "unknown"),
                categories=DATE_PRECISIONS,
            )
            df[f"{col}_earliest"], df[f"{col}_latest"] = dates.window_columns(s)
        else:
            df[col] = s.fillna("").astype(str)
    if table == "activities":
        df["stage"] = df["stage"].fillna("implemented")
        df["actor_type"] = df["actor_type"].fillna("unspecified")
    return df.reset_index(drop=True)


# ----------------------------------------------------------------------------------------- layering, public


TRUE_WORDS = {"yes", "true", "1", "y"}


def _merge_layers(table: str, frames: list[pd.DataFrame], cb: Codebook, problems: list[Problem],
                  replace: bool = False) -> list[pd.DataFrame]:
    """Layer later folders over earlier ones by key.

    A later row with an id already present is dropped when it repeats the earlier row exactly, replaces it when
    its ``override`` column says yes (or ``replace`` is set), and is an error otherwise (the message says how to
    override).
    """
    key = cb.key(table)
    if not key or len(frames) < 2:
        return frames
    merged = [frames[0]]
    contract = [c for c in cb.all_columns(table) if c != "override"]
    for layer in frames[1:]:
        if key not in layer.columns:
            merged.append(layer)
            continue
        earlier = pd.concat(merged, ignore_index=True)
        seen = earlier.drop_duplicates(key, keep="last").set_index(key)
        clash = layer[key].isin(seen.index)
        wants = layer.get("override", pd.Series("", index=layer.index)).fillna("").str.lower().isin(TRUE_WORDS)
        wants |= replace
        same = pd.Series(False, index=layer.index)
        for i in layer.index[clash]:
            cols = [c for c in contract if c in layer.columns and c in seen.columns]
            same[i] = all(str(layer.at[i, c]) == str(seen.at[layer.at[i, key], c]) for c in cols)
        for _, row in layer[clash & ~same & ~wants].iterrows():
            k = row[key]
            problems.append(Problem(
                row["_file"], int(row["_line"]), key,
                f"'{k}' is already in {seen.at[k, '_file']} (line {seen.at[k, '_line']}); to replace that row on "
                "purpose, add a column 'override' and write 'yes' in this row; otherwise choose another id"))
        replaced = set(layer.loc[clash & wants, key])
        merged = [m[~m[key].isin(replaced)] for m in merged]
        merged.append(layer[~clash | wants])  # clashes are reported above or identical repeats
    return merged


def _folders(dirs) -> list[Path]:
    return [Path(d).expanduser().resolve() for d in dirs] if dirs else [DATA_DIR]


def _table_paths(folder: Path, table: str) -> list[Path]:
    """Where a bundle folder may hold ``table``: as CSV or as an Excel workbook."""
    return [folder / f"{table}{ext}" for ext in (".csv", ".xlsx")]


def _check_recognised(folder: Path, problems: list[Problem]) -> None:
    """A researcher's folder must hold at least one table under its exact name (``activities.csv``, not
    ``Activities.csv``) or archived source texts (``sources/<id>.txt``): otherwise nothing would be layered and the
    folder would seem to load."""
    names = {f"{t}{ext}" for t in TABLES for ext in (".csv", ".xlsx")}
    present = {p.name for p in folder.iterdir() if p.is_file()}
    for name in sorted(present - names):
        if name.lower() in names:
            problems.append(Problem(f"{folder.name}/{name}", 0, "",
                                    f"the file name must be '{name.lower()}' (lower case) to be read"))
    texts = folder / "sources"
    if not present & names and not (texts.is_dir() and any(texts.glob("*.txt"))):
        problems.append(Problem(folder.name, 0, "", f"no table found in {folder}: expected one or more of "
                                                    + ", ".join(f"{t}.csv" for t in TABLES) + " (or .xlsx), or source texts in sources/"))


def _resolve_dirs(dirs) -> list[Path]:
    out = _folders(dirs)
    for d in out:
        if not d.is_dir():
            raise StudyError(f"{d}: no such data folder")
    return out


@dataclass
class ValidationResult:
    """What :func:`validate_bundle` found: the text tables as read and layered, and what is wrong with them.

    Attributes
    ----------
    tables : dict of str to DataFrame
        Every table as text (not typed), with ``_file`` and ``_line``.
    problems : list of Problem
        Every problem found, sorted by file, line and column; empty when the bundle is valid.
    warnings : list of str
        What is worth knowing but not an error (e.g. an unknown column).
    files : dict of str to str
        The SHA-256 of every table file read, by path.
    """

    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    warnings: list[str]
    files: dict[str, str]


def validate_bundle(*dirs, codebook: Codebook | None = None, replace: bool = False) -> ValidationResult:
    """Read and check bundle folders; return raw tables, problems, warnings and file hashes.

    The first folder must hold every table the codebook requires (all but ``findings``); later folders (a researcher's
    own rows) may hold any of them.
    With ``replace``, a later folder's rows replace earlier rows with the same id as if marked ``override``
    (a second coder's coding of the same activities).
    """
    return _validate(dirs, codebook or load_codebook(), replace)[0]


#: Tables checked (and typed) in this process, by the files they were layered from: a bundle loaded again, and each
#: variant coding or coder's folder layered over the same study data, checks and types only the tables whose files
#: changed (the rules across tables are checked every time). As :data:`studylib.bundle.read.KEEP_PARSED`: only tables
#: without a problem, the last :data:`KEEP_CHECKED`, none from files over ``KEEP_PARSED_BYTES`` in all.
KEEP_CHECKED = 32
_CHECKED: OrderedDict = OrderedDict()
_CHECKED_LOCK = threading.Lock()  # the runner's Dask executor loads bundles in threads


@dataclass
class _Checked:
    codebook: Codebook  # held, so that the id in the key stays this codebook's
    text: pd.DataFrame
    typed: pd.DataFrame | None = None


def _recall(key, codebook: Codebook) -> _Checked | None:
    """The table kept under ``key`` for this ``codebook`` (None: not kept, or kept for another codebook)."""
    if key is None:
        return None
    with _CHECKED_LOCK:
        kept = _CHECKED.get(key)
        if kept is None or kept.codebook is not codebook:
            return None
        _CHECKED.move_to_end(key)
        return kept


def _remember(key, codebook: Codebook, text: pd.DataFrame) -> None:
    with _CHECKED_LOCK:
        _CHECKED[key] = _Checked(codebook, text.copy())
        while len(_CHECKED) > KEEP_CHECKED:
            _CHECKED.popitem(last=False)


def _validate(dirs, cb: Codebook, replace: bool) -> tuple[ValidationResult, dict]:
    """:func:`validate_bundle`, and each table's key in the memory of checked tables (None when not kept)."""
    paths = _resolve_dirs(dirs)
    problems: list[Problem] = []
    warns: list[str] = []
    hashes: dict[str, str] = {}
    layers: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    read_as: dict[str, list[tuple]] = {t: [] for t in TABLES}  # each layer's file as the read memory knows it
    for i, folder in enumerate(paths):
        if i > 0:
            _check_recognised(folder, problems)
        for table in TABLES:
            found = [path for path in _table_paths(folder, table) if path.exists()]
            label_of = (lambda p: p.name) if i == 0 else (lambda p, f=folder: f"{f.name}/{p.name}")
            if len(found) > 1:
                problems.append(Problem(label_of(found[0]), 1, "", f"both {table}.csv and {table}.xlsx exist; keep one"))
                continue
            if not found:
                if i == 0 and cb.table_required(table):
                    problems.append(Problem(f"{table}.csv", 0, "", f"the table is missing from {folder}"))
                continue
            path = found[0]
            raw = path.read_bytes()
            hashes[str(path)] = hashlib.sha256(raw).hexdigest()
            df = read_table(path, label_of(path), problems, raw=raw, digest=hashes[str(path)])
            size = len(raw)
            del raw
            if df is None:
                continue
            label = df["_file"].iat[0] if len(df) else label_of(path)
            if not check_columns(table, df, cb, label, problems, warns):
                continue
            if len(df) == 0 and i == 0 and table != "indicators" and cb.table_required(table):
                problems.append(Problem(label, 1, "", "the table has a header but no rows"))
            layers[table].append(df)
            read_as[table].append((hashes[str(path)], path.suffix, label_of(path), size))
    tables, keys = {}, {}
    for table in TABLES:
        # a table is a function of its layers' files (as read), the codebook and ``replace``: the same ones, checked
        # before without a problem, are the same table with none
        small = sum(layer[-1] for layer in read_as[table]) <= KEEP_PARSED_BYTES
        keys[table] = key = (table, id(cb), replace, tuple(layer[:3] for layer in read_as[table])) if small else None
        kept = _recall(key, cb)
        if kept is not None:
            tables[table] = kept.text.copy()
            continue
        before = len(problems)
        cols = list(cb.columns(table)) + ORIGIN_COLUMNS
        frames = _merge_layers(table, layers[table], cb, problems, replace)
        tables[table] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
        as_text = {c: "str" for c in tables[table].columns if c != "_line" and tables[table][c].dtype != "str"}
        if as_text:  # columns already of the text dtype need no copy
            tables[table] = tables[table].astype(as_text)
        check_values(table, tables[table], cb, problems)
        if key is not None and len(problems) == before:
            _remember(key, cb, tables[table])
        else:
            keys[table] = None
    check_rows(tables, cb, problems)
    check_locators(tables, paths, problems)  # locators against archived source texts (sources.py)
    found = ValidationResult(tables, sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.message)),
                             warns, hashes)
    return found, keys


def _typed_once(table: str, df: pd.DataFrame, cb: Codebook, key) -> pd.DataFrame:
    """:func:`_typed`, kept with the checked table of the same ``key`` (a copy is returned)."""
    kept = _recall(key, cb)
    if kept is None:
        return _typed(table, df, cb)
    if kept.typed is None:
        kept.typed = _typed(table, df, cb)
    return kept.typed.copy()


def load_bundle(*dirs, codebook: Codebook | None = None, replace: bool = False) -> Bundle:
    """Load, validate and type one or more bundle folders (default: the study's ``data/``).

    Parameters
    ----------
    *dirs : path-like
        Bundle folders, layered in order: the default data first, then a researcher's folder.
    replace : bool
        Later folders' rows replace earlier rows with the same id without an ``override`` column.

    Returns
    -------
    Bundle
        Typed tables plus the SHA-256 of every file read.

    Raises
    ------
    ValidationError
        With every problem found, each naming file, line and column.
    """
    cb = codebook or load_codebook()
    found, keys = _validate(dirs, cb, replace)
    if found.problems:
        raise ValidationError(found.problems)
    for w in found.warnings:
        warnings.warn(w, DataWarning, stacklevel=2)
    typed = {t: _typed_once(t, df, cb, keys[t]) for t, df in found.tables.items()}
    return Bundle(tables=typed, dirs=_resolve_dirs(dirs), files=found.files, warnings=found.warnings, codebook=cb)

