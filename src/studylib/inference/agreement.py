"""Inter-coder agreement: Krippendorff's alpha and Cohen's kappa for codings of the same activities.

Two or more coders each code the same units (activities, matched by ``activity_id``), each into a folder of their
own that holds only an ``activities.csv``, layered over the study's ``data/`` and the shared bundle (a new pair's
folder: its sources, ties and cities). Agreement is computed per variable at its level of measurement (nominal,
ordinal in codebook order, or interval for numbers such as ``participants``) on the units that at least two coders
coded; a unit a coder did not code is a missing value for that coder (Krippendorff's alpha handles missing values;
kappa uses the units both coders coded). Units coded by only some coders are counted, never dropped silently.

A *round* folder fixes the units in advance: ``units.csv`` (``activity_id`` and, for the workbench, ``source_id``
and ``locator``; ``tie_id`` optional) beside the coders' folders (``round/coder1/activities.csv``, ...). Codings
are then restricted to the round's units, and rows coded outside them are reported as left out.

Alpha is computed from the coincidence matrix as in Krippendorff (2011), "Computing Krippendorff's
Alpha-Reliability", with the nominal, ordinal or interval difference function. Its interval is a percentile
bootstrap over units (resampling the pairable units with replacement, seeded), a simpler scheme than
Krippendorff's own bootstrap of pairable values; the seed and number of resamples are returned with the interval.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..bundle.codebook import Codebook, load_codebook
from ..bundle.load import load_bundle
from ..bundle.read import read_records
from ..errors import Problem, StudyError, ValidationError
from ..paths import DATA_DIR

__all__ = ["krippendorff_alpha", "alpha_interval", "cohen_kappa", "load_codings", "agreement_table",
           "disagreements", "coverage", "adjudicate", "read_units", "round_coders", "check_variables", "Codings",
           "coded_units", "AGREEMENT_VARIABLES", "CODED_VARIABLES", "RESOLVED_VARIABLES", "LEVELS", "NUMERIC_TYPES", "UNITS_FILE"]

AGREEMENT_VARIABLES = ("sector", "activity_type", "direction", "stage", "actor_type")
# Every vocabulary column a coder codes for an activity: what a reliability report shows, one alpha each.
CODED_VARIABLES = ("sector", "activity_type", "direction", "stage", "actor_type", "participant_group", "certainty",
                   "recurrence", "participants_qualifier", "axis", "dimension")
# Compared as the value in force: the row's own value, else the sector's default (codebook mappings).
RESOLVED_VARIABLES = ("axis", "dimension")
# What an empty cell means, where the codebook says (stage: "implemented (default when empty)"; actor_type: "empty
# reads as unspecified"; axis/dimension: a sector mapped to no frame). Other empty cells compare as "(empty)".
EMPTY_MEANS = {"stage": "implemented", "actor_type": "unspecified", "axis": "(none)", "dimension": "(none)"}
LEVELS = ("nominal", "ordinal", "interval")
NUMERIC_TYPES = ("count", "float", "year")  # codebook column types that can be compared at the interval level
UNITS_FILE = "units.csv"
UNIT_COLUMNS = ("activity_id", "tie_id", "source_id", "locator")


# ----------------------------------------------------------------------------------------------- alpha and kappa
def _reliability_matrix(data) -> tuple[np.ndarray, list]:
    """Units x coders values -> integer codes (-1 = missing) and the sorted list of values."""
    frame = pd.DataFrame(data)
    if frame.ndim != 2 or frame.shape[1] < 2:
        raise ValueError("agreement needs a table of units (rows) by at least two coders (columns)")
    frame = frame.astype(object).where(frame.notna(), None)
    values = frame.stack().dropna()
    values = values[values.astype(str) != ""]
    levels = sorted(pd.unique(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(levels)}
    codes = frame.apply(lambda col: col.map(lambda v: index.get(v, -1) if v is not None else -1))
    return codes.to_numpy(dtype=int).reshape(frame.shape), levels


def _unit_coincidences(codes: np.ndarray, k: int) -> np.ndarray:
    """Each pairable unit's share of Krippendorff's coincidence matrix (units x k x k; units coded once dropped).

    The coincidence matrix is their sum, so a bootstrap draw is a weighted sum of these (no loop over units)."""
    coded = codes >= 0
    m = coded.sum(axis=1)
    codes, coded, m = codes[m >= 2], coded[m >= 2], m[m >= 2]  # a unit coded once carries no pair
    counts = np.zeros((len(codes), k))
    units, coders = np.nonzero(coded)
    np.add.at(counts, (units, codes[units, coders]), 1.0)
    pairs = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(k)
    return pairs / (m - 1)[:, None, None]


def _coincidences(codes: np.ndarray, k: int) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck from integer codes (units x coders, -1 = missing)."""
    return _unit_coincidences(codes, k).sum(axis=0)


