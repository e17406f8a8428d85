"""Small selections of bundle tables that notebooks need (kept here so notebooks only call functions)."""

from __future__ import annotations

import pandas as pd

__all__ = ["ties_of", "city_indicators", "tension_years", "display_labels"]


def ties_of(ties: pd.DataFrame, city: str) -> list[str]:
    """Tie ids in which ``city`` is one of the two cities."""
    return sorted(ties.loc[(ties["city_a"] == city) | (ties["city_b"] == city), "tie_id"])


def city_indicators(indicators: pd.DataFrame, *, city: str) -> pd.DataFrame:
    """Indicators of a city and of its programmes (entity ids ``<city>`` or ``<city>_...``)."""
    ids = indicators["entity_id"].astype(str)
    return indicators[(ids == city) | ids.str.startswith(f"{city}_")].reset_index(drop=True)


def tension_years(indicators: pd.DataFrame, *, tie: str) -> pd.DataFrame:
    """Cited, dated bilateral-tension episodes of a tie (indicator ``bilateral_tension`` with value > 0)."""
    rows = indicators[(indicators["entity_id"] == tie) & (indicators["indicator"] == "bilateral_tension")]
    return rows[rows["year"].notna() & (rows["value"].fillna(0) > 0)][["year", "value", "source_id", "locator"]]


def display_labels(bundle) -> dict:
    """Display names of a bundle's ties and cities by id (e.g. 'Surabaya–Busan', 'Seoul'), for charts and menus."""
    out = {t: bundle.tie_label(t) for t in bundle.tie_ids()}
    out.update(dict(zip(bundle.cities["city_id"], bundle.cities["name"])))
    return out
