"""Sister-city networks: read one (GEXF, GraphML or a CSV of pairs) and place the study's ties in it.

One loader, :func:`read_network`, returns a :class:`Network`: a table of cities (one row per node, with ISO 3166-1
country codes, coordinates and population where the file has them), a table of undirected ties (each pair once, no
self-pairs) and a report of what was read and dropped. The study's cities are matched to nodes only through an
explicit crosswalk (:func:`match_cities`): the ``wikidata`` column of ``cities.csv`` for networks whose node ids are
Wikidata items, else name + country, else the nearest city of the same country within :data:`MATCH_RADIUS_KM`; the
rule that matched each city, or why none did, is part of the crosswalk.

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
from ..i18n import SOURCE_LANGUAGE, ReaderText, _, english_of, get_language, reader_text, text_column
from ..paths import DATA_DIR
from ..provenance import file_sha256
from .files import NetworkFileError, read_network_file
from .places import COUNTRY_ALIASES, _country_names, country_code, country_name, name_key

__all__ = [
    "Network", "NetworkFileError", "read_network", "check_network_file", "DEFAULT_NETWORK", "COUNTRY_ALIASES",
    "country_code", "name_key", "match_cities", "city_partners", "partner_countries", "focal_ties",
    "great_circle_km", "country_pairs", "compare_partners", "network_credit", "poisson_interval", "compare_rates",
    "country_pair_tests", "MATCH_RADIUS_KM",
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
    return _read_cached(str(path), st.st_size, st.st_mtime_ns, get_language())  # country names in the language


@lru_cache(maxsize=4)
def _read_cached(path: str, size: int, mtime: int, lang: str) -> Network:
    from concurrent.futures import ThreadPoolExecutor

    p = Path(path)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashing releases the GIL: it overlaps the parsing
        digest = pool.submit(file_sha256, p)
        parts = read_network_file(p)
        return Network(path=p, **parts, sha256=digest.result())


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


#: A city without an id or a name match is matched to the nearest network city of its country within this distance.
MATCH_RADIUS_KM = 20.0


def match_cities(cities: pd.DataFrame, net: Network, *, radius_km: float = MATCH_RADIUS_KM) -> pd.DataFrame:
    """The crosswalk of study cities to network nodes: ``city_id, node, looked_up, matched_by, detail, found,
    node_id, network_name, distance_km``.

    Rules, in order (``matched_by`` names the one that matched):

    1. ``wikidata id``: for a network whose node ids are Wikidata items, the ``wikidata`` column of ``cities.csv``.
       A city that has an id is matched by it alone (an id the network lacks is not found).
    2. ``name + country``: the city's ``name`` or ``name_local`` equals (as :func:`name_key`) the name of exactly one
       network city of the same ISO country.
    3. ``coordinates``: the nearest network city of the same country within ``radius_km`` of the city's ``lat``/``lon``,
       provided any other city of that country within the radius is more than twice as far (+ 1 km); two about
       equally near cities are reported, not guessed between.

    A city no rule matches has ``node = -1``, ``found = False``, ``matched_by`` saying what it lacked first (e.g.
    ``no wikidata id in cities.csv``) and ``detail`` why each rule failed.
    """
    if not (isinstance(radius_km, (int, float)) and radius_km >= 0):
        raise ValueError(f"radius_km must be a number >= 0, not {radius_km!r}")
    c = net.cities
    by_id = {nid: i for i, nid in enumerate(c["node_id"])}
    by_name: dict[tuple[str, str], list[int]] = {}
    for i, (k, cc) in enumerate(zip(c["key"], c["country"])):
        if cc:
            by_name.setdefault((k, cc), []).append(i)
    lat_all, lon_all = c["lat"].to_numpy(float), c["lon"].to_numpy(float)
    country_all = c["country"].to_numpy(object)
    col = lambda name: (cities[name] if name in cities else pd.Series("", index=cities.index)).fillna("").astype(str)  # noqa: E731
    num = lambda name: pd.to_numeric(cities[name], errors="coerce") if name in cities else pd.Series(np.nan, index=cities.index)  # noqa: E731
    rows = []
    for cid, name, local, cc, qid, lat, lon in zip(cities["city_id"], col("name"), col("name_local"), col("country"),
                                                   col("wikidata"), num("lat"), num("lon")):
        qid, cc = qid.strip(), cc.strip().upper()
        looked_up = qid if (net.kind == "wikidata" and qid) else f"{name}, {cc}"
        if net.kind == "wikidata" and qid:
            node = by_id.get(qid, -1)
            rows.append((cid, node, looked_up, "wikidata id", "" if node >= 0 else f"{qid} is not in the network", np.nan))
            continue
        why = ["no wikidata id in cities.csv"] if net.kind == "wikidata" else []
        first = why[0] if why else "not found by name + country"
        keys = [k for k in dict.fromkeys(name_key(x) for x in (name, local) if x.strip())]
        hits = sorted({i for k in keys for i in by_name.get((k, cc), [])}) if cc else []
        if len(hits) == 1:
            rows.append((cid, hits[0], looked_up, "name + country", "; ".join(why + [f"'{c['name'].iat[hits[0]]}' in {cc}"]), np.nan))
            continue
        why.append(f"{len(hits)} network cities named {' / '.join(repr(x) for x in (name, local) if x.strip())} in {cc}"
                   if hits else f"no network city named {' / '.join(repr(x) for x in (name, local) if x.strip()) or '(no name)'} in {cc or '(no country)'}")
        if lat != lat or lon != lon:
            why.append("cities.csv gives no coordinates")
            rows.append((cid, -1, looked_up, first, "; ".join(why), np.nan))
            continue
        same = np.flatnonzero((country_all == cc) & ~np.isnan(lat_all)) if cc else np.array([], dtype=int)
        d = great_circle_km(lat, lon, lat_all[same], lon_all[same]) if len(same) else np.array([])
        near = same[d <= radius_km]
        if len(near):
            dn = d[d <= radius_km]
            order = np.argsort(dn)
            best, dist = int(near[order[0]]), float(dn[order[0]])
            second = float(dn[order[1]]) if len(near) > 1 else np.inf
            if second < 2 * dist + 1.0:  # two about equally near: not guessed
                why.append(f"two network cities of {cc} are about equally near its coordinates "
                           f"('{c['name'].iat[best]}' {dist:.1f} km, '{c['name'].iat[int(near[order[1]])]}' {second:.1f} km)")
                rows.append((cid, -1, looked_up, first, "; ".join(why), np.nan))
                continue
            note = (f"{dist:.1f} km from '{c['name'].iat[best]}'"
                    + (f" (the next network city is {second:.1f} km away)" if len(near) > 1 else ""))
            rows.append((cid, best, looked_up, f"coordinates (same country, within {radius_km:g} km)",
                         "; ".join(why + [note]), dist))
            continue
        why.append(f"no network city of {cc or '(no country)'} within {radius_km:g} km of its coordinates")
        rows.append((cid, -1, looked_up, first, "; ".join(why), np.nan))
    df = pd.DataFrame(rows, columns=["city_id", "node", "looked_up", "matched_by", "detail", "distance_km"])
    df["found"] = df["node"] >= 0
    df["node_id"] = [c["node_id"].iat[n] if n >= 0 else "" for n in df["node"]]
    df["network_name"] = [c["name"].iat[n] if n >= 0 else "" for n in df["node"]]
    return df[["city_id", "node", "looked_up", "matched_by", "detail", "found", "node_id", "network_name", "distance_km"]]


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
        counts = nb.groupby(["country", "country_name"]).size().rename("partners").reset_index()
        counts["country_name"] = text_column(
            (_country_label(c, n) for c, n in zip(counts["country"], counts["country_name"])), counts.index)
        # ordered by the English names: the CSV file is the same in every language
        counts = counts.assign(_order=counts["country_name"].map(english_of)).sort_values(
            ["partners", "_order"], ascending=[False, True]).drop(columns="_order")
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
            found, reason = False, reader_text(lambda missing=missing: _("city not in the network: {cities}").format(
                cities=", ".join(missing)))
        else:
            found = bool(net.has_tie([a], [b])[0])
            reason = "" if found else reader_text(lambda: _("both cities are in the network, the tie is not"))
        d = float(great_circle_km(lat[a], lon[a], lat[b], lon[b])) if not missing else np.nan
        pct = 100 * np.searchsorted(dist_sorted, d) / len(dist_sorted) if d == d and len(dist_sorted) else np.nan
        rows.append({"tie_id": t.tie_id, "found": found, "reason": reason, "city_a": t.city_a, "city_b": t.city_b,
                     "node_a": xw.at[t.city_a, "node_id"] if a >= 0 else "",
                     "node_b": xw.at[t.city_b, "node_id"] if b >= 0 else "",
                     "distance_km": d, "distance_percentile": pct, "_a": a, "_b": b})
    out = pd.DataFrame(rows)
    if rows:
        out["reason"] = text_column((r["reason"] for r in rows), out.index)
    return out


def country_pairs(net: Network, *, highlight=()) -> pd.DataFrame:
    """Ties by unordered country pair, with how many could exist: ``country_a, country_b, ties, cities_a, cities_b,
    possible_pairs, ties_per_1000_pairs, conf_low, conf_high`` (``highlight``: pairs of codes such as ('ID', 'KR')
    listed even at 0). The interval is the exact 95% Poisson interval of the rate per 1,000 possible pairs."""
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
    counts.insert(2, "pair", text_column((_pair_label(x, y) for x, y in zip(counts["country_a"], counts["country_b"])),
                                         counts.index))
    counts["cities_a"], counts["cities_b"], counts["possible_pairs"] = na, nb, possible
    counts["ties_per_1000_pairs"] = np.where(possible > 0, 1000 * counts["ties"] / np.maximum(possible, 1), np.nan)
    low, high = poisson_interval(counts["ties"].to_numpy())
    scale = np.where(possible > 0, 1000 / np.maximum(possible, 1), np.nan)
    counts["conf_low"], counts["conf_high"] = low * scale, high * scale
    counts["highlighted"] = [(x, y) in set(extra) for x, y in zip(counts["country_a"], counts["country_b"])]
    # ordered by the English names: the CSV file is the same in every language
    # (a column of its own: sort_values' key receives the names already turned into plain strings)
    return (counts.assign(_order=counts["pair"].map(english_of)).sort_values(["ties", "_order"], ascending=[False, True])
            .drop(columns="_order").reset_index(drop=True))


def _country_label(code: str, name: str):
    """A country's name for readers: in the report's language, with its English for CSV files (a
    :class:`studylib.i18n.ReaderText`); a name that resolved to no ISO code stays as the data write it."""
    if not code:
        return name or reader_text(lambda: _("(unresolved)"))
    return ReaderText(_country_names().get(code, name), _country_names(SOURCE_LANGUAGE).get(code, name))


def _pair_label(a: str, b: str) -> ReaderText:
    """'Indonesia–South Korea' in the report's language, with its English (see :func:`_country_label`)."""
    return ReaderText(f"{country_name(a)}–{country_name(b)}",
                      f"{country_name(a, SOURCE_LANGUAGE)}–{country_name(b, SOURCE_LANGUAGE)}")


