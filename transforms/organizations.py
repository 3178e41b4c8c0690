"""Organizations: full names found from their suffix, extended leftwards with jieba.

The suffix (基金会, 慈善总会, 民政厅, 有限公司…) marks where a name ends; jieba's part-of-speech
tags tell where it starts (the name is the run of nominal tokens before the suffix).  Short
forms that lean on context (市慈善总会, 省民政厅) are expanded with the article's own regions,
keeping the surface form as written.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import jieba
import jieba.posseg

from transforms.chinese_numbers import NUMERAL_CHARS
from transforms.sentences import clause_bounds, sentence_bounds

# Suffix → organization type.  Longest suffixes are tried first (regex alternation order).
SUFFIX_TYPES: dict[str, str] = {
    "慈善联合总会": "charity_federation",
    "慈善联合会": "charity_federation",
    "慈善总会": "charity_federation",
    "慈善协会": "charity_federation",
    "慈善会": "charity_federation",
    "红十字会": "red_cross",
    "基金会": "foundation",
    "公益金": "charity",
    "同善堂": "charity",
    "民政部": "government",
    "民政厅": "government",
    "民政局": "government",
    "社会组织管理局": "government",
    "乡村振兴局": "government",
    "人民政府": "government",
    "领导小组办公室": "government",
    "领导小组": "government",
    "工作队": "government",
    "有限责任公司": "company",
    "股份有限公司": "company",
    "有限公司": "company",
    "集团": "company",
    "分行": "bank",
    "支行": "bank",
    "银行": "bank",
    "大学": "school",
    "学院": "school",
    "中学": "school",
    "小学": "school",
    "学校": "school",
    "医院": "hospital",
    "卫生院": "hospital",
    "日报社": "media",
    "电视台": "media",
    "联合会": "other",
    "工商联": "other",
    "商会": "other",
    "促进会": "other",
    "协会": "other",
    "服务中心": "other",
    "中心": "other",
}
_SUFFIX_PATTERN = re.compile("|".join(sorted(map(re.escape, SUFFIX_TYPES), key=len, reverse=True)))
# 中共某某市委 / 县委 / 省委: party committees.
_PARTY_PATTERN = re.compile(r"中共[\u4e00-\u9fff]{1,12}?(?:省|市|县|区|州|盟|旗)委(?:员会)?")
# Tokens allowed inside a name: nouns, place and organization names, abbreviations, and a few
# others that occur in real names (发展 vn in 教育发展基金会, 第一 m in 第一人民医院).
_NAME_FLAGS = ("n", "ns", "nt", "nz", "nr", "nrt", "nrfg", "j", "vn", "b", "an", "eng", "l", "ng")
_STOP_WORDS = frozenset(
    [
        "向",
        "和",
        "与",
        "及",
        "以及",
        "为",
        "由",
        "的",
        "在",
        "对",
        "将",
        "把",
        "被",
        "给",
        "同",
        "跟",
        "并",
        "等",
        "从",
        "经",
        "据",
        "是",
        "了",
        "也",
        "还",
        "均",
        "各",
        "该",
        "其",
        "本",
        "这",
        "那",
    ]
)
# A short form begins with one of these and relies on the article's region.
_SHORT_FORM_LEVEL = {"省": "province", "市": "city", "州": "city", "县": "county", "区": "county"}
_MAX_NAME = 28
_BRACKETS = str.maketrans({"(": "（", ")": "）"})


@dataclass(frozen=True, slots=True)
class OrganizationMention:
    start: int
    end: int
    surface: str
    name: str  # canonical simplified full name
    type: str
    sentence_start: int
    sentence_end: int
    expanded_from_context: bool = False


@dataclass(slots=True)
class _Lexicon:
    """A private jieba tokenizer, so our dictionary never touches jieba's global one."""

    tokenizer: jieba.posseg.POSTokenizer
    lock: threading.Lock = field(default_factory=threading.Lock)


@cache
def _lexicon(region_names: tuple[str, ...]) -> _Lexicon:
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter, not our dictionary
    base = jieba.Tokenizer()
    base.initialize()
    for suffix in SUFFIX_TYPES:
        base.add_word(suffix, freq=2000, tag="n")
    for name in region_names:
        base.add_word(name, freq=3000, tag="ns")
    return _Lexicon(jieba.posseg.POSTokenizer(base))


