"""Place names as compared: name keys for cities; ISO 3166-1 codes, English names and regions for countries.

Country names are resolved with the CLDR territory names that Babel ships in every report language
(:data:`studylib.i18n.LANGUAGES`: English, Indonesian), plus :data:`COUNTRY_ALIASES` for the spellings of Wikidata
labels and Wikipedia scrapes that CLDR lacks and :data:`INDONESIAN_ALIASES` for common Indonesian ones; a name that
two languages give to different countries is ambiguous and is not resolved. Countries are shown with their CLDR name
in the report's language (:func:`country_name`). Romanisation variants are not merged.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..i18n import LANGUAGES, get_language

__all__ = ["COUNTRY_ALIASES", "INDONESIAN_ALIASES", "name_key", "name_keys", "country_code", "country_name",
           "ambiguous_country_names"]

#: Country spellings CLDR's English names (via Babel) do not hold, as found in Wikidata's labels and in scrapes of
#: Wikipedia's "List of twin towns and sister cities" pages -> ISO 3166-1 alpha-2. Keys are :func:`name_key` forms.
#: Historical or disputed entities (Somaliland, Northern Cyprus, West Bank, Gaza Strip, Kingdom of Romania...) are
#: deliberately absent: they stay unresolved and are reported, rather than folded into a present-day state.
COUNTRY_ALIASES = {
    "united states of america": "US", "usa": "US", "u s a": "US", "u s": "US", "america": "US",
    "peoples republic of china": "CN", "prc": "CN", "mainland china": "CN",
    "republic of china": "TW", "republic of korea": "KR", "korea south": "KR", "korea republic of": "KR",
    "s korea": "KR", "democratic peoples republic of korea": "KP", "korea north": "KP",
    "republic of ireland": "IE", "czech republic": "CZ", "czechia": "CZ", "turkey": "TR", "myanmar": "MM",
    "burma": "MM", "ivory coast": "CI", "republic of the congo": "CG", "congo brazzaville": "CG",
    "democratic republic of the congo": "CD", "congo kinshasa": "CD", "dr congo": "CD",
    "state of palestine": "PS", "palestine": "PS", "palestinian national authority": "PS",
    "bahamas": "BS", "gambia": "GM", "netherlands": "NL", "kingdom of the netherlands": "NL", "holland": "NL",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "great britain": "GB",
    "uk": "GB", "russian federation": "RU", "viet nam": "VN", "macedonia": "MK", "republic of macedonia": "MK",
    "swaziland": "SZ", "east timor": "TL", "cabo verde": "CV", "hong kong": "HK", "macau": "MO", "macao": "MO",
    "federated states of micronesia": "FM", "vatican": "VA", "holy see": "VA", "united republic of tanzania": "TZ",
    "lao pdr": "LA", "laos": "LA", "syrian arab republic": "SY", "iran islamic republic of": "IR",
}


#: Indonesian spellings CLDR's Indonesian names do not hold (its names, e.g. 'Jepang', 'Korea Selatan', 'Tiongkok',
#: 'Amerika Serikat', 'Belanda', are read as well). Keys are :func:`name_key` forms.
INDONESIAN_ALIASES = {"cina": "CN", "republik rakyat tiongkok": "CN", "inggris": "GB", "korsel": "KR",
                      "republik korea": "KR", "amerika": "US"}


def name_keys(values) -> np.ndarray:
    """:func:`name_key` of many values at once (vectorised with Arrow's string kernels: a scrape has ~100,000
    distinct names)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pa.array(pd.Index(values).astype(str), type=pa.string())  # no Python loop over an Arrow-backed index
    s = pc.utf8_lower(pc.replace_substring_regex(pc.utf8_normalize(a, "NFKD"), r"\p{Mn}+", ""))  # accents off
    s = pc.replace_substring_regex(pc.replace_substring(s, "&", " and "), "['\u2019`]", "")
    s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"[^\p{L}\p{N}]+", " "))
    s = pc.replace_substring_regex(pc.replace_substring_regex(s, "^st ", "saint "), "^the ", "")
    out = np.asarray(s.to_numpy(zero_copy_only=False), dtype=object)
    empty = out == ""
    if empty.any():  # all punctuation: keep it as written
        out[empty] = [str(v).strip().casefold() for v in np.asarray(values, dtype=object)[empty]]
    return out