def poisson_interval(counts, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson mean for each observed count: chi-square quantiles, 0 below at 0."""
    from scipy import stats

    k = np.asarray(counts, dtype=float)
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level!r}")
    if (k < 0).any():
        raise ValueError("counts must be non-negative")
    alpha = 1 - level
    low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    return low, stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2


def compare_rates(ties_a: int, pairs_a: int, ties_b: int, pairs_b: int, *, level: float = 0.95) -> dict:
    """Exact test of two tie rates (ties per possible city pair): conditional on the total, the first count is
    binomial with p = pairs_a / (pairs_a + pairs_b) under equal rates. Returns ``rate_ratio`` (a / b), its exact
    interval (from the Clopper-Pearson interval of that binomial) and the two-sided central ``p_value`` (twice the
    smaller tail, so p < 1 - level exactly when the interval excludes 1)."""
    from scipy import stats

    if min(pairs_a, pairs_b) <= 0 or min(ties_a, ties_b) < 0:
        raise ValueError("pairs must be positive and ties non-negative")
    n = ties_a + ties_b
    share = pairs_a / (pairs_a + pairs_b)
    odds = pairs_b / pairs_a
    ratio = (ties_a / pairs_a) / (ties_b / pairs_b) if ties_b else np.inf if ties_a else np.nan
    if n == 0:
        return {"rate_ratio": np.nan, "ratio_low": np.nan, "ratio_high": np.nan, "p_value": 1.0}
    test = stats.binomtest(int(ties_a), int(n), share)
    ci = test.proportion_ci(confidence_level=level, method="exact")
    to_ratio = lambda q: q / (1 - q) * odds if q < 1 else np.inf  # noqa: E731
    central = min(1.0, 2 * min(stats.binom.cdf(ties_a, n, share), stats.binom.sf(ties_a - 1, n, share)))
    return {"rate_ratio": ratio, "ratio_low": to_ratio(ci.low), "ratio_high": to_ratio(ci.high),
            "p_value": float(central)}


def country_pair_tests(net: Network, pairs: pd.DataFrame, focal) -> pd.DataFrame:
    """Each focal country pair's rate against the rest of the network (all other country pairs together) and
    against every other focal pair: ``pair, against, ties, possible_pairs, ties_other, possible_other,
    rate_ratio, ratio_low, ratio_high, p_value`` (exact conditional tests, :func:`compare_rates`)."""
    t = pairs.set_index(["country_a", "country_b"])
    keys = [tuple(sorted(p)) for p in focal]
    keys = [k for k in dict.fromkeys(keys) if k in t.index]
    n = int((net.cities["country"] != "").sum())  # the rest: all pairs of cities with a resolved country
    total_ties, total_pairs = int(pairs["ties"].sum()), n * (n - 1) // 2
    rows = []
    for i, k in enumerate(keys):
        a = t.loc[k]
        others = [(reader_text(lambda: _("the rest of the network")), total_ties - int(a["ties"]),
                   total_pairs - int(a["possible_pairs"]))]
        others += [(t.at[o, "pair"], int(t.at[o, "ties"]), int(t.at[o, "possible_pairs"])) for o in keys[i + 1:]]
        for name, ties_b, pairs_b in others:
            if a["possible_pairs"] <= 0 or pairs_b <= 0:
                continue
            rows.append({"pair": a["pair"], "against": name, "ties": int(a["ties"]),
                         "possible_pairs": int(a["possible_pairs"]), "ties_other": ties_b, "possible_other": pairs_b,
                         **compare_rates(int(a["ties"]), int(a["possible_pairs"]), ties_b, pairs_b)})
    out = pd.DataFrame(rows, columns=["pair", "against", "ties", "possible_pairs", "ties_other", "possible_other",
                                      "rate_ratio", "ratio_low", "ratio_high", "p_value"])
    for column in ("pair", "against"):
        out[column] = text_column((r[column] for r in rows), out.index)
    return out


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