def canonical_name(name: str) -> str:
    return name.translate(_BRACKETS).strip()


def _left_boundary(text: str, suffix_start: int, lexicon: _Lexicon) -> int:
    """Start of the name whose suffix begins at ``suffix_start``."""
    clause_start, _ = clause_bounds(text, suffix_start)
    window_start = max(clause_start, suffix_start - _MAX_NAME)
    window = text[window_start:suffix_start]
    with lexicon.lock:
        tokens = [(w.word, w.flag) for w in lexicon.tokenizer.cut(window)]
    start = suffix_start
    depth = 0
    for word, flag in reversed(tokens):
        if word in ("）", ")"):
            depth += 1
        elif word in ("（", "("):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (word in _STOP_WORDS or not _in_name(word, flag, start == suffix_start)):
            # A bracketed seat like （上海） is kept; anything verbal or functional ends the name.
            break
        start -= len(word)
    return start


def _in_name(word: str, flag: str, next_to_suffix: bool) -> bool:
    """Whether a token can be part of an organization name."""
    if flag.startswith(_NAME_FLAGS):
        return True
    if flag == "m":
        # 第一人民医院, 港九公益金: numerals inside names, but not a bare count such as 三家.
        return word.startswith("第") or any(ch not in NUMERAL_CHARS for ch in word)
    # An adjective right before the suffix is part of the name (乐善同善堂).
    return flag == "a" and next_to_suffix


def _expand_short_form(name: str, regions: Mapping[str, str]) -> str | None:
    level = _SHORT_FORM_LEVEL.get(name[0])
    if level is None or name[1:] not in SUFFIX_TYPES:
        return None
    region = regions.get(level)
    if region is None:
        return None
    if name[0] == "州" and not region.endswith("州"):
        return None
    return region + name[1:]


def extract_organizations(
    text: str,
    region_context: Mapping[str, str] | None = None,
    region_names: Iterable[str] = (),
) -> list[OrganizationMention]:
    """Organization mentions in text order.

    ``region_context`` maps a level (province, city, county) to the article's main region of
    that level, used to expand short forms such as 市慈善总会.  ``region_names`` are added to
    the tokenizer's dictionary so place names stay whole.
    """
    context = region_context or {}
    lexicon = _lexicon(tuple(region_names))
    found: list[OrganizationMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        surface = text[start:end]
        name = canonical_name(surface)
        expanded = False
        full = _expand_short_form(name, context)
        if full is not None:
            name, expanded = full, True
        elif len(name) - len(_suffix_of(name)) < 2 and kind != "party":
            return  # a bare suffix (基金会, 中心) is not a name
        s_start, s_end = sentence_bounds(text, start)
        found.append(OrganizationMention(start, end, surface, name, kind, s_start, s_end, expanded))
        taken.append((start, end))

    for m in _PARTY_PATTERN.finditer(text):
        add(m.start(), m.end(), "party")
    for m in _SUFFIX_PATTERN.finditer(text):
        end = m.end()
        # Prefer the longest suffix chain: 慈善总会 inside 慈善联合总会 is matched as the latter.
        if any(s <= m.start() < e for s, e in taken):
            continue
        start = _left_boundary(text, m.start(), lexicon)
        if start == m.start() and text[max(0, start - 1) : start] in _SHORT_FORM_LEVEL:
            start -= 1
        if start == m.start():
            continue
        add(start, end, SUFFIX_TYPES[m.group(0)])
    found.sort(key=lambda o: o.start)
    return _drop_nested(found)


def _suffix_of(name: str) -> str:
    m = _SUFFIX_PATTERN.search(name)
    return m.group(0) if m else ""


def _drop_nested(mentions: list[OrganizationMention]) -> list[OrganizationMention]:
    """A name inside a longer one (长沙分行 inside 中国银行长沙分行) is part of it."""
    kept: list[OrganizationMention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            if mention.end - mention.start > kept[-1].end - kept[-1].start:
                kept[-1] = mention
            continue
        kept.append(mention)
    return kept