def name_key(text) -> str:
    """A place name as compared: accents dropped, case folded, punctuation and extra spaces removed.

    ``'Saint-Étienne'`` and ``'saint etienne'`` give the same key, and names in any script keep their letters
    (``'부산'``); romanisation variants (Pusan / Busan) are not merged.
    """
    return str(name_keys([text])[0])


def _territory_names(lang: str) -> dict[str, str]:
    """CLDR's names of the countries (ISO 3166-1 alpha-2 codes only: no regions such as '001') in ``lang``."""
    from babel import Locale

    return {code: name for code, name in Locale.parse(lang).territories.items() if re.fullmatch(r"[A-Z]{2}", code)}


@lru_cache(maxsize=1)
def _cldr_table() -> tuple[dict[str, str], frozenset[str]]:
    """Name key -> ISO code for the codes and for CLDR's names in every report language plus the aliases, and the
    keys that name different countries in different languages (left unresolved: never guessed between)."""
    english = _territory_names("en")
    out = dict(zip(name_keys(list(english)), english))  # 'KR', 'kr'
    claims: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        names = _territory_names(lang)
        for key, code in zip(name_keys(list(names.values())), names):
            claims.setdefault(key, set()).add(code)
    aliases = {**INDONESIAN_ALIASES, **COUNTRY_ALIASES}
    for key, code in aliases.items():
        claims.setdefault(key, set()).add(code)
    ambiguous = frozenset(k for k, codes in claims.items() if len(codes) > 1 and k not in out)
    out.update({k: next(iter(codes)) for k, codes in claims.items() if k not in ambiguous and k not in out})
    return out, ambiguous


def _cldr_countries() -> dict[str, str]:
    return _cldr_table()[0]


def ambiguous_country_names() -> frozenset[str]:
    """Name keys that CLDR (or the aliases) give to different countries in different report languages."""
    return _cldr_table()[1]


def country_code(name) -> str:
    """ISO 3166-1 alpha-2 code of an English or Indonesian country name or a code ('South Korea', 'Korea Selatan',
    'KR' -> 'KR'); '' if unknown."""
    return _country_codes([name])[0]


def _country_codes(values) -> list[str]:
    table = _cldr_countries()
    return [table.get(k, "") for k in name_keys(values)]


def _country_names(lang: str | None = None) -> dict[str, str]:
    """ISO code -> CLDR country name in ``lang`` (default: the report's language, :func:`studylib.set_language`)."""
    return _names_in(lang or get_language())


@lru_cache(maxsize=None)
def _names_in(lang: str) -> dict[str, str]:
    from babel import Locale

    return dict(Locale.parse(lang).territories)


def country_name(code: str, lang: str | None = None) -> str:
    """The CLDR name of an ISO 3166-1 alpha-2 code in ``lang`` (default: the report's language): 'KR' -> 'South
    Korea' in English, 'Korea Selatan' in Indonesian; an unknown code is returned as it is."""
    return _country_names(lang).get(code, code)


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Country code -> the IANA time-zone area of its first zone in CLDR (Asia, Europe, America, Africa, ...)."""
    from babel.core import get_global

    return {code: zones[0].split("/")[0] for code, zones in get_global("territory_zones").items() if zones}


def _country_columns(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Raw country values resolved once per distinct value: the values' codes into the distinct values, and per
    distinct value (plus a last '' for a missing value, code -1) the ISO code ('' if unresolved), the display name and
    a comparison key (the ISO code, or '?' + the name key when unresolved); the unresolved values."""
    raw_codes, uniques = pd.factorize(raw.fillna(""), sort=False)
    uniques = [str(u).strip() for u in uniques]
    resolved = _country_codes(uniques)
    names = _country_names()
    display = [names.get(c, u) if c else u for c, u in zip(resolved, uniques)]
    keys = [c or "?" + k for c, k in zip(resolved, name_keys(uniques))]
    unresolved = sorted({u for c, u in zip(resolved, uniques) if not c and u})
    extend = lambda values: np.array(values + [""], dtype=object)  # noqa: E731 - code -1 (missing) -> ''
    return raw_codes, extend(resolved), extend(display), extend(keys), unresolved
