"""A first-character check in front of an alternation, so a search skips other text fast.

Python's regular-expression engine skips ahead by itself to the characters a plain alternation
of words (``捐赠|捐款|拨付``) can begin with, but not when an alternative begins with a group or
a lookbehind (``(?P<raised>募集|…)|(?P<donated>捐赠|…)``): then it tries every alternative at
every position.  For such patterns a lookahead for their first characters rules most positions
out in one test (about five times faster on news text for the role verbs); for the others it
only adds work, so it is applied where it was measured to help.  The
lookahead is computed from the pattern itself, so a word added to a list keeps it right, and it
matches nothing: matches, groups and ``lastgroup`` are those of the pattern as written.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # the parser's opcodes
from re import _parser  # type: ignore[attr-defined]

# A pattern whose first characters are more than this many is not worth a lookahead.
_MOST_FIRST_CHARACTERS = 400
# What ``\s`` matches in a str pattern: the characters str.isspace() accepts.
_WHITE_SPACE = frozenset(code for code in range(0x110000) if chr(code).isspace())


class _Unlisted(Exception):
    """The pattern can begin with a character that cannot be listed (``.``, ``\\w``, ``^``)."""


def _firsts(items: list[tuple[object, object]], found: set[int]) -> bool:
    """Add to ``found`` the characters the sequence ``items`` can begin with; True when it can
    match the empty string (the caller must then look at what follows)."""
    for op, av in items:
        if op is sre.LITERAL:
            found.add(av)  # type: ignore[arg-type]
            return False
        if op in (sre.ASSERT, sre.ASSERT_NOT) and av[0] < 0:  # type: ignore[index]
            continue  # a lookbehind takes no character
        if op is sre.AT:
            continue  # ^, $, \b take no character either
        if op is sre.SUBPATTERN:
            if _firsts(list(av[3]), found):  # type: ignore[index]
                continue
            return False
        if op is sre.BRANCH:
            if any([_firsts(list(branch), found) for branch in av[1]]):  # type: ignore[index]
                continue
            return False
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _, item = av  # type: ignore[misc]
            if _firsts(list(item), found) or low == 0:
                continue
            return False
        if op is sre.IN:
            for member, value in av:  # type: ignore[attr-defined]
                if member is sre.LITERAL:
                    found.add(value)
                elif member is sre.RANGE and value[1] - value[0] < _MOST_FIRST_CHARACTERS:
                    found.update(range(value[0], value[1] + 1))
                elif member is sre.CATEGORY and value is sre.CATEGORY_SPACE:
                    found.update(_WHITE_SPACE)
                else:
                    raise _Unlisted  # a negated set, a category
            return False
        raise _Unlisted  # anything else: ``.``, lookaheads, backreferences
    return True


def first_characters(pattern: re.Pattern[str]) -> str | None:
    """Every character a match of ``pattern`` can begin with, or None when they cannot be
    listed (the pattern may match the empty string or begin with any character)."""
    found: set[int] = set()
    try:
        if _firsts(list(_parser.parse(pattern.pattern, pattern.flags)), found):
            return None
    except _Unlisted:
        return None
    if not found or len(found) > _MOST_FIRST_CHARACTERS:
        return None
    return "".join(sorted(map(chr, found)))


def prefiltered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a lookahead for its first characters, or ``pattern`` itself when they
    cannot be listed.  Same matches, same groups (the lookahead has none)."""
    firsts = first_characters(pattern)
    if firsts is None:
        return pattern
    return re.compile(f"(?=[{re.escape(firsts)}])(?:{pattern.pattern})", pattern.flags)


def _starts_anchored(items: list[tuple[object, object]]) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is sre.AT:
        return av is sre.AT_BEGINNING
    if op is sre.SUBPATTERN:
        return _starts_anchored(list(av[3]))  # type: ignore[index]
    if op is sre.BRANCH:
        return all(_starts_anchored(list(branch)) for branch in av[1])  # type: ignore[index]
    return False


def anchored_at_start(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` starts at the start of the string (each alternative
    begins with ``^``, without MULTILINE): then its ``match`` finds what ``search`` would."""
    if pattern.flags & re.MULTILINE:
        return False
    return _starts_anchored(list(_parser.parse(pattern.pattern, pattern.flags)))
