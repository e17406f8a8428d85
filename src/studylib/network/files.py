"""Network files read and normalised: a CSV of pairs, GEXF or GraphML into tables of cities and undirected ties.

:func:`read_network_file` returns the parts of a :class:`~studylib.network.Network` (its cities, ties and a report
of what was read and dropped); a file that cannot be read raises :class:`NetworkFileError`, naming file, line and
column of each problem.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError, Problem
from .places import _country_columns, _regions, ambiguous_country_names, name_keys

__all__ = ["NetworkFileError", "read_network_file"]

PAIR_COLUMNS = ("city1", "country1", "city2", "country2")
COORD_COLUMNS = ("lat1", "lng1", "lat2", "lng2")
MAX_PROBLEMS = 20
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")


class NetworkFileError(ParameterError):
    """A network file cannot be read; ``problems`` locate each problem by file, line and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:MAX_PROBLEMS])
        more = len(self.problems) - MAX_PROBLEMS
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the network file:\n{shown}"
                         + (f"\n  ... and {more:,} more" if more > 0 else ""))


def read_network_file(path: Path) -> dict:
    """The parts of a network read from ``path`` by its suffix: ``kind``, ``cities``, ``ties`` and ``report``."""
    suffix = path.suffix.lower()
    if suffix == ".csv" or path.name.lower().endswith(".csv.gz"):
        return _read_pairs_csv(path)
    if suffix in (".gexf", ".graphml", ".xml"):
        return _read_graph(path)
    raise NetworkFileError([Problem(str(path), 0, "", f"unknown network format '{suffix}': give a .gexf, .graphml or .csv file")])


# ---------------------------------------------------------------------------------------------- CSV pairs


