"""Sister-city networks: read one (GEXF, GraphML or a CSV of pairs) and place the study's ties in it.

One loader, :func:`read_network`, returns a :class:`Network`: a table of cities (one row per node, with ISO 3166-1
country codes, coordinates and population where the file has them), a table of undirected ties (each pair once, no
self-pairs) and a report of what was read and dropped. The study's cities are matched to nodes only through an
explicit crosswalk (:func:`match_cities`): the ``wikidata`` column of ``cities.csv`` for networks whose node ids are
Wikidata items, name + country for name-based files. Nothing is matched by guesswork; what is not found is reported.

This module is the public API: files are parsed in :mod:`studylib.network.files`, names and countries compared in
:mod:`studylib.network.places` (:data:`COUNTRY_ALIASES`), charts drawn in :mod:`studylib.charts.network`. The library
returns numbers; the notebook ``network_context`` says what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from .files import NetworkFileError, read_network_file
from ..paths import DATA_DIR
from .places import COUNTRY_ALIASES, _country_names, country_code, name_key
from ..provenance import file_sha256

__all__ = [
    "Network", "NetworkFileError", "read_network", "check_network_file", "DEFAULT_NETWORK", "COUNTRY_ALIASES",
    "country_code", "name_key", "match_cities", "city_partners", "partner_countries", "focal_ties",
    "great_circle_km", "country_pairs", "compare_partners", "network_credit",
]

#: The network the workbook uses when none is given: the Wikidata snapshot vendored under data/external/.
DEFAULT_NETWORK = DATA_DIR / "external" / "wikidata-sister-cities-2022" / "sister_cities.gexf"
DEFAULT_SOURCE_ID = "wikidata-sister-cities-2022"
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


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

    def neighbours(self, node: int) -> np.ndarray:
        """Row positions (in :attr:`cities`) of the node's partners, one per tie."""
        u, v = self.ties["u"].to_numpy(), self.ties["v"].to_numpy()
        return np.concatenate([v[u == node], u[v == node]])

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
    parts = read_network_file(p)
    return Network(path=p, **parts, sha256=file_sha256(p))


def check_network_file(value: str) -> str:
    """The absolute path of a ``network_file`` parameter after reading it (''  stays '': the bundled snapshot).

    Called before any kernel starts, so a bad file fails with its located message and exit status 2.
    """
    if not value:
        return ""
    path = Path(value).expanduser().resolve()
    read_network(path)
    return str(path)


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


def partner_countries(crosswalk: pd.DataFrame, net: Network, city_ids) -> pd.DataFrame:
    """Partners of each found city by country: ``city_id, country, country_name, partners, share``."""
    frames = []
    xw = crosswalk.set_index("city_id")
    for cid in city_ids:
        node = int(xw.at[cid, "node"]) if cid in xw.index else -1
        if node < 0:
            continue
        nb = net.cities.iloc[net.neighbours(node)]
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
            nb = net.cities.iloc[net.neighbours(node)]
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


def network_credit(net: Network) -> str:
    """The line that credits a network's data (for captions and the Data section)."""
    if net.is_default:
        return ("Wikidata contributors (CC0), via albertoursino/graphs-comparison: sister-city graph, snapshot of "
                "2022-01-09 (source wikidata-sister-cities-2022)")
    return f"network file {net.path.name} (sha256 {net.sha256[:12]}…), supplied by the user"
