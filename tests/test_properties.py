"""Property tests for ``extract_article`` and ``read_document``: offsets, order and linear work.

Every mention's offsets point into the text as given, whatever that text is: arbitrary Unicode,
noisy Chinese news in either script, or the text read from an HTML page in a legacy encoding.
"""

from __future__ import annotations

import cProfile
import html
import pstats
import random
import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from transforms.document import read_document
from transforms.extract import ArticleExtraction, extract_article
from transforms.normalize import to_traditional

# A modest profile: the whole file stays well under a minute on two cores.  No example database,
# so a run leaves nothing behind in the working tree.
PROFILE = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LOCALES = st.sampled_from([None, "mainland", "hk", "mo", "tw"])

# --- Strategies ---------------------------------------------------------------------------------
HAN = "捐款善款万亿元港幣澳門新臺幣慈善總会基金会杭州市长沙县延边红十字民政局有限公司用于乡村振兴累计约合"
DIGITS = "0123456789"
WIDE_DIGITS = "０１２３４５６７８９．"
NUMERALS = "〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億"
PUNCTUATION = "（）()、，。？?！!；;：:,.-~～至 \n"
# Multi-character pieces the normalizer and the amount pattern care about.
PIECES = (
    "(kuǎn)",
    "（guò）",
    "(wàn)",
    "&rdquo;",
    "&ldquo;",
    "&nbsp;",
    "&amp;",
    "&#8220;",
    "<p>",
    "</p>",
    "<br/>",
    "]]>",
    "<![CDATA[",
    "??!",
    "？？",
    ",,",
    "，，。",
    "HK$",
    "NT$",
    "US$",
    "MOP$",
    "¥",
    "￥",
    "人民币",
    "港币",
    "港元",
    "新台币",
    "澳门币",
    "美元",
    "元正",
    "余",
    "多",
    "以上",
    "左右",
    "角",
    "分",
    "约",
    "超过",
    "逾",
    "千万",
    "百万",
    "捐赠",
    "筹得",
    "本港",
    "本澳",
    "民國",
    "中共杭州市委",
    "杭州市慈善总会",
    "长沙县",
    "延边朝鲜族自治州",
    "市慈善总会",
    "省民政厅",
    "第一人民医院",
    "1,234,567.89",
    "536万4120元",
    "2億元",
    "发布时间：2026-11-18",
    "【打印】【关闭】",
    "当前位置：首页 > 新闻",
    "相关新闻",
    "责任编辑：张三",
    "\r\n",
    "\u3000",
    "\ufffd",
)
ALPHABET = HAN + DIGITS + WIDE_DIGITS + NUMERALS + PUNCTUATION + "abckuǎnguò"

chinese_news = st.lists(
    st.one_of(
        st.text(alphabet=ALPHABET, min_size=1, max_size=12),
        st.sampled_from(PIECES),
        st.integers(min_value=0, max_value=10**12).map(str),
    ),
    max_size=40,
).map("".join)
any_text = st.one_of(st.text(max_size=300), chinese_news)


def check_invariants(text: str, result: ArticleExtraction) -> None:
    """Offsets point into ``text``; amounts come in text order; values are non-negative."""
    for a in result.amounts:
        assert 0 <= a.start <= a.end <= len(text), a
        assert text[a.start : a.end] == a.raw, a
        assert a.value >= 0, a
        assert a.high is None or a.high >= 0, a
    for o in result.organizations:
        assert 0 <= o.start <= o.end <= len(text), o
        assert text[o.start : o.end] == o.surface, o
    for r in result.regions:
        assert 0 <= r.start <= r.end <= len(text), r
        assert text[r.start : r.end] == r.surface, r
    starts = [a.start for a in result.amounts]
    assert starts == sorted(starts)
    for index, a in enumerate(result.amounts):
        if a.conversion_of is not None:
            assert 0 <= a.conversion_of < index, (index, a)


# --- Arbitrary and noisy text -------------------------------------------------------------------
@PROFILE
@given(text=any_text, locale=LOCALES, plain_text=st.booleans())
def test_offsets_point_into_any_text(text: str, locale: str | None, plain_text: bool) -> None:
    check_invariants(text, extract_article(text, locale, plain_text=plain_text))


@PROFILE
@given(text=chinese_news, locale=LOCALES, plain_text=st.booleans())
def test_offsets_point_into_traditional_text(text: str, locale: str | None, plain_text: bool) -> None:
    traditional = to_traditional(text)
    check_invariants(traditional, extract_article(traditional, locale, plain_text=plain_text))


