"""Sentence and clause boundaries, for provenance and for reading a mention's context."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

# The stops of each kind of span, keyed by a short name: caches keyed on a compiled pattern
# would hash its whole compiled code on every lookup.
_STOP_PATTERNS = {
    "sentence": re.compile(r"[。！？!?；;\n]"),
    "clause": re.compile(r"[。！？!?；;\n，,、：:]"),
}


@lru_cache(maxsize=16)
def _stops(text: str, kind: str) -> tuple[int, ...]:
    """End offsets of every stop in ``text``: found once per text, then looked up by bisection,
    so asking for the bounds of every mention stays linear in the text's length."""
    return tuple([match.end() for match in _STOP_PATTERNS[kind].finditer(text)])


# The text each kind was last asked about, with its stops: one article's mentions ask about
# the same text object over and over, and an identity check is cheaper than the cache's key.
_LATEST: dict[str, tuple[str, tuple[int, ...]]] = {}


def _bounds(text: str, pos: int, kind: str) -> tuple[int, int]:
    latest = _LATEST.get(kind)
    if latest is not None and latest[0] is text:
        stops = latest[1]
    else:
        stops = _stops(text, kind)
        _LATEST[kind] = (text, stops)
    # The stop characters are single characters: one ending at or before ``pos`` opens the span.
    before = bisect_right(stops, pos)
    start = stops[before - 1] if before else 0
    # The first stop after ``pos`` is the next one: offsets are whole numbers, so the stops
    # ending at or before ``pos`` are those before pos + 1.
    end = stops[before] if before < len(stops) else len(text)
    return start, end


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence containing ``pos``, including its closing punctuation."""
    return _bounds(text, pos, "sentence")


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause (between commas or stronger stops) containing ``pos``."""
    return _bounds(text, pos, "clause")
