"""Passages of a source's text for the coding workbench: found by a phrase, shown in their paragraph, marked in HTML.

Plain functions of the text, no widgets: :func:`search_passages` lists every place a phrase occurs as a
:class:`Passage` (the match, and the sentence around it that a locator quotes: :func:`sentence_span`),
:func:`passage_in_context` shows one in its paragraph, and
:func:`marked_text` draws the whole text with the passages already coded, the search matches and the locator marked.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..bundle.sources import find_passages, normalise_space

__all__ = ["Passage", "search_passages", "sentence_span", "passage_in_context", "highlight", "marked_text", "MARKS"]

CONTEXT_CHARS = 60  # shown either side of a match in the list of matches
SENTENCE_CHARS = 240  # a locator quotes the sentence around a match, at most this long
PARAGRAPH_CHARS = 400  # shown at most either side of the picked match, within its paragraph
TEXT_STYLE = ("white-space: pre-wrap; max-height: 420px; overflow-y: auto; border: 1px solid #ccc; padding: 8px; "
              "font-family: Georgia, serif; line-height: 1.5")
CONTEXT_STYLE = "white-space: pre-wrap; padding: 4px 8px; border-left: 3px solid #86efac; font-family: Georgia, serif"
#: How each kind of marked span is drawn.
MARKS = {"unit": "background: #fed7aa", "coded": "background: #dbeafe", "match": "background: #fef08a", "locator": "background: #86efac"}


@dataclass(frozen=True)
class Passage:
    """A place in a source's text: ``text[start:end]``, with some context either side for display, and the
    sentence around it (what a locator quotes: the passage, not just the words searched for)."""

    start: int
    end: int
    text: str
    before: str
    after: str
    sentence: str = ""

    @property
    def locator(self) -> str:
        """The match itself: its words as the source writes them, one space between each."""
        return normalise_space(self.text)

    @property
    def passage(self) -> str:
        """The sentence around the match (its words, one space between each): the locator the workbench saves."""
        return normalise_space(self.sentence) or self.locator

    def label(self) -> str:
        return f"…{normalise_space(self.before)} [{self.locator}] {normalise_space(self.after)}…"


def search_passages(text: str, phrase: str) -> list[Passage]:
    """Every place ``phrase`` occurs in ``text`` (case and whitespace aside), with the sentence around it."""
    out = []
    for s, e in find_passages(text, phrase):
        a, b = sentence_span(text, s, e)
        out.append(Passage(s, e, text[s:e], text[max(0, s - CONTEXT_CHARS):s], text[e:e + CONTEXT_CHARS], text[a:b]))
    return out


_ENDS = ".!?"


def sentence_span(text: str, start: int, end: int, *, limit: int = SENTENCE_CHARS) -> tuple[int, int]:
    """``(a, b)``: the sentence of ``text`` around ``text[start:end]``, for a locator.

    A sentence ends at ``.``, ``!`` or ``?`` followed by white space (or the end of the text), or at a blank line
    (a paragraph, a heading, a list item of its own). A sentence longer than ``limit`` characters is cut to whole
    words around the match, so a locator stays a short quotation; the match itself is never cut.
    """
    a = start
    while a > 0:
        if text.startswith("\n\n", a - 2) or (text[a - 1].isspace() and a >= 2 and text[a - 2] in _ENDS):
            break
        a -= 1
    b = end
    while b < len(text):
        if text.startswith("\n\n", b) or (text[b] in _ENDS and (b + 1 == len(text) or text[b + 1].isspace())):
            b += 1 if text[b] in _ENDS else 0
            break
        b += 1
    while a < start and text[a].isspace():
        a += 1
    while b > end and text[b - 1].isspace():
        b -= 1
    if b - a > limit:  # keep whole words around the match, about as much on each side
        room = max(0, limit - (end - start)) // 2
        lo, hi = max(a, start - room), min(b, end + room)
        if lo > a:
            cut = text.find(" ", lo, start)
            lo = start if cut < 0 else cut + 1
        if hi < b:
            cut = text.rfind(" ", end, hi)
            hi = end if cut < 0 else cut
        a, b = lo, hi
    return a, b


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


def marked_text(text: str, *, coded=(), matches=(), locator: str = "", units=()) -> str:
    """``text`` as HTML with the units to code, the passages already coded, the search matches and the locator marked.

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
    units : sequence of (int, int, str)
        ``(start, end, activity id)`` of the units fixed in advance (a round's ``units.csv``).
    """
    spans = [(s, e, "unit", f"unit: {aid}") for s, e, aid in units]
    spans += [(s, e, "coded", f"coded: {ids}") for s, e, ids in coded]
    spans += [(p.start, p.end, "match", "search match") for p in matches]
    if locator.strip():
        spans += [(s, e, "locator", "the locator") for s, e in find_passages(text, locator, ignore_case=False)]
    return highlight(text, spans)