@PROFILE
@given(simplified=chinese_news, traditional=chinese_news, locale=LOCALES)
def test_offsets_point_into_mixed_script_text(simplified: str, traditional: str, locale: str | None) -> None:
    text = simplified + "\n" + to_traditional(traditional)
    check_invariants(text, extract_article(text, locale))


# --- HTML pages in legacy encodings -------------------------------------------------------------
# The declared charset and the codec that writes the bytes (browsers read GB2312/GBK as GB18030).
ENCODINGS = {"utf-8": "utf-8", "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5"}
# Text inside an element: no markup characters, so the page's structure is the one built here.
inline_text = st.lists(
    st.one_of(
        st.text(alphabet=HAN + DIGITS + NUMERALS + "（）()、，。？！： ", min_size=1, max_size=12),
        st.sampled_from([p for p in PIECES if not set(p) & set("<>&")]),
    ),
    min_size=1,
    max_size=12,
).map("".join)
# Any character but NUL (a NUL makes the file binary) and lone surrogates, escaped for HTML.
escaped_unicode = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
).map(html.escape)
# One real paragraph per page, so the page always has main text; its amount must be found.
REAL_PARAGRAPHS = (
    ("杭州市慈善总会收到爱心企业捐款536万4120元。", Decimal(5364120)),
    ("长沙县红十字会向受灾群众发放救助资金85万元。", Decimal(850000)),
    ("延边州慈善总会累计募集善款1.2亿元，用于乡村振兴。", Decimal(120000000)),
)


@st.composite
def html_pages(draw: st.DrawFn) -> tuple[bytes, Decimal]:
    charset = draw(st.sampled_from(sorted(ENCODINGS)))
    convert: Callable[[str], str] = to_traditional if draw(st.booleans()) else str
    pieces = inline_text if charset == "big5" else st.one_of(inline_text, escaped_unicode)
    title = convert(draw(pieces))
    headline = convert(draw(st.sampled_from("捐款慈善助学")) + draw(inline_text))
    paragraphs = [convert(p) for p in draw(st.lists(pieces, max_size=6))]
    real, value = draw(st.sampled_from(REAL_PARAGRAPHS))
    paragraphs.insert(draw(st.integers(0, len(paragraphs))), convert(real))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><h1>{headline}</h1><div>{body}</div></body></html>"
    )
    try:
        raw = page.encode(ENCODINGS[charset])
    except UnicodeEncodeError:
        assume(False)  # not every character exists in Big5; such pages cannot be written
    return raw, value


@PROFILE
@given(page=html_pages())
def test_offsets_point_into_html_document_text(page: tuple[bytes, Decimal]) -> None:
    raw, value = page
    document = read_document(raw, "/tmp/page.html")
    assert document.is_html
    result = extract_article(document.text, None, plain_text=False)
    check_invariants(document.text, result)
    assert value in [a.value for a in result.amounts]


# --- Linear work --------------------------------------------------------------------------------
# Work is counted, never timed: Python-level calls (cProfile) and the characters the library's
# regular expressions scan (C-level work that the call count cannot see).  For an input eight
# times longer, linear work grows eightfold and quadratic work about 64-fold.  The counts are
# exact, so twice the linear growth is slack enough (measured: at most 8.0 for linear cases,
# 25 to 64 for the quadratic ones).
GROWTH = 8
LINEAR_BOUND = GROWTH * 2


def _calls(text: str) -> int:
    """Python and builtin function calls made by one extraction."""
    profile = cProfile.Profile()
    profile.enable()
    extract_article(text, None, plain_text=True)
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]  # set in __init__


