"""Small selections of bundle tables that notebooks need (kept here so notebooks only call functions)."""

from __future__ import annotations

import pandas as pd

__all__ = ["ties_of", "city_indicators", "tension_years", "display_labels"]


def ties_of(ties: pd.DataFrame, city: str) -> list[str]:
    """Tie ids in which ``city`` is one of the two cities."""
    return sorted(ties.loc[(ties["city_a"] == city) | (ties["city_b"] == city), "tie_id"])


def city_indicators(indicators: pd.DataFrame, *, city: str, cities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicators of a city and of its programmes (entity ids ``<city>`` or ``<city>_...``).

    With ``cities`` (``Bundle.cities``) the national figures of the city's country (``entity_type == 'country'``)
    are added after them, so a report can show them as national context, labelled by their ``entity_id``.
    """
    ids = indicators["entity_id"].astype(str)
    mine = (ids == city) | ids.str.startswith(f"{city}_")
    if cities is not None and "entity_type" in indicators.columns:
        country = cities.loc[cities["city_id"] == city, "country"]
        if len(country):
            national = (indicators["entity_type"].astype(str) == "country") & (ids == str(country.iloc[0]))
            return pd.concat([indicators[mine], indicators[national]]).reset_index(drop=True)
    return indicators[mine].reset_index(drop=True)


def tension_years(indicators: pd.DataFrame, *, tie: str) -> pd.DataFrame:
    """Cited, dated bilateral-tension episodes of a tie (indicator ``bilateral_tension`` with value > 0)."""
    rows = indicators[(indicators["entity_id"] == tie) & (indicators["indicator"] == "bilateral_tension")]
    return rows[rows["year"].notna() & (rows["value"].fillna(0) > 0)][["year", "value", "source_id", "locator"]]


def display_labels(bundle) -> dict:
    """Display names of a bundle's ties and cities by id (e.g. 'Surabaya–Busan', 'Seoul'), for charts and menus."""
    cities = dict(zip(bundle.cities["city_id"], bundle.cities["name"]))
    ties = {t: (a, b) for t, a, b in zip(bundle.ties["tie_id"], bundle.ties["city_a"], bundle.ties["city_b"])}
    # Bundle.tie_label's words, from one look-up table (it indexes the tables anew on each call)
    out = {t: "–".join(str(cities.get(c, c)) for c in ties[t]) for t in sorted(ties)}
    out.update(cities)
    return out