def _line_of_byte(path: Path, offset: int) -> int:
    with open(path, "rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _read_pairs_csv(path: Path) -> dict:
    label = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise NetworkFileError([Problem(label, _line_of_byte(path, exc.start), "", "not UTF-8 text: save the file as UTF-8")]) from None
    if not header:
        raise NetworkFileError([Problem(label, 1, "", "the file is empty: a pairs file needs the header "
                                        "city1,country1,city2,country2")])
    names = [h.strip().lower() for h in header]
    missing = [c for c in PAIR_COLUMNS if c not in names]
    if missing:
        raise NetworkFileError([Problem(label, 1, c, "missing column; a pairs file needs city1,country1,city2,country2 "
                                        "(and optionally lat1,lng1,lat2,lng2)") for c in missing])
    wanted = [c for c in (*PAIR_COLUMNS, *COORD_COLUMNS) if c in names]
    usecols = [header[names.index(c)] for c in wanted]
    try:
        # Every column is read (not usecols), so a row with more fields than the header fails instead of being cut.
        # No dtype=str: in pandas it costs ~10x the read; names that look like numbers are turned back into text below
        coord_names = [header[names.index(c)] for c in COORD_COLUMNS if c in names]
        df = pd.read_csv(path, keep_default_na=False, na_values={c: [""] for c in coord_names}, encoding="utf-8-sig",
                         skipinitialspace=True)[usecols]
    except UnicodeDecodeError as exc:
        raise NetworkFileError([Problem(label, _line_of_byte(path, exc.start), "", "not UTF-8 text: save the file as UTF-8")]) from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        problem = (Problem(label, int(m.group(2)), "", f"{m.group(3)} fields where the header has {m.group(1)} "
                           "(a comma inside a name needs quotes)") if m else Problem(label, 0, "", f"cannot be read as CSV: {exc}"))
        raise NetworkFileError([problem]) from None
    df.columns = wanted
    for col in PAIR_COLUMNS:
        if not (pd.api.types.is_string_dtype(df[col]) or df[col].dtype == object):
            df[col] = pd.read_csv(path, usecols=[header[names.index(col)]], dtype=str, keep_default_na=False,
                                  encoding="utf-8-sig", skipinitialspace=True).iloc[:, 0]  # as written ('007', not 7)
        df[col] = df[col].astype(str)
    n_rows = len(df)
    problems = []
    line = np.arange(n_rows) + 2  # header is line 1 (quoted line breaks inside a field would shift this)
    # Both ends of every row: all city1 values, then all city2 values (position p is row p % n_rows)
    both_names = pd.concat([df["city1"], df["city2"]], ignore_index=True)
    name_codes, name_uniques = pd.factorize(both_names, sort=False)  # each distinct spelling checked once
    blank = np.flatnonzero(pd.Index(name_uniques).astype(str).str.strip() == "")
    if len(blank):
        at = np.flatnonzero(np.isin(name_codes, blank))
        at = at[np.argsort(at % n_rows, kind="stable")][:MAX_PROBLEMS]
        problems += [Problem(label, int(line[p % n_rows]), "city1" if p < n_rows else "city2", "empty city name") for p in at]
    coords = {}
    for col in COORD_COLUMNS:
        if col not in df:
            continue
        if not pd.api.types.is_numeric_dtype(df[col]):
            text = df[col].str.strip()
            value = pd.to_numeric(text, errors="coerce")
            bad = np.flatnonzero(((text != "") & value.isna()).to_numpy())
            problems += [Problem(label, int(line[i]), col, f"'{df[col].iat[i]}' is not a number") for i in bad[:MAX_PROBLEMS]]
        else:
            value = df[col]
        limit = 90 if col.startswith("lat") else 180
        out = np.flatnonzero((value.abs() > limit).to_numpy())
        problems += [Problem(label, int(line[i]), col, f"{value.iat[i]} is outside -{limit}..{limit}") for i in out[:MAX_PROBLEMS]]
        coords[col] = value.to_numpy(float)
    if problems:
        raise NetworkFileError(sorted(problems))

    # A city is its name key + its country (code when resolved, else the country's own key): resolved per distinct value
    both_countries = pd.concat([df["country1"], df["country2"]], ignore_index=True)
    raw_country, iso, display, ckeys, unresolved = _country_columns(both_countries)
    country, country_display = iso[raw_country], display[raw_country]
    key_of_unique, key_uniques = pd.factorize(name_keys(name_uniques), sort=False)  # per distinct spelling
    key_codes = key_of_unique[name_codes]
    ckey_of_raw, _ = pd.factorize(ckeys, sort=False)
    c_codes = ckey_of_raw[raw_country]
    ckey = ckeys[raw_country]
    width = int(max(c_codes.max(initial=0), raw_country.max(initial=0))) + 1
    node_of, n_nodes = _dense_codes(key_codes.astype(np.int64) * width + c_codes)
    in_file_order = np.column_stack([np.arange(n_rows), np.arange(n_rows) + n_rows]).ravel()  # row 1 city1, city2, row 2...
    first_pos = _first_positions(node_of, in_file_order, n_nodes)  # where each city is first mentioned
    n_spellings = _dense_codes(name_codes.astype(np.int64) * width + raw_country)[1]
    lat = np.full(n_nodes, np.nan)
    lon = np.full(n_nodes, np.nan)
    if "lat1" in coords and "lng1" in coords and "lat2" in coords and "lng2" in coords:
        lat_all = np.concatenate([coords["lat1"], coords["lat2"]])
        lon_all = np.concatenate([coords["lng1"], coords["lng2"]])
        has = ~(np.isnan(lat_all) | np.isnan(lon_all))
        ok = in_file_order[has[in_file_order]]  # positions with coordinates, in file order
        first = _first_positions(node_of, ok, n_nodes)  # each city's first coordinates (-1: none)
        known = first >= 0
        lat[known], lon[known] = lat_all[first[known]], lon_all[first[known]]
    cities = pd.DataFrame({
        "node_id": [f"{key_uniques[key_codes[i]]}|{ckey[i]}" for i in first_pos],
        "name": both_names.iloc[first_pos].str.strip().to_numpy(),
        "country": country[first_pos], "country_name": country_display[first_pos],
        "lat": lat, "lon": lon, "population": np.full(n_nodes, np.nan),
        "key": key_uniques[key_codes[first_pos]],
    })
    u, v = node_of[:n_rows], node_of[n_rows:]
    report = {"rows_read": n_rows, "spelling_variants_merged": int(n_spellings - n_nodes),
              "unresolved_countries": unresolved,
              "country_problems": _country_problems(label, both_countries, iso[raw_country] == "", in_file_order,
                                                    lambda p: (int(line[p % n_rows]),
                                                               "country1" if p < n_rows else "country2")),
              "cities_with_unresolved_country": int((cities["country"] == "").sum())}
    return _finish("names", cities, u, v, report)


def _country_problems(label: str, raw: pd.Series, unresolved: np.ndarray, order: np.ndarray, where) -> list[str]:
    """Where each country value that resolved to no ISO code is first written (file, line, column) and why: not a
    country name CLDR knows in a report language nor a code, or a name two languages give to different countries.
    The rows are kept (the country as written); these messages say what to correct. ``order``: positions in file
    order; ``where(p)``: the (line, column) of position ``p``."""
    ambiguous = ambiguous_country_names()
    out, seen = [], set()
    for p in order[unresolved[order]]:  # only the unresolved positions are visited
        value = str(raw.iat[p]).strip()
        if not value or value in seen:
            continue
        seen.add(value)
        if name_keys([value])[0] in ambiguous:
            why = f"country '{value}' names different countries in English and Indonesian: write its ISO 3166-1 code"
        else:
            why = (f"country '{value}' is neither an ISO 3166-1 code nor a country name CLDR knows in English or "
                   "Indonesian: kept as written (write the code or the CLDR name to resolve it)")
        line, column = where(p)
        out.append(str(Problem(label, line, column, why)))
        if len(out) >= MAX_PROBLEMS:
            break
    return out


def _dense_codes(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative integer keys renumbered 0..k-1 (in key order) in linear time; (codes, k)."""
    if len(keys) == 0:
        return keys.astype(np.int64), 0
    top = int(keys.max()) + 1
    if top > 50 * len(keys) + 1_000_000:  # sparse keys: hashing beats a table this large
        codes, uniques = pd.factorize(keys)
        return codes.astype(np.int64), len(uniques)
    present = np.zeros(top, dtype=bool)
    present[keys] = True
    rank = np.cumsum(present, dtype=np.int32) - 1
    return rank[keys], int(rank[-1]) + 1


def _first_positions(codes: np.ndarray, order: np.ndarray, k: int) -> np.ndarray:
    """For each code 0..k-1, the first position in ``order`` (positions into ``codes``) holding it; -1 if none."""
    out = np.full(k, -1, dtype=np.int64)
    seen = pd.Series(codes[order]).drop_duplicates()  # hash-based: keeps each code's first occurrence, in order
    out[seen.to_numpy()] = order[seen.index.to_numpy()]
    return out


# ------------------------------------------------------------------------------------------- GEXF, GraphML

ATTRIBUTE_NAMES = {"lat": ("lat", "latitude"), "lon": ("lon", "lng", "long", "longitude"),
                   "population": ("pop", "population"), "country": ("country", "country_code", "countrycode"),
                   "name": ("label", "name")}


def _xml_line(path: Path, needle: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for i, text in enumerate(fh, 1):
            if needle in text:
                return i
    return 0


def _read_graph(path: Path) -> dict:
    import xml.etree.ElementTree as ET

    import networkx as nx

    label = str(path)
    reader = nx.read_graphml if path.suffix.lower() in (".graphml", ".xml") else nx.read_gexf
    try:
        g = reader(path)
    except ET.ParseError as exc:
        line, col = exc.position
        raise NetworkFileError([Problem(label, line, "", f"not well-formed XML (column {col}): {exc.msg if hasattr(exc, 'msg') else exc}")]) from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError) as exc:
        kind = "GraphML" if reader is nx.read_graphml else "GEXF"
        raise NetworkFileError([Problem(label, 0, "", f"cannot be read as {kind}: {exc}")]) from None
    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    data = [g.nodes[n] for n in nodes]
    cols = {}
    problems = []
    for target, options in ATTRIBUTE_NAMES.items():
        values = []
        for n, attrs in zip(nodes, data):
            low = {str(k).lower(): v for k, v in attrs.items()}
            values.append(next((low[o] for o in options if o in low and low[o] not in (None, "")), None))
        if target in ("lat", "lon", "population"):
            num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
            bad = [i for i, (raw, x) in enumerate(zip(values, num)) if raw is not None and np.isnan(x)]
            limit = {"lat": 90, "lon": 180}.get(target)
            if limit:
                bad += [i for i, x in enumerate(num) if abs(x) > limit]
            for i in bad[:MAX_PROBLEMS]:
                problems.append(Problem(label, _xml_line(path, f'id="{nodes[i]}"'), target,
                                        f"node '{nodes[i]}': {values[i]!r} is not a valid {target}"))
            cols[target] = num.to_numpy(float, copy=True)
        else:
            cols[target] = values
    if problems:
        raise NetworkFileError(sorted(problems))
    raw_country = pd.Series([str(c) if c is not None else "" for c in cols["country"]], dtype=object)
    codes, iso, display, _, unresolved = _country_columns(raw_country)
    country, country_display = iso[codes], display[codes]
    population = np.where(cols["population"] > 0, cols["population"], np.nan)  # 0 or less: not a population
    names = [str(x) if x is not None else str(n) for n, x in zip(nodes, cols["name"])]
    cities = pd.DataFrame({"node_id": [str(n) for n in nodes], "name": names, "country": country,
                           "country_name": country_display, "lat": cols["lat"], "lon": cols["lon"],
                           "population": population, "key": name_keys(names)})
    edges = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    kind = "wikidata" if len(nodes) and np.mean([bool(WIKIDATA_ID.match(str(n))) for n in nodes]) > 0.9 else "names"
    report = {"rows_read": int(len(edges)), "unresolved_countries": unresolved,
              "cities_with_unresolved_country": int((cities["country"] == "").sum()),
              "directed_input": bool(g.is_directed())}
    return _finish(kind, cities, edges[:, 0], edges[:, 1], report)


def _finish(kind: str, cities: pd.DataFrame, u: np.ndarray, v: np.ndarray, report: dict) -> dict:
    """Drop self-pairs, keep each undirected pair once, count both; add regions."""
    self_pair = u == v
    lo, hi = np.minimum(u, v)[~self_pair], np.maximum(u, v)[~self_pair]
    keys = lo.astype(np.int64) * max(len(cities), 1) + hi
    keep = np.flatnonzero(~pd.Series(keys).duplicated().to_numpy())  # hash-based; the first of each pair in file order
    regions = _regions()
    cities["region"] = cities["country"].map(regions).fillna("")
    report = {**report, "self_pairs_dropped": int(self_pair.sum()), "duplicate_pairs_dropped": int(len(lo) - len(keep))}
    ties = pd.DataFrame({"u": lo[keep], "v": hi[keep]})
    cols = ["node_id", "name", "country", "country_name", "region", "lat", "lon", "population", "key"]
    return {"kind": kind, "cities": cities[cols], "ties": ties.reset_index(drop=True), "report": report}
