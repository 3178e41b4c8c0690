"""The faster forms of meaning's patterns and bounds find what their plain forms find."""

from __future__ import annotations

import re

import pytest

from transforms.meaning import (
    _VERB_KIND,
    _VERB_WORDS,
    BREAKDOWN,
    MULTI_PERIOD_TOTAL,
    PERIOD,
    VERBS,
    _clause_start,
)
from transforms.sentences import clause_bounds, sentence_bounds

# Our own sentences, with every verb kind, 含认捐, 截至今, 款中， and commas of each kind.
_TEXT = (
    "某基金会成立十年来累计募集善款三千万元，截至今年已筹得五百万元；自活动开展以来共计收到捐款、"
    "物资，其中某公司认捐二十万元，含认捐款五万元。在单位捐款中，某集团捐赠十万元：用于资助学生。\n"
    "多年来，该会拨付善款、发放物资，历届理事承诺捐出善款，拟提供帮助，至今已捐了八万元!"
    "当中包括捐款收入与善款总额;本会募款中有一半来自市民A,B:C?"
)


def test_verb_words_match_as_verbs() -> None:
    for start in range(len(_TEXT)):
        want = [(m.span(), m.lastgroup) for m in VERBS.finditer(_TEXT, start)]
        got = [(m.span(), _VERB_KIND[m.group()]) for m in _VERB_WORDS.finditer(_TEXT, start)]
        assert got == want
    assert {_VERB_KIND[m.group()] for m in _VERB_WORDS.finditer(_TEXT)} == set(VERBS.groupindex)


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        (BREAKDOWN, r"其中|包括|包含|含|中有|当中|(?<=[款金物资])中[，,]"),
        (PERIOD, r"(?<!截)至今|以来|年来|历年|多年|历届|历来"),
        (
            MULTI_PERIOD_TOTAL,
            r"(?:(?<!截)至今|以来|年来|历年|多年|历届|历来)[^。；;]{0,60}?"
            r"(?:累计|累积|共计|总计|合计|合共|总额|总数|共|已)",
        ),
    ],
)
def test_lookbehind_after_the_first_word_finds_the_same(written: re.Pattern[str], plain: str) -> None:
    original = re.compile(plain)
    for start in range(len(_TEXT)):
        assert [m.span() for m in written.finditer(_TEXT, start)] == [
            m.span() for m in original.finditer(_TEXT, start)
        ]
    assert any(True for _ in original.finditer(_TEXT))


def test_clause_start_is_clause_bounds_start() -> None:
    for pos in range(len(_TEXT)):
        s_start = sentence_bounds(_TEXT, pos)[0]
        assert _clause_start(_TEXT, s_start, pos) == clause_bounds(_TEXT, pos)[0], pos
