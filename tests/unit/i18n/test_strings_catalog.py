"""The library's report and chart strings go through the catalog: every literal message of the modules that write
report text or chart text has an Indonesian translation with the same placeholders, and each message is in one file."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from studylib import i18n

SRC = Path(i18n.__file__).resolve().parents[1]
#: Modules whose messages reach reports and figures (the strings engineer's part of issue #31).
MODULES = ["report/sections.py", "charts/_base.py", "charts/events.py", "charts/indicators.py", "charts/inference.py",
           "charts/models.py", "charts/multiverse.py", "charts/network.py"]
#: Messages the modules pass to ``_()`` by name, not as a literal: default titles, the "nothing to draw" messages,
#: column names as charts show them, and the constants the notebooks print.
NAMED = ["Activities by tie and sector", "Ties compared: events per year and continuity", "Activities by year",
         "Sector shares", "People exchanged per year (as counted by the sources)",
         "Balance across the four strategic axes", "KPIs against their targets",
         "Seed 000's topic clusters (reported, uncorroborated)", "Shares of coded activities",
         "Event counts and model predictions", "No dated events to count", "No ties to compare",
         "No dated events to place on a timeline", "No dated events to share out",
         "No participant counts in the sources", "No coded events on any axis", "No indicators with a target",
         "No cluster values", "No indicator values", "No coded activities to share out", "No estimates to plot",
         "No counts to plot", "95% Jeffreys interval", "at least", "at most", "target", "sector", "direction",
         "activity type", "actor type", "tie id", "year", "implemented", "incl. agreed, planned and proposed"]


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
    messages = {}
    for path in i18n.catalog_files(lang):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    messages.setdefault(key, []).append((path.name, message))
    return messages


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_no_message_is_in_two_po_files():
    twice = {key: [f for f, _ in where] for key, where in _catalog("id").items() if len(where) > 1}
    assert not twice, f"messages in more than one .po file: {twice}"


@pytest.mark.parametrize("module", MODULES)
def test_every_literal_message_has_an_indonesian_translation(module):
    catalog = _catalog("id")
    missing = []
    for line, singular, plural in _literal_messages(SRC / module):
        found = catalog.get(singular)
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


def test_messages_passed_by_name_are_translated_too():
    from studylib.analysis.panel import EXPANSION_RULE
    from studylib.inference.multiverse import ROBUST_DEFINITION

    catalog = _catalog("id")
    missing = [m for m in [*NAMED, EXPANSION_RULE, ROBUST_DEFINITION] if m not in catalog]
    assert not missing, f"not in the Indonesian catalog: {missing}"


def test_translations_keep_the_placeholders_of_their_message():
    wrong = []
    for key, where in _catalog("id").items():
        for file, message in where:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            for text in strings:
                if text and _fields(text) != _fields(ids[-1]):
                    wrong.append(f"{file}: {key!r}: {sorted(_fields(text))} vs {sorted(_fields(ids[-1]))}")
    assert not wrong, "\n".join(wrong)


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
