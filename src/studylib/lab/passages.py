"""Passages of a source's text for the coding workbench: found by a phrase, shown in their paragraph, marked in HTML.

Plain functions of the text, no widgets: :func:`search_passages` lists every place a phrase occurs as a
:class:`Passage` (whose words make a locator), :func:`passage_in_context` shows one in its paragraph, and
:func:`marked_text` draws the whole text with the passages already coded, the search matches and the locator marked.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..bundle.sources import find_passages, normalise_space

__all__ = ["Passage", "search_passages", "passage_in_context", "highlight", "marked_text", "MARKS"]

CONTEXT_CHARS = 60  # shown either side of a match in the list of matches
PARAGRAPH_CHARS = 400  # shown at most either side of the picked match, within its paragraph
TEXT_STYLE = ("white-space: pre-wrap; max-height: 420px; overflow-y: auto; border: 1px solid #ccc; padding: 8px; "
              "font-family: Georgia, serif; line-height: 1.5")
CONTEXT_STYLE = "white-space: pre-wrap; padding: 4px 8px; border-left: 3px solid #86efac; font-family: Georgia, serif"
#: How each kind of marked span is drawn.
MARKS = {"coded": "background: #dbeafe", "match": "background: #fef08a", "locator": "background: #86efac"}


@dataclass(frozen=True)
class Passage:
    """A place in a source's text: ``text[start:end]``, with some context either side for display."""

    start: int
    end: int
    text: str
    before: str
    after: str

    @property
    def locator(self) -> str:
        """The passage as a locator: its words as the source writes them, one space between each."""
        return normalise_space(self.text)

    def label(self) -> str:
        return f"…{normalise_space(self.before)} [{self.locator}] {normalise_space(self.after)}…"


def search_passages(text: str, phrase: str) -> list[Passage]:
    """Every place ``phrase`` occurs in ``text`` (case and whitespace aside)."""
    return [Passage(s, e, text[s:e], text[max(0, s - CONTEXT_CHARS):s], text[e:e + CONTEXT_CHARS])
            for s, e in find_passages(text, phrase)]


def passage_in_context(text: str, passage: Passage) -> str:
    """HTML of ``passage`` marked in its paragraph (at most :data:`PARAGRAPH_CHARS` either side)."""
    start = max(0, text.rfind("\n\n", 0, passage.start), passage.start - PARAGRAPH_CHARS)
    end = min(len(text), passage.end + PARAGRAPH_CHARS)
    stop = text.find("\n\n", passage.end)
    end = end if stop < 0 else min(end, stop)
    return (f'<div style="{CONTEXT_STYLE}">…{html.escape(text[start:passage.start])}'
            f'<mark style="{MARKS["locator"]}">{html.escape(passage.text)}</mark>'
            f"{html.escape(text[passage.end:end])}…</div>")


def highlight(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` as HTML with ``(start, end, kind, title)`` spans marked (later kinds drawn over earlier ones)."""
    cuts = sorted({0, len(text), *[s for s, *_ in spans], *[e for _, e, *_ in spans]})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        inside = [(k, t) for s, e, k, t in spans if s <= a and b <= e]
        chunk = html.escape(text[a:b])
        if inside:  # the last kind's colour; every kind's class and title
            kinds = " ".join(dict.fromkeys(f"studylib-{k}" for k, _ in inside))
            title = "; ".join(dict.fromkeys(t for _, t in inside))
            chunk = (f'<mark class="{kinds}" style="{MARKS[inside[-1][0]]}" title="{html.escape(title)}">'
                     f"{chunk}</mark>")
        parts.append(chunk)
    return f'<div style="{TEXT_STYLE}">{"".join(parts)}</div>'


def marked_text(text: str, *, coded=(), matches=(), locator: str = "") -> str:
    """``text`` as HTML with the passages already coded, the search matches and the locator marked.

    Parameters
    ----------
    text : str
        A source's text.
    coded : sequence of (int, int, str)
        ``(start, end, row ids)`` of passages rows already cite (:meth:`studylib.lab.coding.CodingSession.coded`).
    matches : sequence of Passage
        The search matches.
    locator : str
        The locator being typed: every place it occurs verbatim (whitespace aside) is marked.
    """
    spans = [(s, e, "coded", f"coded: {ids}") for s, e, ids in coded]
    spans += [(p.start, p.end, "match", "search match") for p in matches]
    if locator.strip():
        spans += [(s, e, "locator", "the locator") for s, e in find_passages(text, locator, ignore_case=False)]
    return highlight(text, spans)
