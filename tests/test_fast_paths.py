"""The fast forms of normalization, locale and furniture checks agree with the plain ones.

Each fast path (a pattern rewritten to begin with a character the engine can skip to, a scanner
in place of an alternation, a search started only where a match can begin) is compared with the
straightforward form it replaces, on strings drawn from the characters that matter to it.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import furniture, locale_guess, normalize
from transforms.gazetteer import NameScanner

SETTINGS = settings(max_examples=300, deadline=None, database=None)


def _texts(alphabet: str, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=max_size)


def _pieces(pieces: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


# The repair hint as first written: a lookahead for its first characters, then the alternatives.
_PLAIN_REPAIR_HINT = re.compile(
    r"(?=[(（&<\]褔衞峯羣眞?？!！;；,，])"
    rf"(?:[(（]\s*[{normalize._PINYIN_LETTERS}]|&[a-zA-Z#]|<|\]\]>|[褔衞峯羣眞]|[?？!！;；][?？]|[,，][,，。、；])"
)


@SETTINGS
@given(_texts("(（&<]>褔眞?？!！;；,，。、 akǎ#好\n"))
def test_repair_hint_finds_what_the_lookahead_form_finds(text: str) -> None:
    assert (normalize._REPAIR_HINT.search(text) is None) == (_PLAIN_REPAIR_HINT.search(text) is None)


# The repairs as first written (a lookbehind or a branch first).
_PLAIN_REPAIRS = (
    (
        normalize._INJECTED_PINYIN,
        re.compile(rf"(?<=[\u4e00-\u9fff])[(（]\s*[{normalize._PINYIN_LETTERS}]{{1,7}}\s*[)）]"),
    ),
    (normalize._MOJIBAKE_QUOTE, re.compile(r"[?？]{2,}[!！;；?？]*|[!！;；][?？]{2,}[!！;；?？]*")),
    (normalize._DOUBLED_COMMA, re.compile(r"[,，]+(?=[,，。、；])|(?<=[，,])[,，]+")),
)


@SETTINGS
@given(_texts("(（)）善 kuǎn?？!！;；,，。、a"))
def test_repairs_match_what_the_plain_patterns_match(text: str) -> None:
    for fast, plain in _PLAIN_REPAIRS:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


_DIGITS_AND_COMMAS = "05０９，,。 元"


@SETTINGS
@given(_texts(_DIGITS_AND_COMMAS))
def test_separators_match_where_the_lookbehind_forms_match(text: str) -> None:
    wide = re.compile(r"(?<=[0-9０-９])[，,](?=[0-9０-９]{3}(?![0-9０-９]))")
    chinese = re.compile(r"(?<=[0-9０-９])，(?=[0-9０-９]{3}(?![0-9０-９]))")
    assert normalize._WIDE_SEPARATOR.sub("|", text) == wide.sub("|", text)
    assert (normalize._CHINESE_COMMA_SEPARATOR.search(text) is None) == (chinese.search(text) is None)


@SETTINGS
@given(_texts("０５Ａｚ．＄\u3000，,5a好 "))
def test_width_folding_equals_translating_the_whole_text(text: str) -> None:
    folded = normalize._fold_width(normalize.MappedText.identity(text)).text
    if normalize._WIDE_CHARACTER.search(text) or normalize._CHINESE_COMMA_SEPARATOR.search(text):
        assert folded == normalize._WIDE_SEPARATOR.sub(",", text).translate(normalize._WIDTH)
    else:
        assert folded == text


@SETTINGS
@given(_pieces(["省", "自治区", "自治區", "广东", "湖", "南", "，", "a", "省省", "区"]))
def test_province_count_equals_findall(text: str) -> None:
    assert locale_guess._provinces(text) == len(locale_guess._PROVINCE_PATTERN.findall(text))


def test_local_bodies_found_as_the_alternation_of_forms_longest_first_finds_them() -> None:
    scanner = locale_guess._local_bodies()
    forms = sorted(scanner.codes, key=len, reverse=True)
    alternation = re.compile("|".join(re.escape(f) for f in forms))
    # Every form alone, every pair run together, and each form cut short or extended.
    samples = [*forms, *(a + b for a, b in itertools.pairwise(forms))]
    samples += [f[:-1] + "，" + f[1:] for f in forms] + ["在" + f + "的" for f in forms[::7]]
    for text in samples:
        assert [hit[2] for hit in scanner.scan(text)] == alternation.findall(text), text


@SETTINGS
@given(_pieces(["中华", "中华会", "中华会馆", "会馆", "华会", "中", "华", "会", "馆", "，"], max_size=16))
def test_name_scanner_is_leftmost_longest(text: str) -> None:
    names = ["中华", "中华会馆", "会馆", "华会"]
    scanner = NameScanner.of({name: (name,) for name in names})
    alternation = re.compile("|".join(sorted(names, key=len, reverse=True)))
    assert [hit[2] for hit in scanner.scan(text)] == alternation.findall(text)
    assert [text[start:end] for start, end, _, _ in scanner.scan(text)] == alternation.findall(text)


# The furniture pattern as first written, with the copyright line among its alternatives.
_COPYRIGHT_ALTERNATIVE = (
    r".*(?:ICP备|ICP證|ICP证|公网安备|公網安備|版权所有|版權所有|Copyright|©|\(c\)\s?\d{4}).*"
)
# The furniture pattern as first written: one alternation of every kind of line, the copyright
# line and the loose ones among them.
_PLAIN_FURNITURE_LINE = re.compile(
    furniture._FURNITURE_LINE.pattern.replace(
        "^(?:",
        f"^(?:{_COPYRIGHT_ALTERNATIVE}\n|"
        + furniture._LOOSE_FURNITURE_LINE.pattern.removeprefix("^(?:").removesuffix(")$")
        + "\n|",
        1,
    ),
    re.I | re.X,
)


def _plain_is_furniture_line(line: str) -> bool:
    line = line.strip()
    if not line:
        return False
    if _PLAIN_FURNITURE_LINE.match(line):
        return True
    return bool(furniture._MENU_SEPARATORS.match(line)) and not furniture._SENTENCE_END.search(line)


@SETTINGS
@given(
    _pieces(
        ["ICP备", "icp备", "Copyright", "COPYRIGHT", "(c) 2024", "(C)2024", "©", "版权所有", "\n", "文", " "]
    )
)
def test_copyright_lines_are_furniture_as_before(line: str) -> None:
    assert furniture.is_furniture_line(line) == _plain_is_furniture_line(line)


# Pieces of image names, hit counters, trackbacks, source lines and mastheads, with the
# characters that IGNORECASE folds onto Latin letters (the Kelvin sign, the long s).
_LOOSE_PIECES = ["a.JPG", "3.png", "x_FORORDER_1", "已被阅读", "被點擊", "12", "次", "TrackBack"]
_LOOSE_PIECES += [
    "引用通告",
    " ",
    "来源",
    "：",
    "某某网",
    "2024年5月1日",
    "星期三",
    "。",
    "\u212a",
    "ſ",
    "文",
]


@SETTINGS
@given(_pieces(_LOOSE_PIECES))
def test_loose_lines_are_furniture_as_before(line: str) -> None:
    assert furniture.is_furniture_line(line) == _plain_is_furniture_line(line)


@SETTINGS
@given(
    _pieces(["首页 > 新闻", "本报讯某某基金会捐赠善款。", "\n", "\r\n", "版权所有", "", "  "], max_size=10)
)
def test_blanked_furniture_equals_blanking_character_by_character(text: str) -> None:
    chars = list(text)
    for start, end in furniture.furniture_spans(text):
        chars[start:end] = " " * (end - start)
    assert furniture.blank_furniture(text) == "".join(chars)


def test_only_county_short_forms_ask_whether_a_surface_stands_apart() -> None:
    """extract_regions reads a surface's surroundings only for county short forms: for every
    other surface, _resolve gives the same code whatever they are."""
    from transforms.gazetteer import load_gazetteer
    from transforms.regions import _resolve

    gazetteer = load_gazetteer()
    for surface, codes in gazetteer.by_surface.items():
        if surface in gazetteer.county_short_names:
            continue
        # The article names every ancestor of every reading: the most any rule can ask for.
        context = {a: 3 for c in codes for a in gazetteer.ancestors(c)}
        for ctx in ({}, context):
            answers = {
                _resolve(codes, surface, ctx, gazetteer, None, s, h)
                for s in (True, False)
                for h in (True, False)
            }
            assert len(answers) == 1, surface


@SETTINGS
@given(
    _pieces(["援建", "受灾", "遭遇", "困难", "实施", "援", "受", "县", "，", "了", "灾区"]),
    st.integers(0, 30),
)
def test_beneficiary_words_after_a_place_need_one_of_their_first_characters(text: str, end: int) -> None:
    from transforms.regions import _BENEFICIARY_AFTER, _BENEFICIARY_AFTER_START

    if _BENEFICIARY_AFTER.match(text, 0, end):
        assert _BENEFICIARY_AFTER_START.search(text, 0, end)


@SETTINGS
@given(
    st.text(alphabet="0123456789", min_size=1, max_size=22), st.sampled_from(["", "万", "亿", "千万", "百万"])
)
def test_whole_digit_amounts_parse_as_decimal_arithmetic_gives(digits: str, unit: str) -> None:
    from transforms import amounts

    match = amounts.AMOUNT_PATTERN.search(f"{digits}{unit}元")
    assert match is not None and match.group("num") == digits
    value = amounts.parse_amount(match)[0]
    expected = amounts._plain(amounts._scaled(digits, unit or None))
    assert (value, str(value)) == (expected, str(expected))