def _delta(n_c: np.ndarray, level: str, values=None) -> np.ndarray:
    k = len(n_c)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        v = np.asarray(values, dtype=float)
        return np.subtract.outer(v, v) ** 2
    # ordinal: squared sum of the marginals between two ranks, less half of the two ends
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k), np.arange(k))
    between = cum[hi + 1] - cum[lo]
    return (between - (n_c[lo] + n_c[hi]) / 2.0) ** 2


def _alpha_from_codes(codes: np.ndarray, k: int, level: str, values=None) -> float:
    return _alpha_from_coincidences(_coincidences(codes, k), level, values)


def _alpha_from_coincidences(o: np.ndarray, level: str, values=None) -> float:
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    d = _delta(n_c, level, values)
    expected = (np.outer(n_c, n_c) * d).sum()
    if expected == 0:
        return float("nan")  # every pairable value is the same: alpha is undefined
    return float(1.0 - (n - 1) * (o * d).sum() / expected)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def _prepared(data, level: str, order) -> tuple[np.ndarray, list, np.ndarray | None]:
    """Integer codes, the sorted values and (interval level) the values as numbers."""
    _check_level(level)
    frame = pd.DataFrame(data)
    if order is not None:
        rank = {v: i for i, v in enumerate(order)}
        unknown = set(frame.stack().dropna()) - set(rank) - {""}
        if unknown:
            raise ValueError(f"values not in the order given: {sorted(map(str, unknown))}")
        frame = frame.apply(lambda col: col.map(lambda v: rank.get(v, np.nan)))
    codes, levels = _reliability_matrix(frame)
    numbers = None
    if level == "interval":
        try:
            numbers = np.array([float(v) for v in levels], dtype=float)
        except (TypeError, ValueError):
            bad = next(v for v in levels if not _is_number(v))
            raise ValueError(f"the interval level needs numbers; {bad!r} is not one") from None
    return codes, levels, numbers


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def krippendorff_alpha(data, *, level: str = "nominal", order=None) -> float:
    """Krippendorff's alpha for a units x coders table with missing values.

    Parameters
    ----------
    data : DataFrame or 2-D array-like
        One row per unit, one column per coder; missing values (NaN, None, "") where a coder did not code.
    level : {"nominal", "ordinal", "interval"}
        The difference function: any difference counts the same (nominal), differences of rank weighted by the
        values between them (ordinal), or squared differences of the numbers (interval).
    order : sequence, optional
        For ``level="ordinal"``, the values from lowest to highest (default: sorted values).

    Returns
    -------
    float
        Alpha; NaN when it is undefined (fewer than two pairable values, or no variation at all).
    """
    codes, levels, numbers = _prepared(data, level, order)
    return _alpha_from_codes(codes, len(levels), level, numbers)


