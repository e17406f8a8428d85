"""Sister-city networks: read one (GEXF, GraphML or a CSV of pairs), normalise it, and place the study's ties in it.

One loader, :func:`read_network`, returns a :class:`Network`: a table of cities (one row per node, with ISO 3166-1
country codes, coordinates and population where the file has them), a table of undirected ties (each pair once, no
self-pairs) and a report of what was read and dropped. The study's cities are matched to nodes only through an
explicit crosswalk (:func:`match_cities`): the ``wikidata`` column of ``cities.csv`` for networks whose node ids are
Wikidata items, name + country for name-based files. Nothing is matched by guesswork; what is not found is reported.

Country names are resolved with the CLDR English territory names that Babel ships, plus :data:`COUNTRY_ALIASES`
for the spellings of Wikidata labels and Wikipedia scrapes that CLDR lacks. The library returns numbers; the
notebook ``network_context`` says what they mean.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ParameterError, Problem
from .paths import DATA_DIR

__all__ = [
    "Network", "NetworkFileError", "read_network", "check_network_file", "DEFAULT_NETWORK", "COUNTRY_ALIASES",
    "country_code", "name_key", "match_cities", "city_partners", "partner_countries", "focal_ties",
    "great_circle_km", "country_pairs", "compare_partners", "ties_map", "country_pairs_chart", "network_credit",
]

#: The network the workbook uses when none is given: the Wikidata snapshot vendored under data/external/.
DEFAULT_NETWORK = DATA_DIR / "external" / "wikidata-sister-cities-2022" / "sister_cities.gexf"
DEFAULT_SOURCE_ID = "wikidata-sister-cities-2022"
PAIR_COLUMNS = ("city1", "country1", "city2", "country2")
COORD_COLUMNS = ("lat1", "lng1", "lat2", "lng2")
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
MAX_PROBLEMS = 20
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")

#: Country spellings CLDR's English names (via Babel) do not hold, as found in Wikidata's labels and in scrapes of
#: Wikipedia's "List of twin towns and sister cities" pages -> ISO 3166-1 alpha-2. Keys are :func:`name_key` forms.
#: Historical or disputed entities (Somaliland, Northern Cyprus, West Bank, Gaza Strip, Kingdom of Romania...) are
#: deliberately absent: they stay unresolved and are reported, rather than folded into a present-day state.
COUNTRY_ALIASES = {
    "united states of america": "US", "usa": "US", "u s a": "US", "u s": "US", "america": "US",
    "peoples republic of china": "CN", "prc": "CN", "mainland china": "CN",
    "republic of china": "TW", "republic of korea": "KR", "korea south": "KR", "korea republic of": "KR",
    "s korea": "KR", "democratic peoples republic of korea": "KP", "korea north": "KP",
    "republic of ireland": "IE", "czech republic": "CZ", "czechia": "CZ", "turkey": "TR", "myanmar": "MM",
    "burma": "MM", "ivory coast": "CI", "republic of the congo": "CG", "congo brazzaville": "CG",
    "democratic republic of the congo": "CD", "congo kinshasa": "CD", "dr congo": "CD",
    "state of palestine": "PS", "palestine": "PS", "palestinian national authority": "PS",
    "bahamas": "BS", "gambia": "GM", "netherlands": "NL", "kingdom of the netherlands": "NL", "holland": "NL",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "great britain": "GB",
    "uk": "GB", "russian federation": "RU", "viet nam": "VN", "macedonia": "MK", "republic of macedonia": "MK",
    "swaziland": "SZ", "east timor": "TL", "cabo verde": "CV", "hong kong": "HK", "macau": "MO", "macao": "MO",
    "federated states of micronesia": "FM", "vatican": "VA", "holy see": "VA", "united republic of tanzania": "TZ",
    "lao pdr": "LA", "laos": "LA", "syrian arab republic": "SY", "iran islamic republic of": "IR",
}


class NetworkFileError(ParameterError):
    """A network file cannot be read; ``problems`` locate each problem by file, line and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:MAX_PROBLEMS])
        more = len(self.problems) - MAX_PROBLEMS
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the network file:\n{shown}"
                         + (f"\n  ... and {more:,} more" if more > 0 else ""))


# ------------------------------------------------------------------------------------------- normalising


