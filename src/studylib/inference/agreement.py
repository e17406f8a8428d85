"""Inter-coder agreement: Krippendorff's alpha and Cohen's kappa for codings of the same activities.

Two or more coders each code the same units (activities, matched by ``activity_id``) into the codebook's
vocabularies. Agreement is computed per variable on the units that at least two coders coded; a unit a coder
did not code is a missing value for that coder (Krippendorff's alpha handles missing values; kappa uses the
units both coders coded).

Alpha is computed from the coincidence matrix as in Krippendorff (2011), "Computing Krippendorff's
Alpha-Reliability", with the nominal or ordinal difference function. Its interval is a percentile bootstrap over
units (resampling the pairable units with replacement, seeded), a simpler scheme than Krippendorff's own
bootstrap of pairable values; the seed and number of resamples are returned with the interval.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..bundle.load import load_bundle
from ..bundle.codebook import Codebook, load_codebook
from ..errors import StudyError
from ..paths import DATA_DIR

__all__ = ["krippendorff_alpha", "alpha_interval", "cohen_kappa", "load_codings", "agreement_table",
           "disagreements", "coded_units", "AGREEMENT_VARIABLES", "CODED_VARIABLES", "RESOLVED_VARIABLES", "LEVELS"]

AGREEMENT_VARIABLES = ("sector", "activity_type", "direction", "stage", "actor_type")
# Every vocabulary column a coder codes for an activity: what a reliability report shows, one alpha each.
CODED_VARIABLES = ("sector", "activity_type", "direction", "stage", "actor_type", "participant_group", "certainty",
                   "recurrence", "participants_qualifier", "axis", "dimension")
# Compared as the value in force: the row's own value, else the sector's default (codebook mappings).
RESOLVED_VARIABLES = ("axis", "dimension")
# What an empty cell means, where the codebook says (stage: "implemented (default when empty)"; actor_type: "empty
# reads as unspecified"; axis/dimension: a sector mapped to no frame). Other empty cells compare as "(empty)".
EMPTY_MEANS = {"stage": "implemented", "actor_type": "unspecified", "axis": "(none)", "dimension": "(none)"}
LEVELS = ("nominal", "ordinal")


def _reliability_matrix(data) -> tuple[np.ndarray, list]:
    """Units x coders values -> integer codes (-1 = missing) and the sorted list of values."""
    frame = pd.DataFrame(data)
    if frame.ndim != 2 or frame.shape[1] < 2:
        raise ValueError("agreement needs a table of units (rows) by at least two coders (columns)")
    values = frame.stack().dropna()
    values = values[values.astype(str) != ""]
    levels = sorted(pd.unique(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(levels)}
    codes = frame.apply(lambda col: col.map(lambda v: index.get(v, -1))).to_numpy(dtype=int)
    return codes, levels


def _coincidences(codes: np.ndarray, k: int) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck from integer codes (units x coders, -1 = missing)."""
    o = np.zeros((k, k))
    for row in codes:
        vals = row[row >= 0]
        m = len(vals)
        if m < 2:
            continue  # a unit coded once has no pair: it carries no information on agreement
        counts = np.bincount(vals, minlength=k).astype(float)
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    return o


def _delta(n_c: np.ndarray, level: str) -> np.ndarray:
    k = len(n_c)
    if level == "nominal":
        return 1.0 - np.eye(k)
    # ordinal: squared sum of the marginals between two ranks, less half of the two ends
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k), np.arange(k))
    between = cum[hi + 1] - cum[lo]
    return (between - (n_c[lo] + n_c[hi]) / 2.0) ** 2


def _alpha_from_codes(codes: np.ndarray, k: int, level: str) -> float:
    o = _coincidences(codes, k)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    d = _delta(n_c, level)
    expected = (np.outer(n_c, n_c) * d).sum()
    if expected == 0:
        return float("nan")  # every pairable value is the same: alpha is undefined
    return float(1.0 - (n - 1) * (o * d).sum() / expected)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def krippendorff_alpha(data, *, level: str = "nominal", order=None) -> float:
    """Krippendorff's alpha for a units x coders table with missing values.

    Parameters
    ----------
    data : DataFrame or 2-D array-like
        One row per unit, one column per coder; missing values (NaN, None, "") where a coder did not code.
    level : {"nominal", "ordinal"}
        The difference function.
    order : sequence, optional
        For ``level="ordinal"``, the values from lowest to highest (default: sorted values).

    Returns
    -------
    float
        Alpha; NaN when it is undefined (fewer than two pairable values, or no variation at all).
    """
    _check_level(level)
    if order is not None:
        rank = {v: i for i, v in enumerate(order)}
        frame = pd.DataFrame(data)
        unknown = set(frame.stack().dropna()) - set(rank) - {""}
        if unknown:
            raise ValueError(f"values not in the order given: {sorted(map(str, unknown))}")
        data = frame.apply(lambda col: col.map(lambda v: rank.get(v, np.nan)))
    codes, levels = _reliability_matrix(data)
    return _alpha_from_codes(codes, len(levels), level)


