"""The library's report and chart strings go through the catalog: every literal message (singular and plural) of the
modules that write report text or chart text has an Indonesian translation, and so has every name they look up at
run time. (Placeholders and one file per message: tests/unit/i18n/test_catalogs.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from studylib import i18n

SRC = Path(i18n.__file__).resolve().parents[1]
#: Modules whose messages reach reports and figures (the strings engineer's part of issue #31).
MODULES = ["report/sections.py", "charts/_base.py", "charts/events.py", "charts/indicators.py", "charts/inference.py",
           "charts/models.py", "charts/multiverse.py", "charts/network.py"]
#: Names the modules look up at run time (studylib.i18n.name_in_language) under their context: default chart
#: titles, groups and factor levels charts show, and the definitions written once as constants.
NAMED = [("chart title", t) for t in (
    "Activities by tie and sector", "Ties compared: events per year and continuity", "Activities by year",
    "Sector shares", "People exchanged per year (as counted by the sources)", "Balance across the four strategic axes",
    "KPIs against their targets", "Seed 000's topic clusters (reported, uncorroborated)", "Shares of coded activities",
    "Event counts and model predictions")] + [("chart label", n) for n in (
    "95% Jeffreys interval", "implemented", "incl. agreed, planned and proposed", "expansion", "window", "undated",
    "coding", "on", "off", "placed", "left out", "study data", "tie_id", "trend", "rate_per_year", "continuity",
    "longest_gap", "evenness", "hhi", "balance", "share_a_to_b", "share_b_to_a", "share_mutual", "axis", "year")] + [
    ("indicator unit", u) for u in ("count", "index", "km_per_h", "minutes", "percent", "qualitative", "usd")]


def _literal_messages(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, singular, plural) of every ``_("...")`` and ``ngettext("...", "...", n)`` with literal messages."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            if node.func.id == "_" and args and args[0] is not None:
                out.append((node.lineno, args[0], None))
            elif node.func.id == "ngettext" and len(args) >= 2 and None not in args[:2]:
                out.append((node.lineno, args[0], args[1]))
    return out


def _catalog(lang: str) -> dict:
    """(context, singular msgid) -> [(file, message), ...] over every .po file of ``lang``."""
    messages = {}
    for path in i18n.catalog_files(lang):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id:
                    key = (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
                    messages.setdefault(key, []).append((path.name, message))
    return messages


@pytest.mark.parametrize("module", MODULES)
def test_every_literal_message_has_an_indonesian_translation(module):
    catalog = _catalog("id")
    missing = []
    for line, singular, plural in _literal_messages(SRC / module):
        found = catalog.get((None, singular))
        message = found[0][1] if found else None
        text = message.string if message else None
        if isinstance(text, tuple):
            text = text[0]
        if not text or (message and message.fuzzy):
            missing.append(f"{module}:{line}: {singular!r}")
        elif plural is not None and not isinstance(message.id, tuple):
            missing.append(f"{module}:{line}: {singular!r} is a plural message but the catalog's is not")
    assert not missing, "messages without an Indonesian translation:\n" + "\n".join(missing)
    assert _literal_messages(SRC / module) or module == "charts/_base.py"  # the scan itself finds messages


def test_names_looked_up_at_run_time_are_translated_too():
    from studylib.analysis.panel import EXPANSION_RULE
    from studylib.inference.multiverse import ROBUST_DEFINITION

    catalog = _catalog("id")
    wanted = [*NAMED, ("definition", EXPANSION_RULE), ("definition", ROBUST_DEFINITION)]
    missing = [key for key in wanted if not any(m.string for _, m in catalog.get(key, []))]
    assert not missing, f"not in the Indonesian catalog: {missing}"


def test_robust_definition_is_the_constant_in_english_and_indonesian_in_indonesian():
    import studylib as sl

    try:
        assert sl.robust_definition() == sl.ROBUST_DEFINITION
        i18n.set_language("id")
        text = sl.robust_definition()
        assert text != sl.ROBUST_DEFINITION
        assert "**kokoh** (*robust*)" in text and "analisis multisemesta" in text and "±0,1" in text
    finally:
        i18n.set_language("en")
