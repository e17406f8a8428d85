"""The report's language: gettext catalogs, sentences composed in notebooks, numbers, dates and codebook labels.

English is the source language: :func:`gettext` (imported in library modules as ``_``) returns its message unchanged
in English, and :func:`format_number`, :func:`format_date` and :func:`label` give in English exactly the text the
library printed before it spoke another language, so an English run's outputs do not change.

Another language's catalog is the union of the gettext ``.po`` files in ``locale/<lang>/`` (one per area of the
library: ``report.po``, ``charts.po``...). They are compiled with Babel in memory the first time the language is
used, never ahead of time, so there is no build step and no stale ``.mo`` file; fuzzy entries are left out.

The language is a property of the process (a kernel runs one report): :func:`set_language` sets it, and
:func:`studylib.open_study` calls it with the notebook's ``lang`` parameter.
"""

from __future__ import annotations

import gettext as _gettext
import io
import numbers
import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from ..paths import CODEBOOK_PATH

__all__ = ["LANGUAGES", "LANGUAGE_NAMES", "SOURCE_LANGUAGE", "set_language", "get_language", "using_language",
           "gettext", "_", "ngettext", "pgettext", "name_in_language", "factor_level", "phrasebook", "format_number",
           "localize_number_text", "format_date", "label", "catalog_files", "LOCALE_DIR", "ReaderText", "reader_text", "reader_texts", "english_of",
           "text_column", "upper_first"]

#: The languages a report can be written in; English first (the source language of every message).
LANGUAGES = ("en", "id")
#: Each language's name, for messages and help texts.
LANGUAGE_NAMES = {"en": "English", "id": "Bahasa Indonesia"}
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_default = [SOURCE_LANGUAGE]  # the process's language (set_language: a kernel runs one report)
#: A language for the current thread or task only (using_language: the runner renders several runs at once, in
#: threads under Dask, and each must write in its own run's language).
_override: ContextVar[str | None] = ContextVar("studylib_language", default=None)
#: Languages that exist only for tests (e.g. a pseudo-language wrapping every message): code -> translations object.
_TEST_LANGUAGES: dict = {}


def _check(lang) -> str:
    if not isinstance(lang, str):
        raise TypeError(f"a language is a code such as 'en' or 'id', not {type(lang).__name__} {lang!r}")
    if lang not in LANGUAGES and lang not in _TEST_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; the languages are: {', '.join(LANGUAGES)}")
    return lang


def set_language(lang: str) -> None:
    """Make ``lang`` (one of :data:`LANGUAGES`) the language of every text the library writes from now on.

    Raises
    ------
    TypeError
        When ``lang`` is not a string.
    ValueError
        When ``lang`` is not one of :data:`LANGUAGES`.
    """
    _default[0] = _check(lang)
    if _override.get() is not None:  # inside using_language: this block writes in the new language too
        _override.set(lang)


def get_language() -> str:
    """The code of the current language ('en' until :func:`set_language` is called)."""
    return _override.get() or _default[0]


@contextmanager
def using_language(lang: str):
    """Within the ``with`` block, write in ``lang``; the previous language is restored after it. Only the current
    thread (or asyncio task) is affected: other threads keep theirs."""
    token = _override.set(_check(lang))
    try:
        yield
    finally:
        _override.reset(token)


class ReaderText(str):
    """A sentence for readers (a reason, a note) that the library stores in a table: the text in the report language,
    with its English in ``english``. A CSV file is data, identical in every language, so
    :func:`studylib.report.outputs.write_table` writes the English; displays and sentences show the text itself."""

    english: str

    def __new__(cls, text: str, english: str | None = None):
        out = super().__new__(cls, text)
        out.english = str(text) if english is None else str(english)
        return out

    def __reduce__(self):
        return ReaderText, (str(self), self.english)


def reader_text(make) -> ReaderText:
    """``make()`` (a function composing a sentence with ``_``/``ngettext``) in the current language, remembering its
    English: a :class:`ReaderText`. In English both are the same text, so nothing changes there."""
    text = make()
    if get_language() == SOURCE_LANGUAGE:
        return ReaderText(text)
    with using_language(SOURCE_LANGUAGE):
        return ReaderText(text, make())


def reader_texts(make) -> tuple[ReaderText, ...]:
    """:func:`reader_text` for sentences composed together: ``make()`` returns a tuple of them, and is called once
    in the current language (and once in English)."""
    texts = make()
    if get_language() == SOURCE_LANGUAGE:
        return tuple(ReaderText(t) for t in texts)
    with using_language(SOURCE_LANGUAGE):
        english = make()
    return tuple(ReaderText(t, e) for t, e in zip(texts, english, strict=True))


def english_of(value):
    """The English of a :class:`ReaderText` (anything else is returned as is)."""
    return value.english if isinstance(value, ReaderText) else value


def upper_first(text: str) -> str:
    """``text`` with its first letter upper-case and the rest as it is, to open a sentence with a label:
    ``str.capitalize`` would lower the rest ('trend (IRR per year)' would read 'Trend (irr per year)')."""
    return text[:1].upper() + text[1:]


