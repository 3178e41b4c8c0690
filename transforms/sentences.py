"""Sentence and clause boundaries, for provenance and for reading a mention's context."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:]")


@lru_cache(maxsize=16)
def _stops(text: str, pattern: re.Pattern[str]) -> tuple[int, ...]:
    """End offsets of every stop in ``text``: found once per text, then looked up by bisection,
    so asking for the bounds of every mention stays linear in the text's length."""
    return tuple([match.end() for match in pattern.finditer(text)])


# The text each pattern was last asked about, with its stops: one article's mentions ask about
# the same text object over and over, and an identity check is cheaper than the cache's key.
_LATEST: dict[re.Pattern[str], tuple[str, tuple[int, ...]]] = {}


def _bounds(text: str, pos: int, pattern: re.Pattern[str]) -> tuple[int, int]:
    latest = _LATEST.get(pattern)
    if latest is not None and latest[0] is text:
        stops = latest[1]
    else:
        stops = _stops(text, pattern)
        _LATEST[pattern] = (text, stops)
    # The stop characters are single characters: one ending at or before ``pos`` opens the span.
    before = bisect_right(stops, pos)
    start = stops[before - 1] if before else 0
    # The first stop after ``pos`` is the next one: offsets are whole numbers, so the stops
    # ending at or before ``pos`` are those before pos + 1.
    end = stops[before] if before < len(stops) else len(text)
    return start, end


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence containing ``pos``, including its closing punctuation."""
    return _bounds(text, pos, _SENTENCE_END)


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause (between commas or stronger stops) containing ``pos``."""
    return _bounds(text, pos, _CLAUSE_END)
