"""Money amounts: find spans in simplified text, then parse each span to a typed value.

Finding (``find_amount_spans``) and parsing (``parse_amount``) are separate so each can be
tested on its own.  All patterns live here, named and compiled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from transforms.chinese_numbers import NUMERAL_CHARS, parse_number
from transforms.prefilter import prefiltered
from transforms.sentences import clause_bounds, sentence_bounds
from transforms.tables import TableCell, table_amounts

if TYPE_CHECKING:
    from transforms.meaning import Party

Qualifier = Literal["exact", "approximate", "lower_bound"]

# --- Patterns -------------------------------------------------------------------------------
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = rf"[{NUMERAL_CHARS}]+"
# Currency written before the number: 人民币50万元, HK$ 512,307.65, 澳门币贰拾叁万…元正.
_PREFIX_CURRENCY = (
    r"人民币|港币|港元|澳门币|澳门元|新台币|台币|美元|美金|欧元|英镑|日元|"
    r"RMB|HKD|HK\$|NT\$|US\$|USD|MOP\$?|¥|￥|\$"
)
# Currency or unit after the number; longest alternatives first.
_SUFFIX_CURRENCY = r"元人民币|港元|港币|澳门元|澳门币|新台币|台币|美元|美金|欧元|英镑|日元|元正|元"
# 千/百 after Arabic digits (5千元) are units too; after Chinese numerals they are part of the numeral.
_BIG_UNIT = r"千万|百万|亿|万|千|百"
_RANGE_JOIN = r"\s*(?:至|到|-|－|—|~|～)\s*"
_APPROX_BEFORE = r"约合|折合|大约|约|近|将近|超过|超|逾|多达"


def _first_characters(*alternations: str) -> str:
    """The characters a match of any of these literal alternations can begin with."""
    return "".join(sorted({alt.replace("\\", "")[0] for a in alternations for alt in a.split("|")}))


# Every amount begins with one of these: checking it first lets the scan skip other text fast.
_AMOUNT_START = re.escape(_first_characters(_APPROX_BEFORE, _PREFIX_CURRENCY) + "0123456789" + NUMERAL_CHARS)

AMOUNT_PATTERN = re.compile(
    rf"""
    (?=[{_AMOUNT_START}])
    (?P<qual>{_APPROX_BEFORE})?
    (?:(?P<pre>{_PREFIX_CURRENCY})\s?)?
    (?P<qual2>{_APPROX_BEFORE})?
    (?:(?P<low>{_ARABIC}|{_CHINESE})(?P<low_unit>{_BIG_UNIT})?(?P<low_yuan>元)?{_RANGE_JOIN}
       (?:{_PREFIX_CURRENCY})?\s?)?
    (?P<num>{_ARABIC}|{_CHINESE})
    (?P<more>余|多)?
    (?P<unit>{_BIG_UNIT})?
    (?:(?<=亿)(?P<wan>{_ARABIC}|[{NUMERAL_CHARS}]+?)万)?
    (?:(?<=[万亿])(?P<tail>\d+(?:,\d{{3}})*)(?P<tail_unit>千|百)?(?=元|港|澳门|新台币|台币|美元)
      |(?<=[万亿])(?P<ctail>[{NUMERAL_CHARS}]+?)(?P<ctail_unit>千|百)?(?=元|$|[^\d{NUMERAL_CHARS}]))?
    (?P<more2>余|多)?
    (?:\s?(?P<suf>{_SUFFIX_CURRENCY}))?
    (?:(?P<jiao>[\d零一二两三四五六七八九壹贰叁肆伍陆柒捌玖])角)?
    (?:(?P<fen>[\d零一二两三四五六七八九壹贰叁肆伍陆柒捌玖])分)?
    (?P<after>以上|左右|有余)?
    """,
    re.VERBOSE,
)
# Amounts without 元 count only right after a donation verb and with a 万/亿 unit.
_DONATION_CONTEXT = re.compile(
    r"(?:捐款|捐赠|认捐|筹集|筹得|筹到|已筹|募集|募得|募到|善款|捐资|捐出|捐献|遗赠|获捐)(?:了|达|约|近|超)?$"
)
# A bare 万/亿 number followed by one of these is a count, not money.
_COUNT_AFTER = re.compile(
    r"^(?:人|户|名|个|家|次|册|件|份|斤|吨|亩|平方|套|台|本|株|只|头|所|间|位|元|笔|宗|单|批|项|场|支|队|双|箱|"
    r"袋|包|张|条|辆|棵|公里|千米|米|字|册|盒|瓶|粒|剂|餐|份|部|座|栋|床|岁|年|天|小时|分钟|页|篇|幅)"
)
# Spoken sums: a Chinese numeral, 万, one more digit (四万五 = 45,000) or 千二万 (12,000,000).
_COLLOQUIAL = re.compile(
    r"(?:[一二两三四五六七八九十]万[一二三四五六七八九]|千[一二三四五六七八九]万|[一二两三四五六七八九十百千]+[余多]?万)[余多]?"
)
_MONEY_WORDS = re.compile(
    r"捐|筹|款|资金|善款|金额|元|港币|港元|澳门币|台币|经费|补助|奖金|收入|扶持金|救助金|援助金|积蓄|存折"
)

_CURRENCY_CODES: dict[str, str] = {
    "人民币": "CNY",
    "元人民币": "CNY",
    "RMB": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "港币": "HKD",
    "港元": "HKD",
    "HKD": "HKD",
    "HK$": "HKD",
    "澳门币": "MOP",
    "澳门元": "MOP",
    "MOP": "MOP",
    "MOP$": "MOP",
    "新台币": "TWD",
    "台币": "TWD",
    "NT$": "TWD",
    "美元": "USD",
    "美金": "USD",
    "US$": "USD",
    "USD": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
}
_UNIT_VALUES: dict[str, int] = {
    "万": 10_000,
    "亿": 100_000_000,
    "千万": 10_000_000,
    "百万": 1_000_000,
    "千": 1_000,
    "百": 100,
}
_CONVERSION_BETWEEN = re.compile(r"^\s*[(（]\s*(?:约合|折合|合|约|即|相当于)?\s*$")

# Role keywords, most specific first.  Why a list: several can share a clause and the nearest
# one before the amount is the one that governs it.
ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("threshold", r"单笔|门槛|起捐|不低于|不少于|不超过|上限|下限|最高可|最低"),
    ("in_kind", r"款物价值|物资价值|物资市值|市值|折合价值|价值"),
    ("pledged", r"认捐|承诺捐赠|承诺捐|意向捐赠|承诺"),
    ("fund_size", r"留本冠名基金|冠名基金|专项基金|基金规模|设立.{0,6}基金|基金"),
    (
        "disbursed",
        r"拨付|下拨|划拨|拨款|资助|投入|发放|获发|支出|援助资金|帮扶资金|补助|补贴|救助金|慰问金|助学金|"
        r"奖学金|每人每[年月天]|每户|每名|每所|预算|用于",
    ),
    ("raised", r"筹集|募集|筹得|募得|筹到|募到|筹款|已筹|收到|接收|接受|善款总额|共募"),
    ("donated", r"捐赠|捐款|捐出|捐献|捐助|捐资|捐建|捐入|出资|获赠|赞助|遗赠|捐"),
)
_ROLE_PATTERNS = tuple((role, re.compile(words)) for role, words in ROLE_KEYWORDS)
# All of them in one pattern, the more specific first where two match at one place (承诺捐赠).
# Its alternatives begin with groups: a first-character check makes its searches several times
# faster (same matches).
_ANY_ROLE = prefiltered(re.compile("|".join(f"(?P<{role}>{words})" for role, words in ROLE_KEYWORDS)))
_CONTEXT = 160  # characters of context read on each side of an amount
_CUMULATIVE = re.compile(r"累计|共计|总计|合计|总额|累积|历年")


# Mentions are values, never changed once built, but not ``frozen=True``: a frozen dataclass's
# __init__ sets each field through object.__setattr__, about 8x a plain slot store, and building
# mentions was 6 % of extraction.  ``unsafe_hash`` gives the same field hash as frozen would.
@dataclass(slots=True, unsafe_hash=True)
class AmountMention:
    """One money amount, with offsets into the text it was found in.

    ``extract_amounts`` fills ``role`` with the keyword cue of its sentence (None when there is
    none) and leaves the meaning fields at their defaults; ``transforms.meaning`` decides them
    for a whole article (``transforms.extract`` writes its decisions back here).
    """

    start: int
    end: int
    raw: str
    value: Decimal
    currency: str
    qualifier: Qualifier
    high: Decimal | None
    role: str | None
    cumulative: bool
    conversion_of: int | None  # index of the amount this one restates in another currency
    sentence_start: int
    sentence_end: int
    restates: int | None = None  # index of the amount this one repeats or is part of
    gift: bool = False  # money given to a charitable purpose, to count once
    giver: Party | None = None
    recipient: Party | None = None

    @property
    def approximate(self) -> bool:
        return self.qualifier != "exact"


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen, for speed (see AmountMention)
class _Span:
    start: int
    end: int
    match: re.Match[str]


def find_amount_spans(text: str) -> list[_Span]:
    """Spans that are money: a currency marker, or a 万/亿 number right after a donation verb."""
    spans: list[_Span] = []
    pos = 0
    while True:
        # Money needs a currency or 万/亿 (see _is_plausible): text before the next such anchor
        # holds no amount, so the scan resumes where an amount holding the anchor could start.
        anchor = _MONEY_ANCHOR.search(text, pos)
        if anchor is None:
            break
        pos = _run_start(text, anchor.start(), pos)
        m = AMOUNT_PATTERN.search(text, pos)
        if m is None:
            break
        start, end = m.span()
        if m.group("num") is None or end == start:
            pos = start + 1
            continue
        if not _is_plausible(text, m):
            # Skip the whole implausible run (a year, a count, a long numeral string): starting
            # again one character later would re-read the run at every position.
            pos = end if m.start("num") == start else start + 1
            continue
        spans.append(_Span(start, end, m))
        pos = end
    return spans


# A character of every currency marker and of 万/亿: a plausible amount holds one of them.
_MONEY_ANCHOR = re.compile("[币元镑$¥￥万亿萬億美RHUM]")
# Every character a match of AMOUNT_PATTERN can hold, besides digits and white space.
_AMOUNT_CHARACTERS = frozenset(
    re.sub(r"[|\\]", "", _APPROX_BEFORE + _PREFIX_CURRENCY + _SUFFIX_CURRENCY + _BIG_UNIT)
    + NUMERAL_CHARS
    + "至到-－—~～,.余多千百角分以上左右有"
)
_LONGEST_RUN = 64


def _run_start(text: str, anchor: int, floor: int) -> int:
    """Where the run of amount characters around ``anchor`` begins (not before ``floor``): no
    match can hold the character before it, so the scan loses nothing by starting there.  A run
    longer than _LONGEST_RUN is not walked: the scan then starts at ``floor`` as it would."""
    position = anchor
    limit = max(floor, anchor - _LONGEST_RUN)
    while position > limit:
        ch = text[position - 1]
        if not (ch in _AMOUNT_CHARACTERS or ch.isdecimal() or ch.isspace()):
            return position
        position -= 1
    return floor


def _is_plausible(text: str, m: re.Match[str]) -> bool:
    # The groups in one call: each m.group call costs about as much as fetching all four.
    num, unit, pre, suf = m.group("num", "unit", "pre", "suf")
    # Most candidates are bare numbers (years, counts): no currency, no unit, no 万 or 亿.
    # 千/百 as a unit (5千) make money only with a currency marker, as bare digits do.
    big_unit = unit not in (None, "千", "百")
    if not (pre or suf or big_unit) and _WAN_YI.isdisjoint(num):
        return False
    # (``num`` holds a digit or a numeral character: AMOUNT_PATTERN matches nothing else.)
    # A numeral made only of unit characters (万, 亿) is a word, not a number.
    if not num.strip("万亿"):
        return False
    before = text[max(0, m.start() - 6) : m.start()]
    only_units = not num.strip("万亿千百十")
    # 千万元 is money, 筹到十万 too; 百万行 (a charity walk) and 千万家庭 are not.
    if only_units and not unit and not suf and not _DONATION_CONTEXT.search(before):
        return False
    if pre or suf:
        return True
    if not big_unit and _WAN_YI.isdisjoint(num):
        return False
    after = text[m.end() : m.end() + 3]
    if _COUNT_AFTER.match(after):
        return False
    if _DONATION_CONTEXT.search(before):
        return True
    # Spoken sums (四万五, 千二万, 六万八) in a sentence about money.
    colloquial = _COLLOQUIAL.fullmatch(m.group(0))
    if not colloquial:
        return False
    s_start, s_end = sentence_bounds(text, m.start())
    window = text[max(s_start, m.start() - _CONTEXT) : min(s_end, m.end() + _CONTEXT)]
    return bool(_MONEY_WORDS.search(window))


_WAN_YI = frozenset("万亿萬億")


def _scaled(number: str, unit: str | None) -> Decimal:
    value = parse_number(number)
    if unit:
        value *= _UNIT_VALUES[unit]
    return value


# The groups parse_amount reads, fetched in one call (one m.group call per group costs more).
_PARSED_GROUPS = (
    "num",
    "unit",
    "wan",
    "tail",
    "ctail",
    "tail_unit",
    "ctail_unit",
    "jiao",
    "fen",
    "low",
    "low_unit",
    "low_yuan",
    "pre",
    "suf",
    "more",
    "more2",
    "after",
    "qual",
    "qual2",
)


def parse_amount(
    m: re.Match[str], default_currency: str = "CNY"
) -> tuple[Decimal, Decimal | None, str, Qualifier]:
    """Value, range high, ISO currency and qualifier of one matched span."""
    (
        num,
        unit,
        wan,
        tail,
        ctail,
        tail_unit,
        ctail_unit,
        jiao,
        fen,
        low,
        low_unit,
        low_yuan,
        pre,
        suf,
        more,
        more2,
        after,
        qual,
        qual2,
    ) = m.group(*_PARSED_GROUPS)
    # 千万元 / 百万元 written as a bare unit: the "number" is the unit itself.
    if num in ("千万", "百万") and not unit:
        value = Decimal(_UNIT_VALUES[num])
    elif unit is None and num[-1] in "万亿" and len(num) > 1 and not num[0].isdigit():
        value = parse_number(num)
    elif num.isascii() and num.isdigit() and len(num) <= 18:
        # Whole Arabic digits (the usual 50万元): the value Decimal arithmetic gives, computed in
        # integers (a product under 10**26 is exact within Decimal's 28 digits as well).
        value = Decimal(int(num) * _UNIT_VALUES[unit] if unit else int(num))
    else:
        value = _scaled(num, unit)
    if wan:
        value += parse_number(wan.replace(",", "")) * 10_000
    tail = tail or ctail
    if tail in ("千", "百") and not unit and not ctail_unit and num.isdigit():
        value *= 1000 if tail == "千" else 100  # 5千元 is 5,000, not 5 and a thousand
        tail = None
    if tail:
        tail_value = parse_number(tail.replace(",", ""))
        tail_unit = tail_unit or ctail_unit
        if tail_unit:
            tail_value *= 1000 if tail_unit == "千" else 100
        value += tail_value
    if jiao:
        value += parse_number(jiao) / 10
    if fen:
        value += parse_number(fen) / 100
    high: Decimal | None = None
    if low:
        low_unit = low_unit or (None if low_yuan else unit)
        high = value
        value = _scaled(low, low_unit)
    marker = pre or suf or ""
    currency = _CURRENCY_CODES.get(marker, default_currency)
    if suf in _CURRENCY_CODES and pre not in _CURRENCY_CODES:
        currency = _CURRENCY_CODES[suf]
    qualifier: Qualifier = "exact"
    if more or more2 or after in ("以上", "有余"):
        qualifier = "lower_bound"
    qual = qual or qual2
    if qual in ("超过", "超", "逾", "多达"):
        qualifier = "lower_bound"
    elif qual in ("约", "大约", "近", "将近", "约合", "折合") or after == "左右":
        qualifier = "approximate"
    if high is not None and qualifier == "exact":
        qualifier = "approximate"  # a range (1000元至3000元不等) gives no single sum
    return _plain(value), _plain(high) if high is not None else None, currency, qualifier


def _plain(value: Decimal) -> Decimal:
    """Integral values without exponent or trailing zeros (6200000, not 6.2E+6 or 6200000.0)."""
    return Decimal(int(value)) if value == value.to_integral_value() else value


def _nearest_role_before(segment: str) -> str | None:
    """The role keyword ending closest to the end of ``segment`` (the amount follows it)."""
    last = None
    for last in _ANY_ROLE.finditer(segment):  # noqa: B007 - the last match is the one wanted
        pass
    return last.lastgroup if last is not None else None


def keyword_role(text: str, start: int, end: int) -> str | None:
    """The role the nearest keyword gives the amount at [start, end) (see ``_role``)."""
    # The role alone: the cumulative search _role also makes is not wanted here.
    return _keyword(text, start, end)[0]


def _role(text: str, start: int, end: int) -> tuple[str | None, bool]:
    """Role from the nearest keyword before the amount in its clause, then its sentence, then
    the first one after it in the clause (……的善款共300万元 vs 300万元用于捐赠)."""
    role, s_start = _keyword(text, start, end)
    cumulative = bool(_CUMULATIVE.search(text[s_start:end]))
    return role, cumulative


def _keyword(text: str, start: int, end: int) -> tuple[str | None, int]:
    """_role's keyword, and the start of the sentence window it read."""
    c_start, c_end = clause_bounds(text, start)
    s_start, _ = sentence_bounds(text, start)
    # Context is read within a bounded window: a run-on "sentence" of thousands of characters
    # must not make every amount re-read all of it.
    c_start, c_end, s_start = (
        max(c_start, start - _CONTEXT),
        min(c_end, end + _CONTEXT),
        max(s_start, start - _CONTEXT),
    )
    role = _nearest_role_before(text[c_start:start]) or _nearest_role_before(text[s_start:start])
    if role is None:
        after = text[end:c_end]
        role = next((r for r, pattern in _ROLE_PATTERNS if pattern.search(after)), None)
    return role, s_start


