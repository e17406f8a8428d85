"""A synthetic sister-city network as a CSV of pairs (the shape of scrapes of Wikipedia's twin-town lists), for
``make bench``. Synthetic data only ever appears in tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COUNTRIES = ("South Korea", "Japan", "Indonesia", "China", "United States", "Germany", "France", "Poland", "Italy",
             "Spain", "United Kingdom", "Russia", "Brazil", "Mexico", "Turkey", "Ukraine", "India", "Philippines",
             "Vietnam", "Thailand", "Malaysia", "Canada", "Australia", "Netherlands", "Belgium", "Sweden", "Norway",
             "Finland", "Czech Republic", "Hungary", "Romania", "Bulgaria", "Greece", "Israel", "Egypt", "Nigeria",
             "Kenya", "South Africa", "Argentina", "Chile", "Peru", "Colombia", "Taiwan", "Mongolia", "Kazakhstan",
             "Iran", "Pakistan", "Bangladesh", "Portugal", "Austria")


def synthetic_pairs(path: Path, ties: int = 1_000_000, cities: int = 100_000, *, seed: int = 0) -> Path:
    """Write ``ties`` rows of pairs among ``cities`` cities (1% of them repeated pairs, reversed and in capitals, and
    ~0.1% self-pairs, as real scrapes have) to ``path``; return it."""
    rng = np.random.default_rng(seed)
    country = rng.integers(0, len(COUNTRIES), cities)
    lat, lng = rng.uniform(-55, 70, cities).round(4), rng.uniform(-180, 180, cities).round(4)
    n_repeats = ties // 100
    a = rng.integers(0, cities, ties - n_repeats)
    b = (a + rng.geometric(1 / 5000, len(a))) % cities  # partners near in index are likelier: structure to model
    b = np.where(rng.random(len(a)) < 0.001, a, b)  # self-pairs
    again = rng.integers(0, len(a), n_repeats)  # repeated pairs, reversed and in capitals
    names = np.array([f"City {i}" for i in range(cities)], dtype=object)
    countries = np.array(COUNTRIES, dtype=object)
    one, two = np.concatenate([a, b[again]]), np.concatenate([b, a[again]])
    shout = np.arange(len(one)) >= len(a)
    city1 = np.where(shout, np.char.upper(names[one].astype(str)).astype(object), names[one])
    pd.DataFrame({"city1": city1, "country1": countries[country[one]], "city2": names[two],
                  "country2": countries[country[two]], "lat1": lat[one], "lng1": lng[one], "lat2": lat[two],
                  "lng2": lng[two]}).to_csv(path, index=False)
    return Path(path)
