"""Fonts for figures: Hangul, Kana and Kanji glyphs fall back to an installed CJK font.

Matplotlib (>= 3.6) draws each glyph with the first font of ``font.family`` that has it. The study theme keeps its
Latin font first (Indonesian and English text look the same as before) and appends the first CJK font found on the
system, so a city name such as 서울 or 東京 is drawn instead of empty boxes. On Debian/Ubuntu the font comes from
``apt-get install fonts-noto-cjk``; other systems: see the README ("Fonts").
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["CJK_FONTS", "cjk_font", "use_cjk_fallback"]

#: CJK fonts tried in order: Noto (Linux), Source Han (same glyphs, other name), then the macOS and Windows fonts.
CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Source Han Sans K", "Source Han Sans",
             "Apple SD Gothic Neo", "Hiragino Sans", "Malgun Gothic", "Yu Gothic", "MS Gothic")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of the first installed font of :data:`CJK_FONTS`, or None when none is installed."""
    from matplotlib import font_manager

    found = _first_installed(font_manager.fontManager)
    if found is None:
        # matplotlib caches the font list when first used: a font installed later is found by scanning again
        for path in font_manager.findSystemFonts():
            if any(key in path.replace("-", "").replace("_", "").lower() for key in _FILE_KEYS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable file is simply not used
                    continue
        found = _first_installed(font_manager.fontManager)
        if found is not None:
            _save_font_cache(font_manager)
    return found


def _save_font_cache(font_manager) -> None:
    """Write the font list back to matplotlib's cache, so the next kernel does not scan the system again."""
    from pathlib import Path

    import matplotlib as mpl

    try:
        cache = Path(mpl.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
        font_manager.json_dump(font_manager.fontManager, cache)
    except (OSError, AttributeError):  # a read-only cache only costs the scan again
        pass


_FILE_KEYS = ("notosanscjk", "notoserifcjk", "sourcehansans", "applesdgothic", "hiragino", "malgun", "yugoth",
              "msgothic")


def _first_installed(manager) -> str | None:
    installed = {f.name for f in manager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def use_cjk_fallback() -> str | None:
    """Append the installed CJK font to matplotlib's ``font.family`` (call after the theme sets its fonts).

    Returns the font's name, or None when no CJK font is installed (figures then draw CJK text as empty boxes, and
    matplotlib warns about the missing glyphs).
    """
    import matplotlib as mpl

    font = cjk_font()
    if font is None:
        return None
    family = mpl.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if font not in family:
        mpl.rcParams["font.family"] = [*family, font]
    return font
