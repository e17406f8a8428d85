"""The codebook: tables, columns, vocabularies and sector mappings shared by every bundle."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..paths import CODEBOOK_PATH

__all__ = ["Codebook", "load_codebook", "axis_mapping_table", "TABLES"]

TABLES = ("sources", "cities", "ties", "activities", "indicators", "findings")


@dataclass(frozen=True)
class Codebook:
    """Parsed codebook. ``spec`` is the raw YAML mapping."""

    spec: dict

    def columns(self, table: str) -> dict:
        """Required-contract columns of ``table`` (name -> spec), in order."""
        return self.spec["tables"][table]["columns"]

    def optional_columns(self, table: str) -> dict:
        """Optional columns a table may carry (name -> spec)."""
        return self.spec["tables"][table].get("optional", {}) or {}

    def all_columns(self, table: str) -> dict:
        return {**self.columns(table), **self.optional_columns(table)}

    def table_required(self, table: str) -> bool:
        """Whether the first bundle folder must hold ``table`` (``optional_table: true`` in the codebook: it may not)."""
        return not self.spec["tables"][table].get("optional_table", False)

    def key(self, table: str) -> str | None:
        return self.spec["tables"][table].get("key")

    def vocabulary(self, name: str) -> list[str]:
        """Allowed values of vocabulary ``name``, in codebook order."""
        return list(self.spec["vocabularies"][name])

    def definition(self, vocab: str, value: str) -> str:
        return self.spec["vocabularies"][vocab][value]

    def mapping(self, frame: str) -> dict[str, str | None]:
        """Default sector -> ``frame`` mapping (frame is 'axis' or 'dimension')."""
        return {s: m["to"] for s, m in self.spec["mappings"][frame]["from_sector"].items()}

    def mapping_table(self, frame: str) -> list[dict]:
        """Rows ``sector, <frame>, why`` documenting a mapping, for reports."""
        return [
            {"sector": s, frame: m["to"], "why": m["why"]}
            for s, m in self.spec["mappings"][frame]["from_sector"].items()
        ]

    def mapping_frame(self, frame: str):
        """:meth:`mapping_table` as a DataFrame (``sector``, ``<frame>``, ``why``), as reports show it."""
        import pandas as pd

        return pd.DataFrame(self.mapping_table(frame))

    def mapping_rationale(self, frame: str) -> str:
        return " ".join(self.spec["mappings"][frame]["rationale"].split())


def axis_mapping_table():
    """The codebook's sector -> axis mapping with the rationale of each line, as a DataFrame."""
    return load_codebook().mapping_frame("axis")


@lru_cache(maxsize=4)
def load_codebook(path: str | Path = CODEBOOK_PATH) -> Codebook:
    """Load the codebook YAML (safely: no Python objects are ever constructed; libyaml's parser when present)."""
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same result, ~10x faster: every kernel reads it
    with open(path, encoding="utf-8") as fh:
        loader = safe_loader(fh)
        try:
            return Codebook(loader.get_single_data())
        finally:
            loader.dispose()