def extract_amounts(text: str, default_currency: str = "CNY", cues: bool = True) -> list[AmountMention]:
    """Every money amount in ``text``, in text order.

    ``default_currency`` is what a plain 元 means: CNY on the mainland, the local currency for
    Hong Kong (HKD), Macau (MOP) and Taiwan (TWD) sources.  ``cues=False`` leaves ``role`` and
    ``cumulative`` unread (but for table cells, whose header says): ``transforms.meaning``
    decides them and reads the keyword cue (``keyword_role``) only where it needs it.
    """
    found: list[tuple[int, int, Decimal, Decimal | None, str, Qualifier, TableCell | None]] = []
    for span in find_amount_spans(text):
        try:
            value, high, currency, qualifier = parse_amount(span.match, default_currency)
        except (ValueError, ArithmeticError):
            continue  # a malformed numeral is not an amount; the caller counts what was found
        found.append((span.start, span.end, value, high, currency, qualifier, None))
    for cell in table_amounts(text, default_currency):
        found.append((cell.start, cell.end, _plain(cell.value), None, cell.currency, "exact", cell))
    mentions: list[AmountMention] = []
    for start, end, value, high, currency, qualifier, cell in sorted(found, key=lambda f: f[0]):
        role, cumulative = _role(text, start, end) if cues else (None, False)
        if cell is not None:
            # A row says little; the table's caption and header say what its money is.
            role = _nearest_role_before(text[cell.heading[0] : cell.heading[1]]) or role
            cumulative = cell.total_row
        conversion_of = None
        if mentions and _CONVERSION_BETWEEN.match(text[mentions[-1].end : start]):
            conversion_of = len(mentions) - 1
        s_start, s_end = sentence_bounds(text, start)
        mentions.append(
            AmountMention(
                start=start,
                end=end,
                raw=text[start:end],
                value=value,
                currency=currency,
                qualifier=qualifier,
                high=high,
                role=role,
                cumulative=cumulative,
                conversion_of=conversion_of,
                sentence_start=s_start,
                sentence_end=s_end,
            )
        )
    return mentions