class _CountingPattern:
    """A compiled pattern that adds the characters each call scans to a shared tally.

    A search scans up to the end of its match (or to ``endpos`` when it finds none); a
    ``finditer`` up to where its caller stopped reading.
    """

    def __init__(self, pattern: re.Pattern[str], tally: list[int]) -> None:
        self._pattern = pattern
        self._tally = tally

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)

    def _scanned(self, pos: int, stop: int) -> None:
        self._tally[0] += max(1, stop - pos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.search(string, pos, endpos)
        self._scanned(pos, m.end() if m else min(endpos, len(string)))
        return m

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.match(string, pos, endpos)
        self._scanned(pos, m.end() if m else pos)
        return m

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.fullmatch(string, pos, endpos)
        self._scanned(pos, min(endpos, len(string)))
        return m

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        last = pos
        for m in self._pattern.finditer(string, pos, endpos):
            self._scanned(last, m.end())
            last = m.end()
            yield m
        self._scanned(last, min(endpos, len(string)))

    def findall(self, string: str, *args: int) -> list[Any]:
        self._scanned(0, len(string))
        return self._pattern.findall(string, *args)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        self._scanned(0, len(string))
        return self._pattern.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        self._scanned(0, len(string))
        return self._pattern.split(string, maxsplit)


def _regex_scanned(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Characters scanned by every module-level pattern of the ``transforms`` package."""
    tally = [0]
    with monkeypatch.context() as patch:
        for module_name, module in list(sys.modules.items()):
            if module_name.startswith("transforms.") and module is not None:
                for name, value in list(vars(module).items()):
                    if isinstance(value, re.Pattern):
                        patch.setattr(module, name, _CountingPattern(value, tally))
        extract_article(text, None, plain_text=True)
    return tally[0]


# Cases that once grew superlinearly (long numeral runs re-read at every position, sentence
# bounds scanned from offset 0 per mention, span lookups against every organization) and are
# linear now; a case that regresses can be listed here as a strict xfail with the reason.
# Each case: a unit repeated ``reps`` times, then ``reps * GROWTH`` times.  Long runs of one kind
# of character, and dense news.
UNITS: dict[str, tuple[str, int]] = {
    "numeral-run": ("一二三四五六七八九十", 30),
    "jiu-run": ("九", 250),
    "wan-run": ("万", 250),
    "digit-run": ("9", 2000),
    "thousands-separators": ("1,", 1000),
    "commas": ("，", 2000),
    "pinyin": ("(kuǎn)", 300),
    "entities": ("&rdquo;", 300),
    "mojibake-quotes": ("??!", 600),
    "foundation-suffix": ("基金会", 600),
    "city": ("杭州市", 300),
    "organization": ("杭州市慈善总会", 300),
    "amounts": ("536万4120元,", 150),
    "donation-sentences": ("捐款五万元，", 150),
    "conversions": ("港幣2億元(約合新臺幣8億元)，", 150),
    "news-clause": ("杭州市慈善总会向长沙县捐赠，", 100),
    "menu-lines": ("首页 > 新闻\n", 300),
}
CALLS_XFAIL: dict[str, str] = {}
SCAN_XFAIL: dict[str, str] = {}


def _cases(known_failures: dict[str, str]) -> list[Any]:
    return [
        pytest.param(
            unit,
            reps,
            id=case_id,
            marks=[pytest.mark.xfail(strict=True, reason=known_failures[case_id])]
            if case_id in known_failures
            else [],
        )
        for case_id, (unit, reps) in UNITS.items()
    ]


@pytest.mark.parametrize(("unit", "reps"), _cases(CALLS_XFAIL))
def test_calls_grow_linearly(unit: str, reps: int) -> None:
    extract_article(unit * 4, None)  # warm caches (tokenizer, gazetteer, OpenCC) outside the count
    small, large = _calls(unit * reps), _calls(unit * reps * GROWTH)
    assert large < LINEAR_BOUND * max(small, 1), (small, large)


@pytest.mark.parametrize(("unit", "reps"), _cases(SCAN_XFAIL))
def test_regex_scanning_grows_linearly(unit: str, reps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    extract_article(unit * 4, None)
    small = _regex_scanned(unit * reps, monkeypatch)
    large = _regex_scanned(unit * reps * GROWTH, monkeypatch)
    assert large < LINEAR_BOUND * max(small, 1), (small, large)


def test_regex_counting_sees_scanning() -> None:
    """The counter itself: a prefix rescan per position is quadratic, one pass is linear."""
    tally = [0]
    pattern = _CountingPattern(re.compile("，"), tally)
    text = "捐" * 100
    for pos in range(len(text)):
        list(pattern.finditer(text, 0, pos))
    assert tally[0] >= 100 * 99 // 2
    tally[0] = 0
    assert list(pattern.finditer(text)) == []
    assert tally[0] == 100


def test_very_long_mixed_text_completes() -> None:
    """200,000 characters of noisy news: extraction finishes and its offsets hold.

    It must simply complete, keeping every offset rule.
    """
    rng = random.Random(20261118)
    pieces = [
        *PIECES,
        *(unit for unit, _ in UNITS.values()),
        "杭州市慈善总会收到捐款536万4120元。",
        "本港籌得善款120萬元。",
    ]
    text = ""
    while len(text) < 200_000:
        text += rng.choice(pieces) + "".join(rng.choices(ALPHABET, k=rng.randint(0, 60)))
    result = extract_article(text, None, plain_text=True)
    check_invariants(text, result)
    assert result.amounts  # the text holds many amounts; extraction found them