def text_column(values, index=None):
    """``values`` as a table column that keeps each :class:`ReaderText` (an ``object`` Series): a column of pandas'
    text dtype turns them into plain strings, and the CSV file would get the report's language, not the English."""
    import pandas as pd

    return pd.Series(list(values), index=index, dtype=object)


# ------------------------------------------------------------------------------------------------------ catalogs
def catalog_files(lang: str) -> list[Path]:
    """The ``.po`` files whose union is the catalog of ``lang``, in name order."""
    return sorted((LOCALE_DIR / lang).glob("*.po"))


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as fh:
        return read_po(fh, locale=path.parent.name, domain=path.stem)


@lru_cache(maxsize=None)
def _translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang``: every ``.po`` of its folder merged, compiled in memory with Babel."""
    if lang in _TEST_LANGUAGES:
        return _TEST_LANGUAGES[lang]
    if lang == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    merged = Catalog(locale=lang, domain="studylib", fuzzy=False)
    for path in catalog_files(lang):
        for message in _read_po(path):
            if message.id and merged.get(message.id, context=message.context) is None:  # two files: a test says
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged, use_fuzzy=False)  # a fuzzy (unchecked) translation is not shown: English is
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _install_test_language(code: str, translations) -> None:
    """Make ``code`` a language for tests only (a pseudo-language that marks every translated message)."""
    _TEST_LANGUAGES[code] = translations
    _translations.cache_clear()


def _remove_test_language(code: str) -> None:
    _TEST_LANGUAGES.pop(code, None)
    _translations.cache_clear()
    if _default[0] == code:
        _default[0] = SOURCE_LANGUAGE


def gettext(message: str) -> str:
    """``message`` (English) in the current language; English, or a message the catalog lacks, is returned as is."""
    lang = get_language()
    if lang == SOURCE_LANGUAGE:
        return message
    return _translations(lang).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n`` items, in the current language (English's rule in English)."""
    lang = get_language()
    if lang == SOURCE_LANGUAGE:
        return singular if n == 1 else plural
    return _translations(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, looked up under ``context`` (``msgctxt``): the same English word may
    read differently as a table's column header (context ``"table column"``) and in a sentence."""
    lang = get_language()
    if lang == SOURCE_LANGUAGE:
        return message
    return _translations(lang).pgettext(context, message)


def name_in_language(context: str, name: str) -> str:
    """A name that comes from the data or from a notebook (a table's column, a saved table's title) in the current
    language: the catalog's entry for ``name`` under ``context`` when it has one, else ``name`` itself.

    Unlike :func:`pgettext`, whose message is a literal in the code that the catalog tests find, these names are
    known only at run time: their translations are listed by hand under their context (``"table column"``,
    ``"table title"``) and a name without one is shown as it is.
    """
    lang = get_language()
    if lang == SOURCE_LANGUAGE:
        return name
    return _translations(lang).pgettext(context, name)


def factor_level(level) -> str:
    """A multiverse factor's level in the current language: 'off', 'placed', 'study data' by the catalog's chart
    labels, 'to 2018' as 'sampai 2018'; a coding variant's folder name as it is."""
    window = re.fullmatch(r"to (\d{4})", str(level))
    if window:
        return _("to {year}").format(year=window.group(1))
    return name_in_language("chart label", str(level))


# ---------------------------------------------------------------------------------------- notebook sentences
def phrasebook(lang: str):
    """A function ``say(en=..., id=...)`` returning the text given for ``lang``.

    A notebook composes its sentences with it (``say = sl.phrasebook(lang)`` in its setup cell), so each sentence is
    written once per language beside its twin. Every language of :data:`LANGUAGES` must be given, as a keyword: a
    missing or unknown one is a ``TypeError``, so no sentence silently falls back to English. The text is a
    :class:`ReaderText` that remembers its English: put in a table (an object column), it is shown in the report's
    language and written in English to the CSV file, which is the same data in every language.
    """
    lang = _check(lang)

    def say(**texts: str) -> ReaderText:
        missing = [code for code in LANGUAGES if code not in texts]
        unknown = sorted(set(texts) - set(LANGUAGES))
        if missing or unknown:
            raise TypeError(f"say() needs the text in every language ({', '.join(f'{c}=' for c in LANGUAGES)})"
                            + (f"; missing: {', '.join(missing)}" if missing else "")
                            + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        for code, text in texts.items():
            if not isinstance(text, str):
                raise TypeError(f"say(): the {code}= text must be a string, not {type(text).__name__}")
        return ReaderText(texts[SOURCE_LANGUAGE if lang in _TEST_LANGUAGES else lang], texts[SOURCE_LANGUAGE])

    say.lang = lang
    return say


# ------------------------------------------------------------------------------------------- numbers and dates
def _babel_locale(lang: str) -> str:
    return SOURCE_LANGUAGE if lang in _TEST_LANGUAGES else lang


def localize_number_text(text: str, lang: str | None = None) -> str:
    """A number written the English way ('1,190.5', '0.971', '1.2e-05') in ``lang``'s symbols ('1.190,5',
    '0,971', '1,2e-05' in Indonesian): the same digits, only the decimal and group marks change."""
    lang = lang or get_language()
    if lang == SOURCE_LANGUAGE or lang in _TEST_LANGUAGES:
        return text
    from babel.numbers import get_decimal_symbol, get_group_symbol

    swap = {".": get_decimal_symbol(lang), ",": get_group_symbol(lang)}
    return re.sub(r"[.,]", lambda m: swap[m.group()], text)


def format_number(value, decimals: int | None = None) -> str:
    """``value`` for reading in the current language: ``decimals`` decimals, or, when ``None``, a whole number as
    is and a fraction to at most 3 decimals (trailing zeros dropped); thousands grouped.

    In English: ``f"{value:,.{decimals}f}"`` ('1,190', '0.971'); in Indonesian the same digits with a decimal comma
    and a thousands dot ('1.190', '0,971').
    """
    if isinstance(value, (bool, str)) or not isinstance(value, numbers.Real):
        raise TypeError(f"format_number() takes a number, not {type(value).__name__} {value!r}")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0):
        raise ValueError(f"decimals must be a whole number >= 0 or None, not {decimals!r}")
    if decimals is None:
        if isinstance(value, numbers.Integral):
            text = f"{int(value):,}"
        else:
            text = f"{float(value):,.3f}".rstrip("0").rstrip(".")
    else:
        text = f"{float(value):,.{decimals}f}"
    return localize_number_text(text)


_PLAIN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_QUALIFIED = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)([~?%])$")
_ONE_OF = re.compile(r"^\[([^\[\],]+)\.\.([^\[\],]+)\]$")


