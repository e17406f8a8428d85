"""Markdown that notebooks and reports write around data: data strings made safe, and sentences built from a template.

A coded string (a programme's title, a locator, a user's file name) may hold ``*``, ``_``, ``<script>`` or a ``|``
that would turn into emphasis, markup or a table cell; :func:`md_escape` and :func:`md_code` keep it literal, and
:func:`md` fills a sentence's ``{placeholders}`` with escaped values so a notebook never escapes by hand.
"""

from __future__ import annotations

import html
import numbers

from ..i18n import localize_number_text

__all__ = ["md", "md_escape", "md_code"]


def md_escape(text) -> str:
    """Escape a data string for Markdown text: no tag, script or Markdown syntax survives."""
    s = html.escape(str(text), quote=False).replace("\\", "\\\\")
    for ch in "`*_{}[]()#+!|~":
        s = s.replace(ch, "\\" + ch)
    return s


def md_code(text) -> str:
    """A data string as a Markdown code span (shown literally; backticks cannot close it early)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


class _Escaped:
    """A value that formats as the value would (``{n:,}``, ``{x:.3f}``) and escapes the result unless it is a number,
    which is written with the report language's decimal and group marks ('0.971' in English, '0,971' in Indonesian)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        text = format(self.value, spec)
        if isinstance(self.value, numbers.Number) and not isinstance(self.value, bool):
            return localize_number_text(text)  # digits, signs, separators and 'nan'/'inf' need no escaping
        return md_escape(text)


def md(template: str, /, **values):
    """A Markdown display of ``template`` with each ``{name}`` filled from ``values``, escaped.

    Strings and other objects are escaped with :func:`md_escape` after formatting; numbers are formatted with the
    placeholder's spec (``{events:,}``, ``{share:.1%}``) and shown as they are, with the decimal comma and thousands
    dot of an Indonesian report (:func:`studylib.set_language`). The template itself is the notebook's
    own Markdown and is not escaped. Returns an :class:`IPython.display.Markdown` (``display(sl.md(...))``).

    Raises
    ------
    KeyError
        When the template names a value that is not given (a typo in a notebook must not print a half sentence).
    """
    from IPython.display import Markdown

    return Markdown(template.format_map({name: _Escaped(value) for name, value in values.items()}))
