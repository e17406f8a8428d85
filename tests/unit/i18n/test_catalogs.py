"""The message catalogs are complete and consistent: every message the library marks has an Indonesian translation,
each msgid lives in one .po file, and a translation keeps every placeholder of its message.

These tests read every ``_()``/``ngettext``/``pgettext`` call in ``src/studylib`` with Babel's Python extractor, so a
message added without its translation fails here, in whichever area of the library it was added.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from studylib import i18n

SRC = Path(i18n.__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
#: A Python format field ({name}, {n:,}) or a %-placeholder (%s, %(name)s, %d); doubled braces are literal.
PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}(?!\})|%(?:\([A-Za-z_]+\))?[sdifr]")
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE]


def _extracted() -> dict[tuple, list[str]]:
    """(context, msgid) -> where in src/studylib it is marked (msgid: a str, or (singular, plural))."""
    found = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()):
        if "/locale/" in filename:
            continue
        found[(context, message)].append(f"{filename}:{lineno}")
    return found


def _catalog_entries(lang: str) -> dict[tuple, list]:
    """(context, msgid) -> [(file, message), ...] over every .po file of ``lang``."""
    entries = defaultdict(list)
    for path in i18n.catalog_files(lang):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id:
                    entries[(message.context, message.id)].append((path.name, message))
    return entries


def test_the_extractor_sees_the_librarys_messages():
    found = _extracted()
    assert (None, "Figure {number}.") in found
    assert ("table column", "p_value") not in found  # headers are looked up by their (dynamic) column name
    assert len(found) > 20


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_marked_message_has_a_translation(lang):
    entries = _catalog_entries(lang)
    missing = []
    for (context, msgid), where in sorted(_extracted().items(), key=lambda kv: kv[1][0]):
        key = (context, msgid[0] if isinstance(msgid, tuple) else msgid)
        found = [m for _, m in entries.get(key, [])]
        strings = [s for m in found for s in (m.string if isinstance(m.string, (list, tuple)) else [m.string])]
        if not found or any(m.fuzzy for m in found) or not strings or not all(s.strip() for s in strings):
            missing.append(f"{where[0]}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, f"{len(missing)} message(s) without an {lang} translation:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_message_is_in_two_po_files(lang):
    twice = {key: sorted(f for f, _ in found) for key, found in _catalog_entries(lang).items()
             if len({f for f, _ in found}) > 1 or len(found) > 1}
    assert not twice, "\n".join(f"{key!r} in {files}" for key, files in twice.items())


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang):
    wrong = []
    for (context, msgid), found in _catalog_entries(lang).items():
        for filename, message in found:
            ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            wanted = sorted(set(p for i in ids for p in PLACEHOLDER.findall(i)))
            for text in strings:
                if text and sorted(set(PLACEHOLDER.findall(text))) != wanted:
                    wrong.append(f"{filename}: {message.id!r} -> {text!r} (placeholders {wanted})")
    assert not wrong, "\n".join(wrong)


def test_every_po_file_parses_and_names_its_language():
    for lang in TRANSLATED:
        files = i18n.catalog_files(lang)
        assert files, f"no .po file for {lang}"
        for path in files:
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=lang)
            assert str(catalog.locale) == lang


def _calls_babel_cannot_see(path: Path) -> list[str]:
    """``_()``-style calls whose message is not a literal string, or that sit inside an f-string (Babel's extractor
    on Python 3.11 does not read f-strings): their message would never reach a catalog."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    inside_fstrings = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
            continue
        literal_args = {"_": [0], "gettext": [0], "ngettext": [0, 1], "pgettext": [0, 1]}[node.func.id]
        if id(node) in inside_fstrings:
            bad.append(f"{path.name}:{node.lineno}: {node.func.id}() inside an f-string")
        elif len(node.args) < len(literal_args) + (0 if node.func.id != "ngettext" else 1) or any(
                not (isinstance(node.args[i], ast.Constant) and isinstance(node.args[i].value, str))
                for i in literal_args):
            bad.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:80]}")
    return bad


def test_every_marked_message_is_a_literal_the_extractor_can_read():
    uses_i18n = [p for p in SRC.rglob("*.py") if "i18n import" in p.read_text(encoding="utf-8")
                 or p.parent.name == "i18n"]
    assert uses_i18n
    bad = [b for p in uses_i18n for b in _calls_babel_cannot_see(p)]
    assert not bad, "\n".join(bad)


def test_an_installed_copy_ships_the_catalogs():
    """The .po files are package data (compiled when first used, so an installed copy needs them, not .mo files)."""
    import fnmatch
    import tomllib

    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["studylib"]
    files = [p.relative_to(SRC).as_posix() for lang in TRANSLATED for p in i18n.catalog_files(lang)]
    assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)