def _plain_words(text: str, lang: str) -> str | None:
    m = _PLAIN.match(text)
    if not m:
        return None
    year, month, day = m.groups()
    if month is None:
        return year
    from babel.dates import get_month_names

    if not 1 <= int(month) <= 12:
        return None
    name = get_month_names("wide", context="format", locale=lang)[int(month)]
    return f"{name} {year}" if day is None else f"{int(day)} {name} {year}"


def format_date(text) -> str:
    """A date as the data write it (ISO ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or EDTF: ``1995~``, ``2019?``,
    ``[1990..1999]``, ``2015/2018``, ``../2008``, ``2008/..``) in words of the current language.

    In English the text is returned unchanged (what reports show today); in Indonesian '1960-06-24' reads
    '24 Juni 1960', '2015-09' 'September 2015', '1995~' 'sekitar 1995', '2019?' '2019 (tidak pasti)',
    '[1990..1999]' 'antara 1990 dan 1999', '2015/2018' '2015–2018'. A text that is not such a date (an empty cell,
    a note) is returned unchanged.
    """
    if text is None:
        return ""
    text = str(text)
    lang = get_language()
    if lang == SOURCE_LANGUAGE or lang in _TEST_LANGUAGES:
        return text
    value = text.strip()
    plain = _plain_words(value, lang)
    if plain is not None:
        return plain
    m = _QUALIFIED.match(value)
    if m and _plain_words(m.group(1), lang):
        words = _plain_words(m.group(1), lang)
        template = {"~": _("about {date}"), "?": _("{date} (uncertain)"),
                    "%": _("about {date} (uncertain)")}[m.group(2)]
        return template.format(date=words)
    m = _ONE_OF.match(value)
    if m and _plain_words(m.group(1), lang) and _plain_words(m.group(2), lang):
        return _("between {first} and {last}").format(first=_plain_words(m.group(1), lang),
                                                      last=_plain_words(m.group(2), lang))
    if value.count("/") == 1:
        lower, upper = value.split("/")
        lower_words = _plain_words(lower, lang) if lower not in ("", "..") else ""
        upper_words = _plain_words(upper, lang) if upper not in ("", "..") else ""
        if lower_words is None or upper_words is None or not (lower_words or upper_words):
            return text
        if lower_words and upper_words:
            return f"{lower_words}–{upper_words}"
        if upper_words:
            return _("{date} or earlier").format(date=upper_words)
        return _("{date} or later").format(date=lower_words)
    return text


# --------------------------------------------------------------------------------------------- codebook labels
@lru_cache(maxsize=4)
def _codebook_labels(path: str, mtime: float) -> dict:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("labels") or {}


def label(vocabulary: str, value) -> str:
    """The display label of a codebook vocabulary ``value`` (e.g. ``label("sector", "education")``) in the current
    language: the codebook's ``labels: {<lang>: {<vocabulary>: {<value>: <label>}}}`` entry when it has one, else the
    value itself (in English always the value, as reports have shown it)."""
    if not isinstance(vocabulary, str):
        raise TypeError(f"label(): the vocabulary is a name such as 'sector', not {type(vocabulary).__name__}")
    if value is None or value != value:  # a missing value (None, NaN) has no label
        return ""
    text = str(value)
    lang = get_language()
    if lang == SOURCE_LANGUAGE or lang in _TEST_LANGUAGES:
        return text
    path = Path(CODEBOOK_PATH)
    if not path.exists():
        return text
    labels = _codebook_labels(str(path), path.stat().st_mtime)
    return str(((labels.get(lang) or {}).get(vocabulary) or {}).get(text, text))