def alpha_interval(data, *, level: str = "nominal", order=None, resamples: int = 2000, seed: int = 20261130,
                   confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of alpha, resampling pairable units with replacement (seeded)."""
    _check_level(level)
    if resamples < 1:
        raise ValueError("resamples must be a positive number")
    frame = pd.DataFrame(data)
    if order is not None:
        rank = {v: i for i, v in enumerate(order)}
        frame = frame.apply(lambda col: col.map(lambda v: rank.get(v, np.nan)))
    codes, levels = _reliability_matrix(frame)
    pairable = codes[(codes >= 0).sum(axis=1) >= 2]
    if len(pairable) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = np.array([
        _alpha_from_codes(pairable[rng.integers(0, len(pairable), len(pairable))], len(levels), level)
        for _ in range(resamples)
    ])
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def cohen_kappa(first, second) -> float:
    """Cohen's kappa (statsmodels) of two coders on the units both coded."""
    from statsmodels.stats.inter_rater import cohens_kappa

    pair = pd.DataFrame({"a": list(first), "b": list(second)}).replace("", np.nan).dropna()
    if pair.empty:
        return float("nan")
    table = pd.crosstab(pair["a"], pair["b"])
    values = sorted(set(table.index) | set(table.columns), key=str)
    table = table.reindex(index=values, columns=values, fill_value=0)
    if len(values) < 2:
        return float("nan")  # one value only: chance agreement is 1 and kappa is undefined
    return float(cohens_kappa(table.to_numpy(), return_results=False))


def _coder_names(folders: list[Path]) -> list[str]:
    names = [f.name for f in folders]
    if len(set(names)) < len(names):
        names = [str(f) for f in folders]
    return names


def load_codings(*folders, codebook: Codebook | None = None) -> dict[str, pd.DataFrame]:
    """Each coder's activities, validated layered over the study data, keyed by coder (folder name).

    A coder's rows replace the study's rows with the same ``activity_id`` (they are codings of the same unit, so no
    ``override`` column is needed). The study's own ``data/`` folder may be named as a coder: its activities are
    that coder's coding. Only the rows of each coder's own folder are returned.
    """
    if len(folders) < 2:
        raise StudyError("agreement needs at least two coders' folders")
    cb = codebook or load_codebook()
    paths = [Path(f).expanduser().resolve() for f in folders]
    if len(set(paths)) < len(paths):
        raise StudyError("the same folder is named twice; give each coder's folder once")
    for p in paths:
        if not p.is_dir():
            raise StudyError(f"{p}: no such folder")
        if not any((p / f"activities{ext}").exists() for ext in (".csv", ".xlsx")):
            raise StudyError(f"{p}: no activities.csv (or .xlsx) in this coder's folder")
    study = DATA_DIR.resolve()
    codings = {}
    for name, folder in zip(_coder_names(paths), paths):
        if folder == study:
            acts = load_bundle(study, codebook=cb).activities
        else:
            acts = load_bundle(study, folder, codebook=cb, replace=True).activities
            acts = acts[acts["_file"].str.startswith(f"{folder.name}/")]
        codings[name] = acts.set_index("activity_id")
    return codings


def _in_force(df: pd.DataFrame, variable: str, codebook: Codebook | None) -> pd.Series:
    """The value in force of a resolved variable: the row's own value, else its sector's default."""
    own = df[variable].astype("object").replace("", np.nan)
    if "sector" not in df.columns:
        return own
    default = df["sector"].astype("object").map((codebook or load_codebook()).mapping(variable))
    return own.where(own.notna(), default)


def _units_by_coders(codings: dict[str, pd.DataFrame], variable: str, *, units=None,
                     codebook: Codebook | None = None) -> pd.DataFrame:
    missing = [c for c, df in codings.items() if variable not in df.columns]
    if missing:
        raise ValueError(f"unknown variable {variable!r} (not a column of {', '.join(missing)})")
    # A unit a coder did not code is missing; an empty cell in a row the coder did code is a decision (e.g. "the
    # source names no participant group"), compared as a value: what the codebook says empty means, else "(empty)".
    empty = EMPTY_MEANS.get(variable, "(empty)")
    columns = {}
    for c, df in codings.items():
        values = (_in_force(df, variable, codebook) if variable in RESOLVED_VARIABLES
                  else df[variable].astype("object").replace("", np.nan))
        columns[c] = values.where(values.notna(), empty)
    frame = pd.DataFrame(columns).sort_index()
    if units is not None:
        frame = frame[frame.index.isin(list(units))]
    return frame


def coded_units(codings: dict[str, pd.DataFrame]) -> list:
    """Ids of the units that at least two coders coded (the units an agreement table can rest on), sorted."""
    counts = pd.concat([pd.Series(1, index=df.index.unique()) for df in codings.values()], axis=1).notna().sum(axis=1)
    return sorted(counts.index[counts >= 2])


def agreement_table(codings: dict[str, pd.DataFrame], variables=AGREEMENT_VARIABLES, *, ordinal=(),
                    codebook: Codebook | None = None, resamples: int = 2000, seed: int = 20261130,
                    units=None, scope: dict | None = None) -> pd.DataFrame:
    """One row per variable: alpha (with its bootstrap interval), units, pairable values, kappa for two coders.

    ``ordinal`` names the variables whose vocabulary is ordered (codebook order, lowest first); the others are
    nominal. ``axis`` and ``dimension`` (:data:`RESOLVED_VARIABLES`) are compared as the value in force: the row's
    own value, else its sector's default. ``units`` restricts every variable to those activity ids; ``scope`` maps
    a variable to the ids it is compared on (e.g. the axis only on the units of the source that defines the axes).
    """
    cb = codebook or load_codebook()
    scope = dict(scope or {})
    unknown = set(scope) - set(variables)
    if unknown:
        raise ValueError(f"scope names variables not compared: {', '.join(sorted(unknown))}")
    rows = []
    for var in variables:
        frame = _units_by_coders(codings, var, units=units, codebook=cb)
        if var in scope:
            frame = frame[frame.index.isin(list(scope[var]))]
        level = "ordinal" if var in ordinal else "nominal"
        order = None
        if level == "ordinal":
            spec = {**cb.all_columns("activities")}.get(var, {})
            if "vocab" not in spec:
                raise ValueError(f"{var!r} has no vocabulary, so it cannot be ordinal")
            order = cb.vocabulary(spec["vocab"])
        coded = frame.notna().sum(axis=1)
        pairable = frame[coded >= 2]
        low, high = alpha_interval(frame, level=level, order=order, resamples=resamples, seed=seed)
        row = {
            "variable": var, "level": level,
            "alpha": krippendorff_alpha(frame, level=level, order=order),
            "conf_low": low, "conf_high": high,
            "n_units": len(pairable), "n_pairable_values": int(coded[coded >= 2].sum()),
            "n_disagreements": int((pairable.nunique(axis=1) > 1).sum()),
            "kappa": cohen_kappa(frame.iloc[:, 0], frame.iloc[:, 1]) if frame.shape[1] == 2 else np.nan,
            "resamples": resamples, "seed": seed,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def disagreements(codings: dict[str, pd.DataFrame], variables=AGREEMENT_VARIABLES, *, units=None,
                  scope: dict | None = None) -> pd.DataFrame:
    """The units on which coders differ, one row per (activity, variable), one column per coder, for adjudication.

    ``units`` and ``scope`` as in :func:`agreement_table`.
    """
    parts = []
    scope = dict(scope or {})
    for var in variables:
        frame = _units_by_coders(codings, var, units=units)
        if var in scope:
            frame = frame[frame.index.isin(list(scope[var]))]
        differ = frame[(frame.notna().sum(axis=1) >= 2) & (frame.nunique(axis=1) > 1)]
        if len(differ):
            parts.append(differ.rename_axis("activity_id").reset_index().assign(variable=var))
    if not parts:
        return pd.DataFrame(columns=["activity_id", "variable", *codings])
    out = pd.concat(parts, ignore_index=True)
    return out[["activity_id", "variable", *codings]].fillna("")