def alpha_interval(data, *, level: str = "nominal", order=None, resamples: int = 2000, seed: int = 20261130,
                   confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of alpha, resampling pairable units with replacement (seeded)."""
    if resamples < 1:
        raise ValueError("resamples must be a positive number")
    codes, levels, numbers = _prepared(data, level, order)
    pairable = codes[(codes >= 0).sum(axis=1) >= 2]
    if len(pairable) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    k, n = len(levels), len(pairable)
    per_unit = _unit_coincidences(pairable, k).reshape(n, k * k)
    # a draw's coincidence matrix is the sum of its units' shares: weight each unit by how often it was drawn
    # (the same draws, one call per resample, as drawing the rows themselves)
    weights = np.array([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)], dtype=float)
    draws = np.array([_alpha_from_coincidences(o.reshape(k, k), level, numbers) for o in weights @ per_unit])
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def cohen_kappa(first, second, *, level: str = "nominal", order=None) -> float:
    """Cohen's kappa (statsmodels) of two coders on the units both coded.

    Unweighted at the nominal level; linearly weighted by rank (``order``, default sorted values) at the ordinal
    level; quadratically weighted by the numbers at the interval level.
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    _check_level(level)
    pair = pd.DataFrame({"a": list(first), "b": list(second)}, dtype=object).replace("", np.nan).dropna()
    if pair.empty:
        return float("nan")
    table = pd.crosstab(pair["a"], pair["b"])
    present = set(table.index) | set(table.columns)
    if order is not None:
        values = [v for v in order if v in present]
    elif level == "interval":
        values = sorted(present, key=float)
    else:
        values = sorted(present, key=str)
    table = table.reindex(index=values, columns=values, fill_value=0)
    if len(values) < 2:
        return float("nan")  # one value only: chance agreement is 1 and kappa is undefined
    if level == "nominal":
        return float(cohens_kappa(table.to_numpy(), return_results=False))
    if level == "ordinal":
        ranks = np.arange(len(values)) if order is None else np.array([list(order).index(v) for v in values])
        return float(cohens_kappa(table.to_numpy(), weights=ranks, wt="linear", return_results=False))
    return float(cohens_kappa(table.to_numpy(), weights=np.array(values, dtype=float), wt="quadratic",
                              return_results=False))


# ----------------------------------------------------------------------------------------------- coders' folders
class Codings(dict):
    """Coder name -> that coder's activities (indexed by ``activity_id``), with the round's units when fixed.

    Attributes
    ----------
    units : DataFrame or None
        The round's units (:func:`read_units`), when the units were fixed in advance.
    units_file : Path or None
        Where they were read.
    left_out : dict of str to list of str
        Per coder, the activities coded outside the round's units (not compared; reported).
    """

    def __init__(self, *args, units: pd.DataFrame | None = None, units_file: Path | None = None,
                 left_out: dict | None = None):
        super().__init__(*args)
        self.units, self.units_file, self.left_out = units, units_file, dict(left_out or {})

    def unit_ids(self) -> list[str]:
        """The units compared: the round's, or every activity any coder coded (sorted)."""
        if self.units is not None:
            return list(self.units["activity_id"])
        return sorted(set().union(*(df.index for df in self.values())))


def read_units(path) -> pd.DataFrame:
    """A round's ``units.csv``: one row per unit, ``activity_id`` (required, unique), ``tie_id``, ``source_id``,
    ``locator`` (as text, '' when absent), and ``line``.

    Raises
    ------
    ValidationError
        Naming the file, line and column of every problem (no header, no ``activity_id`` column, an empty or
        repeated id).
    StudyError
        When the file does not exist or is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise StudyError(f"{path}: no such units file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StudyError(f"{path}: the file is not UTF-8; save it as 'CSV UTF-8'") from None
    label = f"{path.parent.name}/{path.name}"
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if "activity_id" not in header:
        raise ValidationError([Problem(label, 1, "activity_id", "the units file needs an 'activity_id' column "
                                       "(and source_id, locator for the workbench)")])
    rows, problems, seen = [], [], {}
    prev = reader.line_num
    for rec in reader:
        line, prev = prev + 1, reader.line_num
        if not any(v.strip() for v in rec):
            continue
        row = {c: (dict(zip(header, rec)).get(c) or "").strip() for c in UNIT_COLUMNS}
        aid = row["activity_id"]
        if not aid:
            problems.append(Problem(label, line, "activity_id", "a value is required"))
        elif aid in seen:
            problems.append(Problem(label, line, "activity_id", f"'{aid}' is listed twice (first on line {seen[aid]})"))
        else:
            seen[aid] = line
            rows.append({**row, "line": line})
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError([Problem(label, 1, "", "the units file lists no unit")])
    return pd.DataFrame(rows, columns=[*UNIT_COLUMNS, "line"])


def _has_activities(folder: Path) -> bool:
    return any((folder / f"activities{ext}").exists() for ext in (".csv", ".xlsx"))


def round_coders(folder) -> list[Path]:
    """The coders' folders of a round folder (one holding ``units.csv`` and no activities of its own): its
    sub-folders holding an ``activities.csv`` (or .xlsx), sorted by name; ``[]`` when ``folder`` is not a round."""
    folder = Path(folder)
    if not (folder / UNITS_FILE).is_file() or _has_activities(folder):
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and _has_activities(p))


def _coder_names(folders: list[Path]) -> list[str]:
    names = [f.name for f in folders]
    if len(set(names)) < len(names):
        names = [str(f) for f in folders]
    return names


def _missing_bundle_hint(exc: ValidationError, data_dirs: list[Path], others: list[Path]) -> ValidationError:
    """The same error, with a hint when a coder's rows cite ties or sources that only a shared bundle holds."""
    refs = ("is not a tie_id", "is not a source_id", "is not a city_id")
    if not any(r in p.message for p in exc.problems for r in refs):
        return exc
    bundles = [o for o in others if any((o / f"{t}.csv").exists() for t in ("ties", "sources"))]
    hint = ("the coder's rows cite ties, cities or sources that are not in the layers read "
            f"({', '.join(str(d) for d in [DATA_DIR, *data_dirs])}); name the shared bundle (the pair's folder) "
            "with --data DIR" + (f", e.g. --data {bundles[0]}" if bundles else ""))
    out = ValidationError(exc.problems)
    out.args = (f"{exc}\n  hint: {hint}",)
    return out


def load_codings(*folders, data_dirs=(), units="auto", codebook: Codebook | None = None) -> Codings:
    """Each coder's activities, validated layered over the study data and the shared bundle, keyed by coder.

    Parameters
    ----------
    *folders : path-like
        Two or more coders' folders, each with an ``activities.csv`` (or .xlsx); a coder's folder may hold nothing
        else. A round folder (``units.csv`` and coders' sub-folders, see :func:`round_coders`) stands for its
        coders. The study's own ``data/`` may be named as a coder: its activities are that coder's coding.
    data_dirs : sequence of path-like
        Shared bundle folders layered under every coder (e.g. a new pair's folder, with its sources, ties and
        cities); the study's ``data/`` is always the first layer. A coder's own folder may be one of them.
    units : path-like, "auto" or None
        The round's ``units.csv``: codings are restricted to its units (the others are reported in
        :attr:`Codings.left_out`). ``"auto"``: the ``units.csv`` of a round folder named, or of the folder that
        holds the coders' folders, if there is one. ``None``: every activity coded is a unit.

    Notes
    -----
    A coder's rows replace the rows with the same ``activity_id`` beneath (they are codings of the same unit, so
    no ``override`` column is needed). Only the rows of each coder's own folder are returned.
    """
    cb = codebook or load_codebook()
    given = [Path(f).expanduser().resolve() for f in folders]
    rounds = {}
    paths = []
    for p in given:
        coders = round_coders(p) if p.is_dir() else []
        if coders:
            rounds[p] = coders
        paths += coders or [p]
    if len(paths) < 2:
        raise StudyError("agreement needs at least two coders' folders" +
                         (f" ({given[0]} holds {len(paths)})" if rounds else ""))
    if len(set(paths)) < len(paths):
        raise StudyError("the same folder is named twice; give each coder's folder once")
    for p in paths:
        if not p.is_dir():
            raise StudyError(f"{p}: no such folder")
        if not _has_activities(p):
            raise StudyError(f"{p}: no activities.csv (or .xlsx) in this coder's folder")
    shared = [Path(d).expanduser().resolve() for d in data_dirs]
    for d in shared:
        if not d.is_dir():
            raise StudyError(f"{d}: no such data folder (--data)")
    study = DATA_DIR.resolve()
    units_file = _units_file(units, paths, rounds, study)
    unit_table = read_units(units_file) if units_file else None
    codings, left_out = {}, {}
    for name, folder in zip(_coder_names(paths), paths):
        if folder == study:
            acts = load_bundle(study, *shared, codebook=cb).activities
        else:
            layers = [study, *[d for d in shared if d != folder], folder]
            try:
                acts = load_bundle(*layers, codebook=cb, replace=True).activities
            except ValidationError as exc:
                raise _missing_bundle_hint(exc, shared, [p for p in paths if p != folder]) from None
            acts = acts[acts["_file"].str.startswith(f"{folder.name}/")]
        acts = acts.set_index("activity_id")
        if unit_table is not None:
            inside = acts.index.isin(unit_table["activity_id"])
            left_out[name] = sorted(acts.index[~inside])
            acts = acts[inside]
        codings[name] = acts
    return Codings(codings, units=unit_table, units_file=units_file, left_out=left_out)


def _units_file(units, paths: list[Path], rounds: dict, study: Path) -> Path | None:
    if units is None:
        return None
    if units != "auto":
        return Path(units).expanduser().resolve()
    found = {r / UNITS_FILE for r in rounds}
    found |= {p.parent / UNITS_FILE for p in paths if p != study and (p.parent / UNITS_FILE).is_file()}
    if len(found) > 1:
        raise StudyError("the coders' folders belong to different rounds (" + ", ".join(map(str, sorted(found)))
                         + "); name the units file with --units FILE")
    return found.pop() if found else None


def coverage(codings: Codings) -> pd.DataFrame:
    """One row per unit compared: ``activity_id``, ``n_coders`` (how many coded it), ``coded_by`` and ``missing``
    (the coders who did not), comma-separated."""
    coders = list(codings)
    rows = []
    for aid in codings.unit_ids():
        by = [c for c in coders if aid in codings[c].index]
        rows.append({"activity_id": aid, "n_coders": len(by), "coded_by": ", ".join(by),
                     "missing": ", ".join(c for c in coders if c not in by)})
    return pd.DataFrame(rows, columns=["activity_id", "n_coders", "coded_by", "missing"])


# ----------------------------------------------------------------------------------------------- per variable
def _in_force(df: pd.DataFrame, variable: str, codebook: Codebook | None) -> pd.Series:
    """The value in force of a resolved variable: the row's own value, else its sector's default."""
    own = df[variable].astype("object").replace("", np.nan)
    if "sector" not in df.columns:
        return own
    default = df["sector"].astype("object").map((codebook or load_codebook()).mapping(variable))
    return own.where(own.notna(), default)


def _units_by_coders(codings: dict[str, pd.DataFrame], variable: str, *, level: str = "nominal", units=None,
                     codebook: Codebook | None = None) -> pd.DataFrame:
    """Units x coders for one variable. A unit a coder did not code is missing. At the nominal and ordinal levels an
    empty cell in a row the coder did code is a decision (e.g. "the source names no participant group") and is
    compared as a value: what the codebook says empty means, else "(empty)"; at the interval level it is missing."""
    missing = [c for c, df in codings.items() if variable not in df.columns]
    if missing:
        raise ValueError(f"unknown variable {variable!r} (not a column of {', '.join(missing)})")
    columns = {}
    for c, df in codings.items():
        values = (_in_force(df, variable, codebook) if variable in RESOLVED_VARIABLES
                  else df[variable].astype("object").replace("", np.nan))
        if level != "interval":
            values = values.where(values.notna(), EMPTY_MEANS.get(variable, "(empty)"))
        columns[c] = values
    frame = pd.DataFrame(columns)
    fixed = getattr(codings, "units", None)
    if fixed is not None:
        frame = frame.reindex(list(fixed["activity_id"]))
    if units is not None:
        frame = frame[frame.index.isin(list(units))]
    return frame.sort_index()


def check_variables(variables, *, ordinal=(), interval=(), codebook: Codebook | None = None) -> dict[str, str]:
    """Each variable's level of measurement, after checking the names.

    Raises
    ------
    ValueError
        A variable that is not an activities column (or is not a coded one), an ``ordinal`` or ``interval`` name
        not among ``variables``, a name given both levels, an ordinal variable without a vocabulary, an interval
        one that is not a number.
    """
    cb = codebook or load_codebook()
    columns = cb.all_columns("activities")
    codable = [c for c in columns if c not in ("activity_id", "override")]
    variables = list(variables)
    if not variables:
        raise ValueError("no variable to compare: name one or more with --variables")
    for var in variables:
        if var not in codable:
            raise ValueError(f"unknown variable {var!r}: not a coded column of activities; the columns are: "
                             + ", ".join(codable))
    for flag, names in (("--ordinal", ordinal), ("--interval", interval)):
        for var in names:
            if var not in variables:
                raise ValueError(f"{flag} {var}: {var!r} is not among the variables compared "
                                 f"({', '.join(variables)}); add it to --variables")
    both = sorted(set(ordinal) & set(interval))
    if both:
        raise ValueError(f"{both[0]!r} is given two levels, ordinal and interval: choose one")
    levels = {}
    for var in variables:
        spec = columns[var]
        if var in ordinal:
            if spec["type"] != "vocab":
                raise ValueError(f"{var!r} has no vocabulary, so it cannot be ordinal")
            levels[var] = "ordinal"
        elif var in interval:
            if spec["type"] not in NUMERIC_TYPES:
                raise ValueError(f"{var!r} is not a number ({spec['type']}), so it cannot be interval; "
                                 "numbers are: " + ", ".join(c for c, s in columns.items()
                                                              if s["type"] in NUMERIC_TYPES))
            levels[var] = "interval"
        else:
            levels[var] = "nominal"
    return levels


def coded_units(codings: dict[str, pd.DataFrame]) -> list:
    """Ids of the units that at least two coders coded (the units an agreement table can rest on), sorted."""
    counts = pd.concat([pd.Series(1, index=df.index.unique()) for df in codings.values()], axis=1).notna().sum(axis=1)
    return sorted(counts.index[counts >= 2])


def agreement_table(codings: dict[str, pd.DataFrame], variables=AGREEMENT_VARIABLES, *, ordinal=(), interval=(),
                    codebook: Codebook | None = None, resamples: int = 2000, seed: int = 20261130, units=None,
                    scope: dict | None = None) -> pd.DataFrame:
    """One row per variable: alpha (with its bootstrap interval), units, kappa for two coders.

    ``ordinal`` names the variables whose vocabulary is ordered (codebook order, lowest first), ``interval`` the
    numbers (squared differences); the others are nominal. ``n_units`` counts the units with values from two or
    more coders (the pairable ones), ``n_single`` those with a value from one coder only (not comparable, counted
    here so that none is dropped silently). ``axis`` and ``dimension`` (:data:`RESOLVED_VARIABLES`) are compared as the
    value in force. ``units`` restricts every variable to those activity ids; ``scope`` maps a variable to the ids it
    is compared on (e.g. the axis only on the units of the source that defines the axes).
    """
    cb = codebook or load_codebook()
    levels = check_variables(variables, ordinal=ordinal, interval=interval, codebook=cb)
    scope = dict(scope or {})
    unknown = set(scope) - set(levels)
    if unknown:
        raise ValueError(f"scope names variables not compared: {', '.join(sorted(unknown))}")
    rows = []
    for var, level in levels.items():
        frame = _units_by_coders(codings, var, level=level, units=units, codebook=cb)
        if var in scope:
            frame = frame[frame.index.isin(list(scope[var]))]
        order = None
        if level == "ordinal":
            order = cb.vocabulary(cb.all_columns("activities")[var]["vocab"])
        coded = frame.notna().sum(axis=1)
        pairable = frame[coded >= 2]
        low, high = alpha_interval(frame, level=level, order=order, resamples=resamples, seed=seed)
        rows.append({
            "variable": var, "level": level,
            "alpha": krippendorff_alpha(frame, level=level, order=order),
            "conf_low": low, "conf_high": high,
            "n_units": len(pairable), "n_pairable_values": int(coded[coded >= 2].sum()),
            "n_single": int((coded == 1).sum()),
            "n_disagreements": int((pairable.nunique(axis=1) > 1).sum()),
            "kappa": (cohen_kappa(frame.iloc[:, 0], frame.iloc[:, 1], level=level, order=order)
                      if frame.shape[1] == 2 else np.nan),
            "resamples": resamples, "seed": seed,
        })
    return pd.DataFrame(rows)


def _text(v) -> str:
    """A value as a coder would write it: '' for missing, 12 for 12.0."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def disagreements(codings: dict[str, pd.DataFrame], variables=AGREEMENT_VARIABLES, *, interval=(), units=None,
                  scope: dict | None = None) -> pd.DataFrame:
    """The units on which coders differ, one row per (activity, variable), one column per coder, for adjudication.

    ``units`` and ``scope`` as in :func:`agreement_table`; ``interval`` names the numeric variables (an empty cell is
    missing there, a value elsewhere).
    """
    parts = []
    scope = dict(scope or {})
    for var in variables:
        frame = _units_by_coders(codings, var, level="interval" if var in interval else "nominal", units=units)
        if var in scope:
            frame = frame[frame.index.isin(list(scope[var]))]
        differ = frame[(frame.notna().sum(axis=1) >= 2) & (frame.nunique(axis=1) > 1)]
        if len(differ):
            parts.append(differ.rename_axis("activity_id").reset_index().assign(variable=var))
    if not parts:
        return pd.DataFrame(columns=["activity_id", "variable", *codings])
    out = pd.concat(parts, ignore_index=True)
    out = out[["activity_id", "variable", *codings]]
    for c in codings:
        out[c] = out[c].map(_text)
    return out


# ----------------------------------------------------------------------------------------------- adjudication
DECISION_COLUMNS = ("activity_id", "variable", "value", "reason", "decided_by")
LOG_FILE = "adjudication.csv"


def _read_csv_rows(path: Path, label: str) -> tuple[list[str], list[tuple[int, dict]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StudyError(f"{path}: the file is not UTF-8; save it as 'CSV UTF-8'") from None
    header, records = read_records(text)
    return header, [(first, row) for row, (first, _) in records]


def adjudicate(decisions, *, base, out, data_dirs=(), codebook: Codebook | None = None) -> tuple[Path, Path, int]:
    """Apply adjudicated values to a coder's coding; write the final ``activities.csv`` and a log of every decision.

    Parameters
    ----------
    decisions : path-like
        A CSV with one row per decision: ``activity_id``, ``variable``, ``value`` (the value decided; empty for
        an empty cell), ``reason`` and ``decided_by`` (both required); any other columns (the coders' values, as
        ``studylib agreement --disagreements`` writes them) are kept in the log.
    base : path-like
        The coder's folder whose coding the decisions amend (it is read, never written).
    out : path-like
        A new folder (or one without ``activities.csv`` and ``adjudication.csv``) for the final ``activities.csv``
        and ``adjudication.csv``, the log: each decision with the value before, the value decided, the reason, who
        decided and when. The coders' folders are left as they are, so the agreement before adjudication can be
        computed again.
    data_dirs : sequence of path-like
        The shared bundle folders layered under the final data (as for :func:`load_codings`). A final row whose
        id is in a folder beneath gets ``override`` = ``yes``, so that the final data layer over it.

    Returns
    -------
    (Path, Path, int)
        The final ``activities.csv``, the log, and the number of decisions.

    Raises
    ------
    ValidationError
        A decision without a reason or a decider, for an unknown variable or an activity the base coder did not
        code, twice for the same value; or final data the validator refuses. Nothing is written.
    StudyError
        When ``out`` already holds the final files (they are never overwritten).
    """
    from datetime import datetime, timezone

    from ..bundle.load import validate_bundle
    from ..provenance import write_atomic

    cb = codebook or load_codebook()
    decisions, base, out = (Path(p).expanduser().resolve() for p in (decisions, base, out))
    shared = [Path(d).expanduser().resolve() for d in data_dirs]
    if not decisions.is_file():
        raise StudyError(f"{decisions}: no such decisions file")
    source = base / "activities.csv"
    if not source.is_file():
        raise StudyError(f"{base}: no activities.csv in the base coder's folder (adjudication reads a CSV)")
    for target in (out / "activities.csv", out / LOG_FILE):
        if target.exists():
            raise StudyError(f"{target} already exists and is never overwritten; choose a new --out folder")
    label = decisions.name
    header, rows = _read_csv_rows(decisions, label)
    missing = [c for c in DECISION_COLUMNS if c not in header]
    if missing:
        raise ValidationError([Problem(label, 1, c, "the decisions file needs this column "
                                       f"({', '.join(DECISION_COLUMNS)})") for c in missing])
    base_header, base_rows = _read_csv_rows(source, f"{base.name}/activities.csv")
    by_id = {r.get("activity_id", "").strip(): r for _, r in base_rows}
    codable = [c for c in cb.all_columns("activities") if c not in ("activity_id", "override")]
    problems, seen = [], {}
    for line, row in rows:
        aid, var = row["activity_id"].strip(), row["variable"].strip()
        for col in ("activity_id", "variable", "reason", "decided_by"):
            if not row[col].strip():
                problems.append(Problem(label, line, col, "a value is required (every decision says why and who "
                                                         "decided)" if col in ("reason", "decided_by") else
                                        "a value is required"))
        if var and var not in codable:
            problems.append(Problem(label, line, "variable", f"unknown variable {var!r}: not a coded column of "
                                                            "activities"))
        if aid and aid not in by_id:
            problems.append(Problem(label, line, "activity_id", f"'{aid}' is not in {base.name}/activities.csv, "
                                                               "the coding adjudicated"))
        if aid and var:
            if (aid, var) in seen:
                problems.append(Problem(label, line, "variable", f"'{aid}' {var} is decided twice (first on line "
                                                                f"{seen[aid, var]})"))
            seen.setdefault((aid, var), line)
    if problems:
        raise ValidationError(problems)
    beneath = validate_bundle(DATA_DIR, *shared, codebook=cb).tables["activities"]
    lower_ids = set(beneath["activity_id"])
    final_header = list(base_header)
    for _, row in rows:
        if row["variable"].strip() not in final_header:
            final_header.append(row["variable"].strip())
    if lower_ids & set(by_id) and "override" not in final_header:
        final_header.append("override")
    today = datetime.now(timezone.utc).date().isoformat()
    log = []
    for _, row in rows:
        aid, var = row["activity_id"].strip(), row["variable"].strip()
        before = (by_id[aid].get(var) or "").strip()
        by_id[aid][var] = row["value"].strip()
        extra = {c: row[c] for c in header if c not in DECISION_COLUMNS and c not in ("before", "decided_on", "base")}
        log.append({"activity_id": aid, "variable": var, **extra, "base": base.name, "before": before,
                    "value": row["value"].strip(), "reason": row["reason"].strip(),
                    "decided_by": row["decided_by"].strip(), "decided_on": (row.get("decided_on") or today).strip()})
    for aid, r in by_id.items():
        if aid in lower_ids:
            r["override"] = "yes"
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(final_header)
    writer.writerows([[r.get(c, "") or "" for c in final_header] for _, r in base_rows])
    data = buf.getvalue().encode("utf-8")
    log_frame = pd.DataFrame(log)
    log_data = log_frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="studylib-adjudicate-") as tmp:
        copy = Path(tmp) / out.name
        copy.mkdir()
        (copy / "activities.csv").write_bytes(data)
        found = validate_bundle(DATA_DIR, *[d for d in shared if d != out], copy, codebook=cb).problems
    own = [p for p in found if p.file.startswith(f"{out.name}/")]
    if own:
        raise ValidationError(own)
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "activities.csv", data)
        write_atomic(out / LOG_FILE, log_data)
    except OSError as exc:
        raise StudyError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return out / "activities.csv", out / LOG_FILE, len(log)
