"""Sentence and clause boundaries, for provenance and for reading a mention's context."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:]")


def _bounds(text: str, pos: int, pattern: re.Pattern[str]) -> tuple[int, int]:
    start = 0
    for match in pattern.finditer(text, 0, pos):
        start = match.end()
    end_match = pattern.search(text, pos)
    end = end_match.end() if end_match else len(text)
    return start, end


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence containing ``pos``, including its closing punctuation."""
    return _bounds(text, pos, _SENTENCE_END)


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause (between commas or stronger stops) containing ``pos``."""
    return _bounds(text, pos, _CLAUSE_END)