def name_keys(values) -> np.ndarray:
    """:func:`name_key` of many values at once (vectorised with Arrow's string kernels: a scrape has ~100,000
    distinct names)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pa.array(pd.Index(values).astype(str), type=pa.string())  # no Python loop over an Arrow-backed index
    s = pc.utf8_lower(pc.replace_substring_regex(pc.utf8_normalize(a, "NFKD"), r"\p{Mn}+", ""))  # accents off
    s = pc.replace_substring_regex(pc.replace_substring(s, "&", " and "), "['\u2019`]", "")
    s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"[^\p{L}\p{N}]+", " "))
    s = pc.replace_substring_regex(pc.replace_substring_regex(s, "^st ", "saint "), "^the ", "")
    out = np.asarray(s.to_numpy(zero_copy_only=False), dtype=object)
    empty = out == ""
    if empty.any():  # all punctuation: keep it as written
        out[empty] = [str(v).strip().casefold() for v in np.asarray(values, dtype=object)[empty]]
    return out


def name_key(text) -> str:
    """A place name as compared: accents dropped, case folded, punctuation and extra spaces removed.

    ``'Saint-Étienne'`` and ``'saint etienne'`` give the same key, and names in any script keep their letters
    (``'부산'``); romanisation variants (Pusan / Busan) are not merged.
    """
    return str(name_keys([text])[0])


@lru_cache(maxsize=1)
def _cldr_countries() -> dict[str, str]:
    from babel import Locale

    names = Locale("en").territories
    codes = [code for code in names if re.fullmatch(r"[A-Z]{2}", code)]
    out = dict(zip(name_keys([names[c] for c in codes]), codes))
    out.update(dict(zip(name_keys(codes), codes)))  # 'KR', 'kr''
    out.update(COUNTRY_ALIASES)
    return out


def country_code(name) -> str:
    """ISO 3166-1 alpha-2 code of an English country name or a code ('South Korea', 'KR' -> 'KR'); '' if unknown."""
    return _country_codes([name])[0]


def _country_codes(values) -> list[str]:
    table = _cldr_countries()
    return [table.get(k, "") for k in name_keys(values)]


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    return dict(Locale("en").territories)


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Country code -> the IANA time-zone area of its first zone in CLDR (Asia, Europe, America, Africa, ...)."""
    from babel.core import get_global

    return {code: zones[0].split("/")[0] for code, zones in get_global("territory_zones").items() if zones}


