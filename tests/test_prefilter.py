"""transforms.prefilter: the first-character check changes no match."""

from __future__ import annotations

import re

import pytest

from transforms.amounts import _ANY_ROLE
from transforms.meaning import _CAPTION_SCAN, _RARE_BEFORE, _RARE_BEFORE_SCAN, _VERBS_SCAN, CAPTION, VERBS
from transforms.prefilter import anchored_at_start, first_characters, prefiltered

_TEXT = (
    "某某基金会向甲县捐赠50万元，并承诺再捐30万元；此前已募集善款120万元（图为捐赠现场）。\n"
    "图：活动现场 认捐仪式上，乙公司拨付20万元用于资助学生，比去年增加10%，不含未认捐部分。"
    " ABC appeal 提供）"
)


@pytest.mark.parametrize(
    ("pattern", "firsts"),
    [
        (r"捐赠|拨付", "拨捐"),
        (r"(?P<a>捐赠|捐款)|(?P<b>(?<!含)认捐)", "捐认"),
        (r"(?:\s|^)图：", None),  # \s: listed as every white-space character, checked below
        (r"a?b", "ab"),
        (r"^abc|x", "ax"),
        (r"[一-三]个", "".join(map(chr, range(0x4E00, 0x4E0A)))),
    ],
)
def test_first_characters(pattern: str, firsts: str | None) -> None:
    found = first_characters(re.compile(pattern))
    if firsts is None:
        assert found is not None and "图" in found and " " in found and "\u3000" in found
    else:
        assert found == "".join(sorted(firsts))


@pytest.mark.parametrize("pattern", [r"a*", r"(?=x)y", r".foo", r"\wfoo", r"[^a]b", r"(?:a|\d)b"])
def test_unlisted_first_characters_leave_the_pattern_as_it_is(pattern: str) -> None:
    compiled = re.compile(pattern)
    assert first_characters(compiled) is None
    assert prefiltered(compiled) is compiled


@pytest.mark.parametrize(
    ("original", "checked"),
    [(VERBS, _VERBS_SCAN), (_RARE_BEFORE, _RARE_BEFORE_SCAN), (CAPTION, _CAPTION_SCAN), (_ANY_ROLE, None)],
)
def test_same_matches_groups_and_last_group(
    original: re.Pattern[str], checked: re.Pattern[str] | None
) -> None:
    if checked is None:  # _ANY_ROLE is stored prefiltered: compare with its own words
        checked, original = original, re.compile(original.pattern.split(")(?:", 1)[1][:-1], original.flags)
    assert checked is not original and checked.pattern.startswith("(?=[")
    for start in range(len(_TEXT)):
        want = [(m.span(), m.groups(), m.lastgroup) for m in original.finditer(_TEXT, start)]
        got = [(m.span(), m.groups(), m.lastgroup) for m in checked.finditer(_TEXT, start)]
        assert got == want
    assert any(True for _ in original.finditer(_TEXT))  # the text does exercise the pattern


def test_anchored_at_start() -> None:
    assert anchored_at_start(re.compile(r"^a|^b"))
    assert anchored_at_start(re.compile(r"(?:^a)|(?:^b|^c)", re.I))
    assert not anchored_at_start(re.compile(r"^a|b"))
    assert not anchored_at_start(re.compile(r"^a", re.M))
    assert not anchored_at_start(re.compile(r"a^"))