def _country_columns(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Raw country values resolved once per distinct value: the values' codes into the distinct values, and per
    distinct value (plus a last '' for a missing value, code -1) the ISO code ('' if unresolved), the display name and
    a comparison key (the ISO code, or '?' + the name key when unresolved); the unresolved values."""
    raw_codes, uniques = pd.factorize(raw.fillna(""), sort=False)
    uniques = [str(u).strip() for u in uniques]
    resolved = _country_codes(uniques)
    names = _country_names()
    display = [names.get(c, u) if c else u for c, u in zip(resolved, uniques)]
    keys = [c or "?" + k for c, k in zip(resolved, name_keys(uniques))]
    unresolved = sorted({u for c, u in zip(resolved, uniques) if not c and u})
    extend = lambda values: np.array(values + [""], dtype=object)  # noqa: E731 - code -1 (missing) -> ''
    return raw_codes, extend(resolved), extend(display), extend(keys), unresolved


# ---------------------------------------------------------------------------------------------- network


@dataclass
class Network:
    """A normalised sister-city network.

    Attributes
    ----------
    cities : DataFrame
        One row per city (row position = node index): ``node_id``, ``name``, ``country`` (ISO alpha-2, '' when
        unresolved), ``country_name``, ``region``, ``lat``, ``lon``, ``population``, ``key`` (name key).
    ties : DataFrame
        ``u``, ``v``: node indices of each undirected tie, ``u < v``, each pair once.
    report : dict
        What was read and dropped (rows read, self-pairs, duplicates, unresolved countries...).
    """

    path: Path
    kind: str  # 'wikidata' (node ids are Wikidata items) or 'names' (nodes are name + country)
    cities: pd.DataFrame
    ties: pd.DataFrame
    report: dict = field(default_factory=dict)
    sha256: str = ""

    @property
    def label(self) -> str:
        return "bundled Wikidata snapshot (2022-01-09)" if self.is_default else self.path.name

    @property
    def is_default(self) -> bool:
        return self.path.resolve() == DEFAULT_NETWORK.resolve()

    @property
    def degrees(self) -> np.ndarray:
        n = len(self.cities)
        return np.bincount(self.ties["u"], minlength=n) + np.bincount(self.ties["v"], minlength=n)

    def has_tie(self, a, b) -> np.ndarray:
        """Whether node indices ``a`` and ``b`` (arrays) are tied."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        n = len(self.cities)
        keys = np.minimum(a, b) * n + np.maximum(a, b)
        known = self._tie_keys()
        if not len(known):
            return np.zeros(len(keys), dtype=bool)
        order = np.argsort(keys, kind="stable")  # sorted queries walk the sorted keys in order: far fewer cache misses
        at = np.empty(len(keys), dtype=np.int64)
        at[order] = np.searchsorted(known, keys[order])
        return known[np.minimum(at, len(known) - 1)] == keys

    def _tie_keys(self) -> np.ndarray:
        if "_keys" not in self.__dict__:
            self.__dict__["_keys"] = np.sort(self.ties["u"].to_numpy(np.int64) * len(self.cities)
                                             + self.ties["v"].to_numpy(np.int64))
        return self.__dict__["_keys"]

    def distances_km(self) -> np.ndarray:
        """Great-circle distance of every tie (NaN where a city has no coordinates)."""
        c = self.cities
        u, v = self.ties["u"].to_numpy(), self.ties["v"].to_numpy()
        lat, lon = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
        return great_circle_km(lat[u], lon[u], lat[v], lon[v])

    def summary(self) -> pd.DataFrame:
        """One row: ``source, n_cities, n_ties`` and what was read and dropped on the way."""
        c = self.cities
        row = {"source": self.label, "file": self.path.name, "sha256": self.sha256, "kind": self.kind,
               "n_cities": len(c), "n_ties": len(self.ties), "n_countries": int(c.loc[c["country"] != "", "country"].nunique()),
               "cities_with_coordinates": int(c["lat"].notna().sum()),
               "cities_with_population": int(c["population"].notna().sum()),
               **{k: v for k, v in self.report.items() if not isinstance(v, (list, dict))}}
        return pd.DataFrame([row])


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km on a sphere of the mean Earth radius (arrays in degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_network(path: str | Path | None = None) -> Network:
    """Read a sister-city network from a GEXF, GraphML or CSV-of-pairs file (default: the bundled snapshot).

    A CSV needs the columns ``city1, country1, city2, country2`` (optional ``lat1, lng1, lat2, lng2``); a city is
    its normalised name + country. GEXF and GraphML nodes may carry ``label``/``name``, ``country``,
    ``lat``/``latitude``, ``lon``/``lng``/``longitude`` and ``pop``/``population``. Self-pairs are dropped and
    each undirected pair is kept once; :attr:`Network.report` says how many of each were dropped.

    The result is cached per file (path, size and modification time): treat it as read-only.

    Raises
    ------
    NetworkFileError
        For a missing, unreadable or malformed file, naming file, line and column.
    """
    path = Path(path) if path else DEFAULT_NETWORK
    path = path.expanduser().resolve()
    if not path.is_file():
        raise NetworkFileError([Problem(str(path), 0, "", "no such file" if not path.exists() else "not a file")])
    st = path.stat()
    return _read_cached(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_cached(path: str, size: int, mtime: int) -> Network:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv" or p.name.lower().endswith(".csv.gz"):
        net = _read_pairs_csv(p)
    elif suffix in (".gexf", ".graphml", ".xml"):
        net = _read_graph(p)
    else:
        raise NetworkFileError([Problem(path, 0, "", f"unknown network format '{suffix}': give a .gexf, .graphml or .csv file")])
    net.sha256 = _sha256(p)
    return net


def check_network_file(value: str) -> str:
    """The absolute path of a ``network_file`` parameter after reading it (''  stays '': the bundled snapshot).

    Called before any kernel starts, so a bad file fails with its located message and exit status 2.
    """
    if not value:
        return ""
    path = Path(value).expanduser().resolve()
    read_network(path)
    return str(path)


# ---------------------------------------------------------------------------------------------- CSV pairs


def _line_of_byte(path: Path, offset: int) -> int:
    with open(path, "rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _read_pairs_csv(path: Path) -> Network:
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
              "cities_with_unresolved_country": int((cities["country"] == "").sum())}
    return _finish(path, "names", cities, u, v, report)


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


def _read_graph(path: Path) -> Network:
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
    return _finish(path, kind, cities, edges[:, 0], edges[:, 1], report)


def _finish(path: Path, kind: str, cities: pd.DataFrame, u: np.ndarray, v: np.ndarray, report: dict) -> Network:
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
    return Network(path=path, kind=kind, cities=cities[cols], ties=ties.reset_index(drop=True), report=report)


# ----------------------------------------------------------------------------------------- the study's ties


def match_cities(cities: pd.DataFrame, net: Network) -> pd.DataFrame:
    """The crosswalk of study cities to network nodes: ``city_id, node, node_id, matched_by, found``.

    Wikidata-id networks match on ``cities.csv``'s ``wikidata`` column only; name-based networks on the
    normalised name and the ISO country code. A city without a match has ``node = -1`` and ``found = False``.
    """
    c = net.cities
    out = []
    if net.kind == "wikidata":
        where = {nid: i for i, nid in enumerate(c["node_id"])}
        wikidata = cities["wikidata"] if "wikidata" in cities else pd.Series("", index=cities.index)
        for cid, qid in zip(cities["city_id"], wikidata.fillna("").astype(str)):
            node = where.get(qid, -1) if qid else -1
            out.append((cid, node, qid, "wikidata id" if qid else "no wikidata id in cities.csv"))
    else:
        where = {(k, cc): i for i, (k, cc) in enumerate(zip(c["key"], c["country"])) if cc}
        for cid, name, cc in zip(cities["city_id"], cities["name"], cities["country"].astype(str)):
            node = where.get((name_key(name), cc), -1)
            out.append((cid, node, f"{name}, {cc}", "name + country"))
    df = pd.DataFrame(out, columns=["city_id", "node", "looked_up", "matched_by"])
    df["found"] = df["node"] >= 0
    df["node_id"] = [c["node_id"].iat[n] if n >= 0 else "" for n in df["node"]]
    df["network_name"] = [c["name"].iat[n] if n >= 0 else "" for n in df["node"]]
    return df


def city_partners(crosswalk: pd.DataFrame, net: Network, city_ids) -> pd.DataFrame:
    """Each city's number of partners and its percentile among all the network's cities.

    ``percentile`` is the share of the network's cities with fewer partners (so 99 means more partners than 99% of
    cities); ``rank`` is 1 for the most connected city (ties share the best rank).
    """
    deg = net.degrees
    ordered = np.sort(deg)
    rows = []
    xw = crosswalk.set_index("city_id")
    for cid in city_ids:
        node = int(xw.at[cid, "node"]) if cid in xw.index else -1
        if node < 0:
            rows.append({"city_id": cid, "found": False, "node_id": "", "partners": np.nan, "percentile": np.nan,
                         "rank": np.nan, "n_cities": len(deg)})
            continue
        d = int(deg[node])
        rows.append({"city_id": cid, "found": True, "node_id": xw.at[cid, "node_id"], "partners": d,
                     "percentile": 100 * np.searchsorted(ordered, d, side="left") / len(deg),
                     "rank": int(len(deg) - np.searchsorted(ordered, d, side="right") + 1), "n_cities": len(deg)})
    return pd.DataFrame(rows)


def _neighbours(net: Network, node: int) -> np.ndarray:
    u, v = net.ties["u"].to_numpy(), net.ties["v"].to_numpy()
    return np.concatenate([v[u == node], u[v == node]])


def partner_countries(crosswalk: pd.DataFrame, net: Network, city_ids) -> pd.DataFrame:
    """Partners of each found city by country: ``city_id, country, country_name, partners, share``."""
    frames = []
    xw = crosswalk.set_index("city_id")
    for cid in city_ids:
        node = int(xw.at[cid, "node"]) if cid in xw.index else -1
        if node < 0:
            continue
        nb = net.cities.iloc[_neighbours(net, node)]
        counts = (nb.assign(country_name=nb["country_name"].replace("", "(unresolved)"))
                  .groupby(["country", "country_name"]).size().rename("partners").reset_index()
                  .sort_values(["partners", "country_name"], ascending=[False, True]))
        counts["share"] = counts["partners"] / counts["partners"].sum()
        frames.append(counts.assign(city_id=cid))
    cols = ["city_id", "country", "country_name", "partners", "share"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def focal_ties(ties: pd.DataFrame, crosswalk: pd.DataFrame, net: Network) -> pd.DataFrame:
    """The study's ties in the network: ``tie_id, found, reason, node_a, node_b, distance_km, distance_percentile``.

    ``found`` is True only when both cities are matched and the network holds the tie. ``distance_percentile`` is the
    share of the network's ties (with coordinates) that are shorter.
    """
    xw = crosswalk.set_index("city_id")
    dist_all = net.distances_km()
    dist_sorted = np.sort(dist_all[~np.isnan(dist_all)])
    lat, lon = net.cities["lat"].to_numpy(float), net.cities["lon"].to_numpy(float)
    rows = []
    for t in ties.itertuples():
        a = int(xw.at[t.city_a, "node"]) if t.city_a in xw.index else -1
        b = int(xw.at[t.city_b, "node"]) if t.city_b in xw.index else -1
        missing = [c for c, n in ((t.city_a, a), (t.city_b, b)) if n < 0]
        if missing:
            found, reason = False, "city not in the network: " + ", ".join(missing)
        else:
            found = bool(net.has_tie([a], [b])[0])
            reason = "" if found else "both cities are in the network, the tie is not"
        d = float(great_circle_km(lat[a], lon[a], lat[b], lon[b])) if not missing else np.nan
        pct = 100 * np.searchsorted(dist_sorted, d) / len(dist_sorted) if d == d and len(dist_sorted) else np.nan
        rows.append({"tie_id": t.tie_id, "found": found, "reason": reason, "city_a": t.city_a, "city_b": t.city_b,
                     "node_a": xw.at[t.city_a, "node_id"] if a >= 0 else "",
                     "node_b": xw.at[t.city_b, "node_id"] if b >= 0 else "",
                     "distance_km": d, "distance_percentile": pct, "_a": a, "_b": b})
    return pd.DataFrame(rows)


def country_pairs(net: Network, *, highlight=()) -> pd.DataFrame:
    """Ties by unordered country pair, with how many could exist: ``country_a, country_b, ties, cities_a, cities_b,
    possible_pairs, ties_per_1000_pairs`` (``highlight``: pairs of codes such as ('ID', 'KR') listed even at 0)."""
    c = net.cities["country"].to_numpy(object)
    a, b = c[net.ties["u"].to_numpy()], c[net.ties["v"].to_numpy()]
    lo, hi = np.where(a <= b, a, b), np.where(a <= b, b, a)
    counts = pd.DataFrame({"country_a": lo, "country_b": hi}).query("country_a != '' and country_b != ''")
    counts = counts.groupby(["country_a", "country_b"]).size().rename("ties").reset_index()
    extra = [tuple(sorted(p)) for p in highlight]
    have = set(zip(counts["country_a"], counts["country_b"]))
    add = [{"country_a": x, "country_b": y, "ties": 0} for x, y in extra if (x, y) not in have]
    if add:
        counts = pd.concat([counts, pd.DataFrame(add)], ignore_index=True)
    counts["ties"] = counts["ties"].astype(int)
    per = pd.Series(c).value_counts()
    na = counts["country_a"].map(per).fillna(0).astype(int)
    nb = counts["country_b"].map(per).fillna(0).astype(int)
    same = counts["country_a"] == counts["country_b"]
    possible = np.where(same, na * (na - 1) // 2, na * nb)
    names = _country_names()
    counts.insert(2, "pair", [f"{names.get(x, x)}–{names.get(y, y)}" for x, y in zip(counts["country_a"], counts["country_b"])])
    counts["cities_a"], counts["cities_b"], counts["possible_pairs"] = na, nb, possible
    counts["ties_per_1000_pairs"] = np.where(possible > 0, 1000 * counts["ties"] / np.maximum(possible, 1), np.nan)
    counts["highlighted"] = [(x, y) in set(extra) for x, y in zip(counts["country_a"], counts["country_b"])]
    return counts.sort_values(["ties", "pair"], ascending=[False, True]).reset_index(drop=True)


def compare_partners(first: tuple[Network, pd.DataFrame], second: tuple[Network, pd.DataFrame], city_ids) -> pd.DataFrame:
    """Where two networks disagree on the given cities' partners (compared by name key + country code).

    One row per city: partners in each, in both, only in the first, only in the second (names listed).
    """
    rows = []
    for cid in city_ids:
        sets = []
        for net, xw in (first, second):
            node = int(xw.set_index("city_id").at[cid, "node"]) if cid in set(xw["city_id"]) else -1
            if node < 0:
                sets.append(None)
                continue
            nb = net.cities.iloc[_neighbours(net, node)]
            sets.append({(k, cc): f"{n} ({cc or '?'})" for k, cc, n in zip(nb["key"], nb["country"], nb["name"])})
        a, b = sets
        row = {"city_id": cid, "in_first": np.nan if a is None else len(a), "in_second": np.nan if b is None else len(b)}
        if a is not None and b is not None:
            both, only_a, only_b = a.keys() & b.keys(), a.keys() - b.keys(), b.keys() - a.keys()
            row.update({"in_both": len(both), "only_first": len(only_a), "only_second": len(only_b),
                        "only_first_names": "; ".join(sorted(a[k] for k in only_a)),
                        "only_second_names": "; ".join(sorted(b[k] for k in only_b))})
        else:
            row["note"] = "city not in " + ("both networks" if a is None and b is None else "the first network" if a is None else "the second network")
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------- charts


def country_pairs_chart(pairs: pd.DataFrame, *, top: int = 15, caption: str = "", title: str | None = None, ax=None):
    """Horizontal bars of ties per country pair: the ``top`` pairs plus the highlighted ones (drawn in colour).

    Returns the Axes (drawn into ``ax`` when given, else into a figure of its own with ``caption`` under it).
    """
    from .figures import _axes, _finish

    show = pd.concat([pairs.head(top), pairs[pairs["highlighted"]]]).drop_duplicates(["country_a", "country_b"])
    show = show.sort_values("ties")
    ax, own = _axes(ax, (7.5, 0.28 * len(show) + 1.6))
    ax.barh(show["pair"], show["ties"], color=np.where(show["highlighted"], "C1", "0.6"))
    for y, (n, rate) in enumerate(zip(show["ties"], show["ties_per_1000_pairs"])):
        ax.text(n, y, f" {n:,}" + (f" ({rate:.2f} per 1,000 pairs)" if rate == rate else ""), va="center", fontsize=7.5)
    ax.set_xlabel("ties in the network")
    ax.set_ylabel("")
    ax.margins(x=0.5)  # room for the labels
    return _finish(ax, caption, title=title, own=own)


def ties_map(net: Network, nodes, *, labels: dict | None = None, caption: str = "", title: str | None = None, ax=None):
    """The given nodes' ties drawn as straight lines on longitude/latitude axes over every city as a grey dot.

    No base map is drawn (nothing is downloaded): the network's own cities outline the inhabited world. Returns the
    Axes (drawn into ``ax`` when given, else into a figure of its own with ``caption`` under it).
    """
    from .figures import _axes, _finish

    c = net.cities
    ax, own = _axes(ax, (9, 5.6))
    ax.scatter(c["lon"], c["lat"], s=1, color="0.75", linewidths=0)
    lat, lon = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
    for i, node in enumerate(nodes):
        nb = _neighbours(net, node)
        color = f"C{i % 10}"
        for other in nb:
            ax.plot([lon[node], lon[other]], [lat[node], lat[other]], color=color, linewidth=0.6, alpha=0.6)
        ax.scatter(lon[nb], lat[nb], s=6, color=color)
        name = (labels or {}).get(node, c["name"].iat[node])
        ax.scatter([lon[node]], [lat[node]], s=40, color=color, edgecolor="black", zorder=3, label=f"{name} ({len(nb)})")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 80)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal")
    if len(nodes):
        ax.legend(loc="lower left", fontsize=7.5, title="city (partners)", title_fontsize=7.5)
    return _finish(ax, caption, title=title, own=own)


def network_credit(net: Network) -> str:
    """The line that credits a network's data (for captions and the Data section)."""
    if net.is_default:
        return ("Wikidata contributors (CC0), via albertoursino/graphs-comparison: sister-city graph, snapshot of "
                "2022-01-09 (source wikidata-sister-cities-2022)")
    return f"network file {net.path.name} (sha256 {net.sha256[:12]}…), supplied by the user"
