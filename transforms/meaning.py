"""What each amount of an article means: its role, whether it restates another, whether it is a
gift to count once, and who gives it to whom.

Pure: input the simplified text and its mentions (amounts, organizations, regions, all with
offsets into that text), output one ``AmountMeaning`` per amount, in the same order.

The rules follow how real reports relate their amounts (see docs/warehouse.md, "What the money
means"):

- the **role** is read from the words around the amount, most specific first: a conversion takes
  its original's role; goals (目标, 计划筹集) are ``target``; limits and brackets (最高, 以上的捐款,
  …不等) ``threshold``; losses, revenue, prices and comparisons ``other``; goods (价值, 物资)
  ``in_kind`` (money and goods collected together, 募集资金物资, are ``raised``); English
  verbs of bilingual pages ($… was raised); then the nearest verb before it (捐赠/筹集/拨付…), where
  a collecting verb before a donation noun (收到…捐款, 募得捐款) is ``raised``, a decision or
  promise to give (决定/承诺…捐赠) ``pledged`` and money set aside to give (拨款…捐灾区) ``donated``;
  then the keyword cue of ``transforms.amounts``;
- **cumulative**: a multi-period total (以来, 至今, 历年, N年来 with 累计/共/已), a roll-up of
  goods and money or of many donors (捐款捐物, 不完全统计), or a sum of amounts listed before it in
  its sentence (…，共计600万元); a period opening a long sentence counts when a total word (累计)
  opens the amount's clause.  A drive's own as-of-date total (截至…累计募集), or what a fund took
  in since it was set up (自设立某基金以来), is not;
- **restates**: a currency conversion; a headline, sub-heading or caption copy of a body amount;
  a later body copy of the same sum worded as a total (共/合共/总数) or given by the same giver;
  the parts of a breakdown (其中/包括/在…捐款中 after a total, up to three sentences back when
  those between name no sum); per-donor shares before their total (各捐5万元，总计10万元); money
  or goods already paid out of a total just raised or collected (已拨付, 已陆续…发放); tranches of
  a larger pledge by the same giver (首期/首批/每年); a yearly share of a sum given just before;
  a per-head standard (每户发放…) of a larger programme sum in its sentence or the one before;
  a standard's new level (由5000元提高为1万元); a small sum said again with the same role; a
  later sum raised by a drive's collector, not much larger than its first total (a part, or the
  total restated as it grows);
- **gift**: a giving role, not cumulative, restating nothing;
- **giver / recipient**: the nearest party before the amount in its clause, then its sentence,
  that is not a recipient (after 向/为/给…), a channel (after 通过/经) or a source (据…介绍,
  记者从…了解到, …表示), a body visited (来到某会) or a scene-setting place (在某地，); the
  recipient follows a recipient cue, else the channel, else a place the sentence serves.  A
  party inside a 向/给 phrase receives (向灾区学校和职工); whoever stands before 收到 receives
  what a donor after it gives; a place right after its parent narrows it (云南大理州).  For
  money raised the fundraiser (a charity before a partner) is the recipient, or the body it is
  handed on to (将支持某会); the giver is the public the text names (社会各界, 市民…); for money
  paid out the payer is the giver.  该会 is the first such body of its own sentence, else the
  last one named before it outside the headline.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from transforms.amounts import keyword_role
from transforms.prefilter import anchored_at_start, prefiltered
from transforms.sentences import sentence_bounds

if TYPE_CHECKING:
    from transforms.amounts import AmountMention
    from transforms.organizations import OrganizationMention
    from transforms.regions import RegionMention

_DATA = Path(__file__).resolve().parent / "data"
PartyKind = Literal["organization", "region", "group", "person"]
ROLES = (
    "donated",
    "raised",
    "pledged",
    "disbursed",
    "fund_size",
    "in_kind",
    "target",
    "threshold",
    "other",
)
GIVING_ROLES = frozenset({"donated", "raised", "pledged", "disbursed", "fund_size", "in_kind"})


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen, for speed (see AmountMention)
class Party:
    """Who gives or receives: an organization (canonical name), a region (GB/T 2260 code), a
    group word (市民, 企业, 困难群众) or a person."""

    kind: PartyKind
    name: str
    code: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen, for speed (see AmountMention)
class AmountMeaning:
    role: str
    cumulative: bool
    restates: int | None
    gift: bool
    giver: Party | None
    recipient: Party | None


# --- Patterns: role -------------------------------------------------------------------------
# Each is searched in the amount's clause before it (``before``) or right after it (``after``).
TARGET_BEFORE = re.compile(r"目标|计划筹|计划募|拟筹|拟募|预募|力争|争取筹|原定|预计筹|appeal", re.I)
TARGET_AFTER = re.compile(r"^[^，,。；;]{0,6}(?:的)?(?:目标|筹款目标|募款目标)|^\s*appeal", re.I)
# 单笔最高捐款 is the largest gift that came in, not a limit; 每户最高…补助 is a limit.
THRESHOLD_BEFORE = re.compile(
    r"单笔(?!最高|最大)|上限|下限|门槛|起捐|不低于|不少于|不超过|许可金额|不到|每[户人名][^，,。]{0,2}最高|最高可"
)
THRESHOLD_AFTER = re.compile(r"^(?:及)?以上(?:的)?(?:大额)?(?:捐款|捐赠|善款)|^[^，,。；;]{0,12}不等")
# Changes and comparisons are never money that moved.
# 提高为/增至 names the new level, which is money like the old one, not a difference.
CHANGE_BEFORE = re.compile(r"比去年|比上年|同比|(?:增加|减少|下降|增长|提高)(?![为到至])")
OTHER_BEFORE = re.compile(
    r"经济损失|损失|产值|营收|营业额|销售额|利润|月薪|工资|薪酬|票价|门票|收费|入场费|售价|价格|"
    r"一个月仅|仅有|面额|预算|财政|(?:落实|安排|下达|统筹)[^，,。；;]{0,10}资金"
)
IN_KIND_BEFORE = re.compile(r"价值|市值|物资捐赠|捐赠物资|募集物资|款物价值|物资价值")
MONEY_AND_GOODS = re.compile(r"资金物资|资金和物资|款物|钱物|善款和物资|善款物资")
IN_KIND_AFTER = re.compile(
    r"^(?:的)?[^，,。；;\d]{0,10}?(?:物资|矿泉水|衣物|衣被|食品|药品|器材|设备|羽绒服|口罩|爱心卡|购物卡|礼券|消费券)"
)
# Verbs before the amount, by what they make of it; the one nearest the amount governs.
_VERB_GROUPS = {
    "disbursed": "拨付|拨款|拨出|批出|支出|发放|发给|发送|下发|赠给|分予|赈助|资助|投入|提供|拨",
    "pledged": "(?<!含)认捐|承诺|意向捐|拟捐|将捐|宣布提供|拟提供|将提供",
    "raised": "收到|接收|接受|代收|募集|筹集|筹得|募得|筹到|募到|已筹|共筹|共募|募款|筹款|捐赠收入|捐款收入|"
    "善款总额|捐款总额|总金额|累计金额|捐款金额",
    "donated": "捐赠|捐款|捐出|捐助|捐资|捐献|捐来|捐了|转赠|捐给|捐",
}
VERBS = re.compile("|".join(f"(?P<{kind}>{words})" for kind, words in _VERB_GROUPS.items()))
# The same verbs as one list of words, in the same order, and each word's kind: named groups
# keep the engine from skipping ahead to the words' first characters, a list of words does not
# (认捐 not after 含 is written with the lookbehind after it).  Same matches as VERBS.
_VERB_WORDS = re.compile("|".join(_VERB_GROUPS.values()).replace("(?<!含)认捐", "认捐(?<!含认捐)"))
_VERB_KIND: dict[str, str] = {}
for _kind, _words in _VERB_GROUPS.items():
    for _word in _words.replace("(?<!含)", "").split("|"):
        _VERB_KIND.setdefault(_word, _kind)  # a word of two lists is the first one's, as in VERBS
# English sentences of bilingual pages ($1,000 was raised; donated HK$5,000 to …).
_ENGLISH_VERB = r"(?P<raised>raised|collected)|(?P<donated>donated|contributed|given)|(?P<pledged>pledged)"
ENGLISH_AFTER = re.compile(
    rf"^\s*(?:has been|have been|had been|was|were|is|are)\s+(?:{_ENGLISH_VERB})\b", re.I
)
ENGLISH_BEFORE = re.compile(
    rf"\b(?:{_ENGLISH_VERB})\s+(?:a total of\s+|over\s+|more than\s+|about\s+|nearly\s+|some\s+)?$", re.I
)
COLLECTED_VERB = re.compile(r"收到|接收|接受|获赠|喜获")
COLLECTED = re.compile(
    r"(?:收到|接收|接受|代收|募集|筹集|募得|筹得|筹到|募到)(?![^向为给]*(?:其中|中有|向|为|给))"
)
VERB_AFTER = re.compile(r"^[^，,。；;]{0,3}?(?:将|拟|已)?(?:资助|拨付|发放|用于资助|援建)")
PLEDGE_WORD = re.compile(r"承诺|意向|拟|将于|计划|决定")
PER_HEAD = re.compile(r"每[户人名位](?!次)")
FUND_SET = re.compile(r"设立|成立|注资|基金规模|冠名基金")
DISBURSED_AFTER = re.compile(r"^[^，,。；;]{0,12}?(?:已)?(?:下发|发放|拨付|分予|拨给|发给)")
GIVEN_AFTER = re.compile(r"^(?:的)?(?:善款|款项)?(?:捐|赈灾|赈济|救灾)")
TRANSFER_AFTER = re.compile(r"汇入|送交|交予|交给|转交|存入|转赠|捐给|移交")
RAISED_AFTER = re.compile(r"^(?:的)?善款")
FUND_AFTER = re.compile(r"^[^，,。；;]{0,4}(?:设立|成立)[^，,。；;]{0,16}基金")
_RARE_BEFORE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (TARGET_BEFORE, THRESHOLD_BEFORE, CHANGE_BEFORE, OTHER_BEFORE)), re.I
)
_RARE_AFTER = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (TARGET_AFTER, THRESHOLD_AFTER, FUND_AFTER)) + "|不等", re.I
)
# Who pays out decides between disbursed and donated: a charity, fund or government disburses.
COMPANIES = frozenset({"company", "bank"})

# --- Patterns: cumulative -------------------------------------------------------------------
# A period of many years or events, then a total word after it: 十年来累计, 自举办至今已筹得.
# 至今 not after 截 is written 至今(?<!截至今): when every alternative begins with a character,
# the engine skips ahead to those characters instead of trying each position (same matches).
MULTI_PERIOD_TOTAL = re.compile(
    r"(?:至今(?<!截至今)|以来|年来|历年|多年|历届|历来)[^。；;]{0,60}?(?:累计|累积|共计|总计|合计|合共|总额|总数|共|已)"
)
# Totals over many donors, goods and money together, or many activities.
ROLL_UP = re.compile(
    r"捐款捐物|捐款、捐物|款物总额|物资和捐款|捐款和物资|不完全统计|众多企业|"
    r"等(?:单位|企业|机构|爱心企业|社会组织|活动|项目|渠道)[^。；;]{0,20}$"
)
PERIOD = re.compile(r"至今(?<!截至今)|以来|年来|历年|多年|历届|历来")  # as MULTI_PERIOD_TOTAL
TOTAL_WORD = re.compile(r"累计|累积|共计|总计|合计|合共")
# Since a fund was set up (自设立某基金以来): what it took in is its own as-of total; a drive
# "开展以来" sums many events and stays cumulative.
DRIVE_SINCE = re.compile(r"(?:设立|成立)[^，,。；;]{0,16}基金[^，,。；;]{0,6}以来")
_PERIOD_WINDOW = 300  # characters read back for the period of a multi-period total
SUM_BEFORE = re.compile(r"(?:共计|总计|合计|合共|共)[^，,。；;\d]{0,4}$")
EACH_BEFORE = re.compile(r"各|分别|每家")

# --- Patterns: restatement ------------------------------------------------------------------
# 在单位捐款中，…: a clause ending in 中 opens a breakdown like 其中 (中 after 款/金/物/资,
# the lookbehind after 中 so that every alternative begins with a character: see PERIOD).
BREAKDOWN = re.compile(r"其中|包括|包含|含|中有|当中|中(?<=[款金物资]中)[，,]")
ALREADY_PAID = re.compile(r"已[^，,。；;]{0,10}(?:拨付|拨款|下发|发放|支出|撥)")
LARGEST_GIFT = re.compile(r"单笔最高|最大笔|最大一笔")
NEW_LEVEL = re.compile(r"(?:提高|增加|调整|上调|下调|增至|提升)[为到至]?$")
TRANCHE = re.compile(r"首期|首批|首笔|第[一二三四五六七八九十\d]+[期批笔]|每年")
REPEAT_TOTAL = re.compile(r"共|总|累计|合共|总数|总额|达|连同|除")
HEADLINE_MAX = 60  # characters
_CLAUSE_MARKS = re.compile(r"[，,；;]")
CAPTION = re.compile(r"图为|摄）|摄\)|（图|\(图|图片来源|(?:\s|^)图：|提供）|提供\)")

# --- Patterns: parties ----------------------------------------------------------------------
RECIPIENT_CUE = re.compile(
    r"(?:向|为|给|捐给|赠给|支援|驰援|援助|帮助|资助|交予|交给|送交|转交|汇入|存入|予|拨付给|发给|用于|惠及|对|至|"
    # A body visited (来到某会，代表公司捐赠…) is where the gift goes, not who gives it.
    r"来到|走进|前往|赶到|到访)$"
)
PASS_ON = re.compile(r"(?:支持|捐给|捐赠给|交给|转交|拨给|送交|交予|赠予)$")
CHANNEL_CUE = re.compile(r"(?:通过|经由|经|委托|透过|由)$")
SOURCE_SPAN = re.compile(
    r"(?:据|记者从|从|来自)[^，,。；;]{0,30}?(?:介绍|了解到|获悉|得知|统计|消息|透露|表示|称|显示)"
)
SPEAKER_AFTER = re.compile(r"^(?:[^，,。；;]{0,6}?)(?:表示|介绍|说|称|指出|透露|介紹|强调|呼吁)")
GIVER_GROUPS = re.compile(
    r"社会各界|各界善长|各界人士|各界|爱心人士|善心人士|善长|市民|公众|民众|网友|民间|爱心企业|企业|"
    r"干部职工|党员|师生|校友|居民|村民|职工"
)
RECIPIENT_GROUPS = re.compile(
    r"困难群众|受灾群众|受灾户|灾民|贫困户|困难家庭|弱势家庭|困难学生|贫困学生|寒门学子|学生|儿童|"
    r"老人|长者|困难职工|残疾人|患者|病患|孤儿|留守儿童|单亲妈妈|受益群众|受助学生|灾区群众|家庭"
)
# A place is a giver only where it acts (某区向…捐赠, 某市，), not where it begins a longer name
# the organization extractor did not find (贵州某某, 固原一中).
REGION_ACTS = re.compile(
    r"(?:人民政府|政府)?(?:向|为|给|捐|出资|提供|拨|投入|援助|支援|对口|累计|共|已|先后|分别|还|也|再|将|和|与|的)"
    r"|府|[^\u4e00-\u9fff]"
)
# 在 opening a clause sets the scene (在贫困的宁夏固原，某校师生…): the place there is no actor.
LOCATIVE = re.compile(r"(?:^|[，,。；;！!？?\n])在[^，,。；;在]{0,10}$")
# A person is named after a title (董事长林某某, 会长某某及家人) or before an honorific (某某先生).
_HAN = "\u4e00-\u9fff"
TITLED_PERSON = re.compile(
    rf"(?:董事长|总裁|主席|会长|理事长|总经理|创始人|创办人|大师|院长|校长|议员|社长|特首|市长|县长|局长|部长)"
    # Five characters (a Japanese name: 大师坂东玉三郎) only right before 捐, lest a name take
    # the honorific or verb after it.
    rf"(?P<name>[{_HAN}]{{2,4}}?(?=已|及|捐|个人|再|向|将|表示|说|先后|共|[，,（(])|[{_HAN}]{{5}}(?=捐))"
)
HONORIFIC = re.compile(r"先生|女士|博士")
# The name before an honorific: one to three characters after a non-Han character or a group
# word (市民王女士), not the group word itself.
_HONORED_NAME = re.compile(
    rf"(?:^|[^{_HAN}]|市民|居民|村民|网友|校友|人士)(?P<name>(?!市民|居民|村民|网友|校友)[{_HAN}]{{1,3}})$"
)
_HONORIFIC_AFTER = re.compile(rf"[^{_HAN}]|捐|向|为|个人|已|及|和|再|将|$")


def _people(text: str, low: int, high: int) -> set[str]:
    """Names of people: after a title (董事长林某某), or with an honorific (王女士, 陈某先生)."""
    names = {m.group("name") for m in TITLED_PERSON.finditer(text, low, high)}
    for m in HONORIFIC.finditer(text, low, high):
        before = _HONORED_NAME.search(text, max(0, m.start() - 5), m.start())
        if before is not None and _HONORIFIC_AFTER.match(text, m.end()):
            names.add(before.group("name") + m.group())
    return names


THIS_BODY = re.compile(r"[该本](?:基金会|慈善会|总会|协会|商会|中心|组织|机构|院|会)")
# Joined to the party before it (向甲县和乙市): the same side of the gift.
JOINED = re.compile(r"^\s*(?:和|与|及|以及|、)?\s*$")
CHARITY_TYPES = frozenset({"foundation", "charity_federation", "red_cross"})
TO_DISASTER_AREA = re.compile(r"(?:向|为|给|支援|驰援|援助|捐给)[^，,。；;]{0,8}?灾区")
_CLAUSE_STOP = re.compile(r"[，,、：:；;。！？!?\n]")
_SENTENCE_STOP = re.compile(r"[。！？!?；;\n]")
_BLANK_OR_STOP = "。！？!?；;\n \t\r\u3000"
_WINDOW = 120  # characters read before an amount for its parties and cues


class _Candidate:
    """A party named at [start, end) of the text.  A plain slots class, not a frozen dataclass:
    an article builds dozens, and a frozen dataclass costs several times more to build.  The
    cues around it are the same for every amount that asks, so each is read once (None: not
    yet read)."""

    __slots__ = (
        "beneficiary",
        "channel_cue",
        "end",
        "giver_group",
        "kind",
        "org_type",
        "party",
        "recipient_cue",
        "recipient_group",
        "speaker",
        "start",
    )

    def __init__(
        self,
        start: int,
        end: int,
        party: Party,
        org_type: str | None = None,
        beneficiary: bool = False,  # a place the sentence says is served
    ) -> None:
        self.start = start
        self.end = end
        self.party = party
        self.kind = party.kind
        self.org_type = org_type
        self.beneficiary = beneficiary
        # A group word the public gives as (市民) or one that receives (困难群众): set for the
        # group words by _candidates, read for every amount.
        self.giver_group = False
        self.recipient_group = False
        self.recipient_cue: bool | None = None  # RECIPIENT_CUE right before it
        self.channel_cue: bool | None = None  # CHANNEL_CUE right before it
        self.speaker: bool | None = None  # SPEAKER_AFTER right after it (…表示)


def _clause_start(text: str, s_start: int, pos: int) -> int:
    """Where the clause of ``pos`` (in the sentence starting at ``s_start``) starts: after the
    last comma-like stop before it, the stronger stops all ending sentences.  The same as
    ``clause_bounds(text, pos)[0]``, without its lookup."""
    last = text.rfind  # one call per stop, written out: a generator costs more than the calls
    return 1 + max(
        s_start - 1,
        last("，", s_start, pos),
        last(",", s_start, pos),
        last("、", s_start, pos),
        last("：", s_start, pos),
        last(":", s_start, pos),
    )


def _clause_end(text: str, pos: int, ceiling: int) -> int:
    match = _CLAUSE_STOP.search(text, pos, ceiling)
    return match.start() if match else ceiling


@lru_cache(maxsize=4096)
def _sentence_span(text: str, pos: int) -> tuple[int, int]:
    # The same stops as transforms.sentences (。！？!?；;\n), found once per text there.
    return sentence_bounds(text, pos)


@lru_cache(maxsize=1024)  # asked for every amount and again for its breakdowns
def _previous_sentence_start(text: str, s_start: int) -> int:
    """Where the sentence before the one starting at ``s_start`` starts (blank lines skipped)."""
    floor = max(0, s_start - 400)
    position = floor + len(text[floor:s_start].rstrip(_BLANK_OR_STOP)) - 1
    return _sentence_span(text, position)[0] if position > 0 else 0


def _line(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def _in_headline(text: str, position: int) -> bool:
    """A headline, sub-heading or caption: a line without a full stop, or a caption."""
    start = text.rfind("\n", 0, position) + 1
    return _headline_line(text, start)


_CAPTION_SCAN = prefiltered(CAPTION)  # an alternative begins with a group: checked first


@lru_cache(maxsize=4096)
def _headline_line(text: str, start: int) -> bool:
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)].strip()
    # A long line of many clauses without a full stop is a paragraph whose sentences end in ；
    # or nothing, not a heading: headings are short or of a few phrases.
    paragraph = len(line) > HEADLINE_MAX and len(_CLAUSE_MARKS.findall(line)) >= 3
    return ("。" not in line and not paragraph) or bool(_CAPTION_SCAN.search(line))


# --- Role -----------------------------------------------------------------------------------
# Searched in every amount's context; their alternatives begin with groups, so a first-character
# check makes the searches several times faster (same matches).
_RARE_BEFORE_SCAN = prefiltered(_RARE_BEFORE)
# VERBS with the check (tests/test_prefilter.py checks it); _role reads _VERB_WORDS, faster.
_VERBS_SCAN = prefiltered(VERBS)


# The rarer words after an amount are read at its start but for 不等: one match at the start
# and a substring test do the search, when every pattern is anchored (checked here, once).
_RARE_AFTER_ANCHORED = all(anchored_at_start(p) for p in (TARGET_AFTER, THRESHOLD_AFTER, FUND_AFTER))


def _rare_after(after: str) -> bool:
    """Whether ``_RARE_AFTER`` matches anywhere in ``after``."""
    if _RARE_AFTER_ANCHORED:
        return _RARE_AFTER.match(after) is not None or "不等" in after
    return _RARE_AFTER.search(after) is not None


def _role(
    text: str,
    amount: AmountMention,
    s_start: int,
    named: Sequence[tuple[int, int]],
    named_ends: set[int],
    clause: int,
    c_end: int,
    s_end: int,
) -> str | None:
    """The role its words give the amount; None when no word says (``named``: the spans of
    organizations and people, who make a donation of what would read as collected, and
    ``named_ends`` where they end; ``clause`` where the amount's clause starts, ``c_end``
    where it ends, ``s_end`` where the sentence around the amount's end ends)."""
    c_start = max(s_start, amount.start - _WINDOW, clause)
    before = text[c_start : amount.start]
    after = text[amount.end : c_end]
    # Most amounts carry none of the rarer words: one search of each side rules them all out.
    if _RARE_BEFORE_SCAN.search(before) or _rare_after(after):
        if TARGET_BEFORE.search(before) or TARGET_AFTER.search(after):
            return "target"
        if THRESHOLD_BEFORE.search(before[-8:]) or THRESHOLD_AFTER.search(after):
            return "threshold"
        if amount.high is not None and "不等" in after:
            return "threshold"
        if CHANGE_BEFORE.search(before[-8:]) or OTHER_BEFORE.search(before):
            return "other"
        if FUND_AFTER.search(after):
            return "fund_size"
    # English is read only where the amount touches ASCII text (most amounts are in Chinese).
    english = (ENGLISH_AFTER.match(after) if after[:1].isascii() else None) or (
        ENGLISH_BEFORE.search(before[-40:]) if before[-1:].isascii() and before else None
    )
    if english is not None:
        return english.lastgroup
    verb = None
    for verb in _VERB_WORDS.finditer(before):  # noqa: B007 - the nearest one governs
        pass
    kind = _VERB_KIND[verb.group()] if verb is not None else None
    goods = IN_KIND_BEFORE.search(before[-10:]) or IN_KIND_AFTER.search(after)
    if goods and kind == "raised" and MONEY_AND_GOODS.search(before):
        return "raised"  # 募集资金物资价值…: a drive's total of money and goods together
    if goods and (kind != "disbursed" or verb is None or verb.end() < len(before) - 8):
        return "in_kind"  # goods, unless a payout verb right before says they were handed out
    if DISBURSED_AFTER.search(after):
        return "disbursed"
    if (
        kind == "disbursed"
        and verb is not None
        and verb.group().startswith("拨")
        and GIVEN_AFTER.match(after)
    ):
        return "donated"  # 拨款一百万元捐灾区, 拨出三十万元赈灾: a body's own money set aside to give
    if kind == "donated" and verb is not None and PLEDGE_WORD.search(before[: verb.start()]):
        return "pledged"  # 承诺五年捐赠…, 认捐并…: promised, not yet paid
    if kind in (None, "raised") and TRANSFER_AFTER.search(text, amount.end, min(s_end, amount.end + _WINDOW)):
        return "donated"  # 将首笔…善款汇入…: the collector passes it on
    if (
        kind == "donated"
        and verb is not None
        and (len(before) - verb.end() <= 10 or before[verb.end() : verb.end() + 1] == "的")
    ):
        window = max(0, verb.start() - 24)
        collected = COLLECTED.search(before[window : verb.start()])
        # A donation described with 的 after the collector (收到某某捐赠的5万元) is the donor's
        # gift unless only the public stands between (接收社会各界捐赠的…善款).
        between = before[window + collected.end() : verb.start()] if collected else ""
        modifier = before[verb.end() : verb.end() + 1] == "的"
        public_only = not modifier or not between.strip(" 了") or bool(GIVER_GROUPS.search(between))
        donor_named = collected is not None and any(
            c_start + window + collected.end() <= s < c_start + verb.start() for s, _ in named
        )
        if collected and public_only and not donor_named:
            return "raised"  # 收到…捐款, 接收各界捐赠的…善款: the collector's side
    if kind is not None:
        return kind
    if kind is None and VERB_AFTER.match(after):
        return "disbursed"  # 其中300万元将资助…, …用于…: money paid out of a total
    if PER_HEAD.search(before[-8:]):
        return "disbursed"  # a per-household or per-person standard
    if amount.start in named_ends or amount.start - 1 in named_ends:
        return "donated"  # 其中，某集团30万元: a donor's name, then its sum
    # The keyword cue of transforms.amounts, read only now that no rule above decided.
    cue = amount.role if amount.role is not None else keyword_role(text, amount.start, amount.end)
    if cue == "fund_size" and not FUND_SET.search(text[s_start:s_end]):
        cue = None  # 基金会 names who acts; nothing says a fund is set up
    if cue is None or cue == "fund_size":
        # 基金 before the amount names who acts (某基金已累计…); no verb says what it does.
        if RAISED_AFTER.search(after) or "善款" in text[max(s_start, amount.start - _WINDOW) : amount.start]:
            return "raised"
        if "捐" in after[:4]:
            return "donated"
        return cue  # None: no word says; a breakdown's total may (see amount_meanings)
    return cue


def _cumulative(
    text: str, amounts: Sequence[AmountMention], index: int, s_start: int, role: str, clause: int
) -> bool:
    amount = amounts[index]
    before = text[max(s_start, amount.start - _WINDOW) : amount.start]
    c_start = max(s_start, clause)
    period = MULTI_PERIOD_TOTAL.search(before)
    if period is not None and amount.start - len(before) + period.end() >= c_start:
        # The total word is in the amount's own clause; a fund's own total since it was set up
        # (自设立某基金以来…累计接收) is its as-of total.
        low = amount.start - len(before)
        if role != "raised" or not DRIVE_SINCE.search(
            text, max(low, low + period.start() - 24), low + period.end()
        ):
            return True
    # The period opens a long sentence (自开展协作以来，六年多时间里，……累计投入…): read it
    # further back than the parties' window, the total word still in the amount's own clause.
    period_floor = max(s_start, amount.start - _PERIOD_WINDOW)
    # A long sentence: the period opens it, clauses later an explicit total word (累计) opens the
    # amount's own clause.
    total_word = TOTAL_WORD.search(text, c_start, amount.start)
    if total_word is not None and c_start > period_floor:
        period = None
        for period in PERIOD.finditer(text, period_floor, c_start):  # noqa: B007 - the last governs
            pass
        drive = (
            period is not None
            and role == "raised"
            and DRIVE_SINCE.search(text, max(period_floor, period.start() - 24), period.end())
        )
        if period is not None and not drive:
            return True
    if ROLL_UP.search(before):
        return True
    if SUM_BEFORE.search(before):
        earlier = [
            a
            for a in amounts[:index]
            if a.start >= s_start
            and a.conversion_of is None
            and not EACH_BEFORE.search(text[max(s_start, a.start - 10) : a.start])
        ]
        return bool(earlier)
    return False


# --- Restatements ---------------------------------------------------------------------------
def _restatements(
    text: str,
    amounts: Sequence[AmountMention],
    roles: list[str],
    givers: list[Party | None],
    sentences: list[tuple[int, int]],
    keys: list[tuple[Decimal, str]],
) -> list[int | None]:
    """What each amount restates (``keys``: each amount's sum and currency)."""
    restates: list[int | None] = [None] * len(amounts)
    # A sentence lies on one line (a line break ends it): its amounts share their line's kind.
    by_sentence: dict[int, bool] = {}
    headline = []
    for a, (s_start, _) in zip(amounts, sentences, strict=True):
        if s_start not in by_sentence:
            by_sentence[s_start] = _in_headline(text, a.start)
        headline.append(by_sentence[s_start])
    first_body: dict[tuple[Decimal, str], int] = {}
    first_any: dict[tuple[Decimal, str], int] = {}
    for i, key in enumerate(keys):
        if roles[i] in ("other", "threshold"):
            continue
        if not headline[i]:
            first_body.setdefault(key, i)
        first_any.setdefault(key, i)
    for i, a in enumerate(amounts):
        s_start, _ = sentences[i]
        before = text[max(s_start, a.start - _WINDOW) : a.start]
        if a.conversion_of is not None:
            restates[i] = a.conversion_of
            continue
        if roles[i] in ("other", "threshold"):
            continue
        key = keys[i]
        # A headline, sub-heading or caption copy of a body amount (or of an earlier copy).
        original = first_body.get(key) if headline[i] else None
        if original is None and headline[i]:
            original = first_any.get(key)
        if original is not None and original != i:
            restates[i] = original
            continue
        # A later body copy of the same sum, worded as a total or from the same giver.
        earlier = first_body.get(key)
        if earlier is not None and earlier < i:
            same_giver = givers[i] is not None and givers[i] == givers[earlier]
            if amounts[earlier].value >= 10_000 and (REPEAT_TOTAL.search(before[-16:]) or same_giver):
                restates[i] = earlier
                continue
            # A small sum said again with the same role and no other giver is the same standard
            # (每户发放5000元 … 发给受灾户5000元), not a second payment.
            small = amounts[earlier].value < 10_000
            if small and roles[i] == roles[earlier] and givers[i] in (None, givers[earlier]):
                restates[i] = earlier
                continue
        part_of = _part_of(text, amounts, i, sentences, roles, givers)
        if part_of is not None:
            restates[i] = part_of
    return restates


def _original(amounts: Sequence[AmountMention], index: int) -> int:
    conversion = amounts[index].conversion_of
    return conversion if conversion is not None else index


def _part_of(
    text: str,
    amounts: Sequence[AmountMention],
    index: int,
    sentences: list[tuple[int, int]],
    roles: list[str],
    givers: Sequence[Party | None] = (),
) -> int | None:
    """The total this amount is a part of: a breakdown after 其中/包括, a per-donor share before
    its total, money already paid out of a total just raised, or a tranche of a larger pledge."""
    amount = amounts[index]
    s_start, s_end = sentences[index]
    # Read back a bounded window: a run-on sentence must not make every amount re-read all of it.
    base = max(s_start, amount.start - _WINDOW)
    before = text[base : amount.start]
    # 其中/包括 in this sentence, after a total in it or in the sentence before.
    marker = None
    for marker in BREAKDOWN.finditer(before):  # noqa: B007 - the last one governs
        pass
    if marker is not None:
        cut = base + marker.start()
        previous_start = _previous_sentence_start(text, s_start)
        totals = [
            j
            for j in range(index)
            if previous_start <= amounts[j].start < cut and roles[j] not in ("other", "threshold", "target")
        ]
        # The sentences before name no sum (they say what the drive is for): the total is in
        # the last one that does, at most three sentences back.
        reach, floor = 0, previous_start
        while reach < 3 and floor > 0 and not any(floor <= a.start < cut for a in amounts[:index]):
            reach, floor = reach + 1, _previous_sentence_start(text, floor)
        if reach:
            totals = [
                j
                for j in range(index)
                if floor <= amounts[j].start < cut and roles[j] not in ("other", "threshold", "target")
            ]
        if totals:
            return _original(amounts, totals[-1])
    # A standard raised or cut (由5000元提高为1万元): one payment, at its new level.
    if index and NEW_LEVEL.search(before[-6:]) and amounts[index - 1].start >= s_start:
        return _original(amounts, index - 1)
    # A per-head standard (每户发放…, 每名学生每年…) of a programme whose sum the sentence or the one
    # before states is paid out of that sum, not a second payment.
    if roles[index] in ("disbursed", "in_kind") and PER_HEAD.search(before[-16:]):
        previous_start = _previous_sentence_start(text, s_start)
        programme = [
            j
            for j in range(index)
            if amounts[j].start >= previous_start
            and roles[j] in GIVING_ROLES
            and amounts[j].value > amount.value
            and not PER_HEAD.search(text[max(0, amounts[j].start - 16) : amounts[j].start])
        ]
        if programme:
            return _original(amounts, programme[-1])
    # Per-donor shares: 各捐5万元，总计10万元.
    if EACH_BEFORE.search(text[max(s_start, amount.start - 10) : amount.start]):
        for j in range(index + 1, len(amounts)):
            if amounts[j].start >= s_end:
                break
            if SUM_BEFORE.search(text[max(s_start, amounts[j].start - 8) : amounts[j].start]):
                return j
    # Money already paid out of a total raised just before (…共计2191万元，已拨付620万元).
    # Goods handed out are part of the goods collected (募集物资…，已陆续…发放…物资).
    if roles[index] == "disbursed" and ALREADY_PAID.search(before[-18:]):
        raised = [
            j for j in range(index) if amounts[j].start >= s_start and roles[j] in ("raised", "in_kind")
        ]
        if raised:
            return _original(amounts, raised[-1])
    # The largest single gift of a drive is part of the drive's total (单笔最高捐款…).
    if LARGEST_GIFT.search(before[-12:]):
        raised = [j for j in range(index) if roles[j] == "raised"]
        if raised:
            return _original(amounts, raised[-1])
    # A tranche of a larger pledge or fund named elsewhere in the article.
    if TRANCHE.search(before[-12:]):
        # Another giver's pledge is not this one's (a round-up of many donors' first tranches).
        giver = givers[index] if givers else None
        larger = [
            j
            for j, other in enumerate(amounts)
            if j != index
            and roles[j] in ("pledged", "fund_size")
            and other.value > amount.value
            and (giver is None or givers[j] in (None, giver))
        ]
        if larger:
            return _original(amounts, larger[0])
        # 捐款45万元，…共三年，每年15万元: the yearly share of a sum given just before.
        given = [
            j
            for j in range(index)
            if amounts[j].start >= s_start and roles[j] in GIVING_ROLES and amounts[j].value > amount.value
        ]
        if given and "每年" in before[-12:]:
            return _original(amounts, given[-1])
    return None


# --- Parties --------------------------------------------------------------------------------
def _candidates(
    text: str,
    organizations: Sequence[OrganizationMention],
    regions: Sequence[RegionMention],
    windows: Sequence[tuple[int, int]] | None = None,
) -> tuple[list[_Candidate], Party | None]:
    """The parties an amount may name: organizations, places (not seats), 该会 for the body
    named before, people and group words; the last three are looked for only in ``windows``
    (the sentences around amounts, and the one before each), the whole text when None.  Also
    the first public group word of the whole text."""
    spans = windows if windows is not None else [(0, len(text))]
    # One Party per name: an article names the same bodies and places again and again.
    bodies: dict[str, Party] = {}
    places: dict[tuple[str, str], Party] = {}
    found = []
    for o in organizations:
        body = bodies.get(o.name)
        if body is None:
            body = bodies[o.name] = Party("organization", o.name)
        found.append(_Candidate(o.start, o.end, body, o.type))
    for r in regions:
        if r.role != "seat":
            place = places.get((r.name, r.code))
            if place is None:
                place = places[r.name, r.code] = Party("region", r.name, r.code)
            found.append(_Candidate(r.start, r.end, place, beneficiary=r.role == "beneficiary"))
    occupied = bytearray(len(text) + 1)  # 1 where a party is already named
    for c in found:
        occupied[c.start : c.end] = b"\x01" * (c.end - c.start)
    # The public the article names anywhere (社会各界, 民众…), for money raised from it.
    public = next(
        (Party("group", m.group()) for m in GIVER_GROUPS.finditer(text) if not occupied[m.start()]), None
    )
    # 该会, 该基金会: the organization named last before it.
    named_orgs = sorted((c for c in found if c.kind == "organization"), key=lambda c: c.start)
    for match in (m for lo, hi in spans for m in THIS_BODY.finditer(text, lo, hi)):
        kind_word = match.group()[1:]
        earlier = [c for c in named_orgs if c.end <= match.start() and c.party.name.endswith(kind_word)]
        # A body sentence's 该会 goes back to a body it names, not to one of the headline's list.
        earlier = [c for c in earlier if not _in_headline(text, c.start)] or earlier
        # In its own sentence the first such body is the subject the sentence goes on about
        # (甲会、乙会…，该会收到…); else the last one named before.
        s_start = _sentence_span(text, match.start())[0]
        own = [c for c in earlier if c.start >= s_start]
        if earlier:
            antecedent = own[0] if own else earlier[-1]
            found.append(_Candidate(match.start(), match.end(), antecedent.party, antecedent.org_type))
            occupied[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    people = set().union(*(_people(text, lo, hi) for lo, hi in spans))
    for name in sorted(people, key=len, reverse=True):
        for match in (m for lo, hi in spans for m in re.compile(re.escape(name)).finditer(text, lo, hi)):
            if not occupied[match.start()]:
                found.append(_Candidate(match.start(), match.end(), Party("person", name)))
                occupied[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    pattern, canonical = _countries()
    for match in (m for lo, hi in spans for m in pattern.finditer(text, lo, hi)):
        if not occupied[match.start()]:
            # A country abroad: a place without a GB/T 2260 code (援助菲律宾, 日本某会捐…).
            country = Party("region", canonical[match.group()])
            found.append(_Candidate(match.start(), match.end(), country))
            occupied[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    for pattern in (GIVER_GROUPS, RECIPIENT_GROUPS):
        for match in (m for lo, hi in spans for m in pattern.finditer(text, lo, hi)):
            if not occupied[match.start()]:
                word = match.group()
                group = _Candidate(match.start(), match.end(), Party("group", word))
                group.giver_group = GIVER_GROUPS.fullmatch(word) is not None
                group.recipient_group = RECIPIENT_GROUPS.fullmatch(word) is not None
                found.append(group)
                occupied[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return sorted(found, key=lambda c: c.start), public


@cache  # data, loaded once per process
def _countries() -> tuple[re.Pattern[str], dict[str, str]]:
    """The pattern of country names (transforms/data/countries.tsv) and each form's name."""
    canonical: dict[str, str] = {}
    for line in (_DATA / "countries.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, forms = line.partition("\t")
        for form in (name, *filter(None, forms.split(","))):
            canonical[form.strip()] = name.strip()
    names = "|".join(sorted(map(re.escape, canonical), key=len, reverse=True))
    # 朝鲜族 is a people of China, 昨日本报 a date and "this paper": neither is a country.
    # The class of first characters lets the scan skip most positions at once.
    first = "".join(sorted({form[0] for form in canonical}))
    pattern = re.compile(rf"(?=[{first}])(?<![今昨明当前次])(?:{names})(?!族|报)")
    return pattern, canonical


def _served_country(text: str) -> Party | None:
    """A country abroad the article names at least twice, the most named: where its aid goes
    when no place of China is served (a typhoon abroad)."""
    pattern, canonical = _countries()
    counts: dict[str, int] = {}
    for match in pattern.finditer(text):
        name = canonical[match.group()]
        counts[name] = counts.get(name, 0) + 1
    repeated = [name for name, n in counts.items() if n >= 2]
    return Party("region", max(repeated, key=counts.__getitem__)) if repeated else None


def _sources(text: str, start: int, end: int) -> list[tuple[int, int]]:
    segment = text[start:end]
    if "据" not in segment and "从" not in segment and "来自" not in segment:
        return []  # SOURCE_SPAN needs one of them: skip the scan
    return [(m.start() + start, m.end() + start) for m in SOURCE_SPAN.finditer(text[start:end])]


def _is_source(text: str, c: _Candidate, sources: list[tuple[int, int]]) -> bool:
    # Most sentences have no source span: no generator to make then.
    if sources and any(s <= c.start < e for s, e in sources):
        return True
    speaker = c.speaker
    if speaker is None:
        speaker = c.speaker = SPEAKER_AFTER.match(text, c.end) is not None
    return speaker


def _cue_before(text: str, c: _Candidate, pattern: re.Pattern[str]) -> bool:
    start = c.start
    return pattern.search(text, start - 4 if start > 4 else 0, start) is not None


# Several amounts of a sentence ask about the same parties: the two cues asked most are kept
# on the candidate.
def _recipient_cue(text: str, c: _Candidate) -> bool:
    cue = c.recipient_cue
    if cue is None:
        cue = c.recipient_cue = _cue_before(text, c, RECIPIENT_CUE)
    return cue


def _channel_cue(text: str, c: _Candidate) -> bool:
    cue = c.channel_cue
    if cue is None:
        cue = c.channel_cue = _cue_before(text, c, CHANNEL_CUE)
    return cue


class _Article:
    """What the whole article says about its parties, for amounts whose sentence is silent."""

    __slots__ = ("_abroad", "_charities", "candidates", "public", "served", "starts", "text")

    def __init__(
        self,
        candidates: list[_Candidate],  # sorted by start
        served: Party | None,  # the place the article's aid goes to
        public: Party | None,  # the public the article says gave (社会各界, 市民…)
        starts: list[int],  # each candidate's start
        text: str,
    ) -> None:
        self.candidates = candidates
        self.served = served
        self.public = public
        self.starts = starts
        self.text = text
        self._abroad: list[Party | None] = []  # computed once, when first asked
        self._charities: list[_Candidate] | None = None  # computed once, when first asked

    def served_abroad(self) -> Party | None:
        """The country abroad the article serves (read only for an amount that needs it)."""
        if not self._abroad:
            self._abroad.append(_served_country(self.text))
        return self._abroad[0]

    def charities(self) -> list[_Candidate]:
        """The charities it names (else its bodies other than media and companies), in order."""
        if self._charities is None:
            candidates = self.candidates
            self._charities = [c for c in candidates if c.org_type in CHARITY_TYPES] or [
                c
                for c in candidates
                if c.kind == "organization" and c.org_type not in ("media", "company", "bank")
            ]
        return self._charities

    def within(self, low: int, high: int) -> list[_Candidate]:
        """The candidates starting in [low, high)."""
        return self.candidates[bisect_left(self.starts, low) : bisect_left(self.starts, high)]


def _served_region(regions: Sequence[RegionMention]) -> Party | None:
    """The place an article serves: among beneficiary places named at least twice, the most
    specific (a county hit by the earthquake, rather than its province); else the most named."""
    counts: dict[str, int] = {}
    names: dict[str, RegionMention] = {}
    for r in regions:
        if r.role == "beneficiary":
            counts[r.code] = counts.get(r.code, 0) + 1
            names[r.code] = r
    if not counts:
        return None
    depth = {"province": 0, "city": 1, "county": 2}
    repeated = [c for c, n in counts.items() if n >= 2]
    code = (
        max(repeated, key=lambda c: (depth[names[c].level], counts[c]))
        if repeated
        else max(counts, key=counts.__getitem__)
    )
    return Party("region", names[code].name, code)


def _parties(
    text: str,
    amount: AmountMention,
    role: str,
    s_start: int,
    s_end: int,
    article: _Article,
    clause: int,
    c_end: int,
) -> tuple[Party | None, Party | None, bool]:
    """(giver, recipient, whether the sentence itself points at the recipient); ``clause`` and
    ``c_end``: where the amount's clause starts and ends."""
    floor = max(s_start, amount.start - _WINDOW)
    # Only the sentence's parties are read (and the article's, through the fallbacks).
    candidates = article.within(s_start, s_end)
    c_start = max(floor, clause)
    sources = _sources(text, floor, amount.start)
    # The candidates are sorted by start: the ones before and after the amount are two slices
    # of them (both inside the sentence, since floor >= s_start and amount.end > s_start).
    starts, everyone = article.starts, article.candidates
    at_amount = bisect_left(starts, amount.start)
    before = [c for c in everyone[bisect_left(starts, floor) : at_amount] if c.end <= amount.start]
    after_start = bisect_left(starts, amount.end, at_amount)
    after = everyone[after_start : bisect_left(starts, min(s_end, amount.end + 40), after_start)]
    actors: list[_Candidate] = []
    receivers: list[_Candidate] = []
    channels: list[_Candidate] = []
    previous: tuple[_Candidate, list[_Candidate]] | None = None
    for c in before:
        if _is_source(text, c, sources):
            continue
        if previous is not None and JOINED.match(text[previous[0].end : c.start]):
            previous[1].append(c)  # 向甲县和乙市: 乙市 receives too
            previous = (c, previous[1])
            continue
        kind = c.kind
        if kind == "region" and (
            (not REGION_ACTS.match(text, c.end) and not _recipient_cue(text, c))
            or LOCATIVE.search(text, max(0, c.start - 12), c.start)
        ):
            continue  # a place that begins a name, or the setting (在某地，…), does not give
        if kind == "group" and not c.giver_group and not _recipient_cue(text, c):
            continue  # 灾民, 困难家庭 receive
        side = (
            receivers
            if _recipient_cue(text, c) or _in_recipient_phrase(text, c.start, c_start)
            else channels
            if _channel_cue(text, c)
            else actors
        )
        side.append(c)
        previous = (c, side)
    in_clause = [c for c in actors if c.start >= c_start]
    giver_pool = in_clause or actors
    # Groups are givers only when nothing more specific is named.
    named = [c for c in giver_pool if c.kind != "group"]
    pool = named or giver_pool
    giver = pool[-1].party if pool else None
    after_receivers = [c for c in after if c.start < c_end + 20 and _recipient_cue(text, c)]
    pointed = receivers[-1:] or [_narrowed(text, c, after) for c in after_receivers[:1]] or channels[-1:]
    recipient_candidate: _Candidate | None = pointed[0] if pointed else None
    if recipient_candidate is not None and receivers and recipient_candidate is receivers[-1]:
        # The first of a joined list of receivers (向甲县和乙市捐赠) stands for it; a place
        # written after its parent (向甘肃省定西市) is the more specific one.
        while len(receivers) > 1 and JOINED.match(text[receivers[-2].end : recipient_candidate.start]):
            if not text[receivers[-2].end : recipient_candidate.start].strip():
                break
            receivers.pop()
            recipient_candidate = receivers[-1]
    own_clause = [c for c in everyone[bisect_left(starts, c_start) : at_amount] if c.recipient_group]
    if own_clause and role in ("disbursed", "donated", "in_kind"):
        recipient_candidate = own_clause[-1]  # 每户困难群众发放…: the group this clause serves
    recipient = recipient_candidate.party if recipient_candidate else None
    if recipient is None and role != "raised":
        # 某州还收到了某会捐赠的…: whoever stands before the collecting verb receives.
        collected = COLLECTED_VERB.search(text, floor, amount.start)
        if collected is not None:
            holders = [
                c for c in actors if c.end <= collected.start() and (giver is None or c.party != giver)
            ]
            recipient = holders[-1].party if holders else None
    # Whether a word of the sentence points at the recipient (向…, 通过…, 灾区), or it is only
    # the article's served place or group, guessed.
    explicit = recipient is not None or _to_disaster_area(text, s_start, s_end)
    if giver is None and role == "disbursed":
        charity = _earlier_charity(amount.start, article)
        giver = charity.party if charity else None
    if giver is None and role != "raised":
        giver = _earlier_actor(text, s_start, article)
    if role == "raised":
        # The fundraiser collects; the public it names gives.
        # A charity among them collects; a school or partner beside it only takes part.
        organizations = [c for c in reversed(named) if c.kind == "organization"]
        collector = next((c for c in organizations if c.org_type in CHARITY_TYPES), None)
        collector = collector or next(iter(organizations), None)
        if collector is None:
            collector = _earlier_charity(amount.start, article)
        groups = [c for c in candidates if c.giver_group]
        recipient = collector.party if collector else recipient
        # Money raised to be handed on (…筹得16万元，将支持某会…): the body it goes to receives.
        passed_to = next(
            (c for c in after if c.kind == "organization" and _cue_before(text, c, PASS_ON)), None
        )
        if passed_to is not None:
            recipient = passed_to.party
        giver = groups[0].party if groups else article.public
    if recipient is None and role != "raised":
        # Who is served, named without a cue: 每户灾民发放…, …用于困难学生.
        served_groups = [c for c in candidates if c.recipient_group]
        if served_groups:
            recipient = served_groups[0].party
        elif role == "disbursed":
            places = [c for c in after if c.kind == "region"]
            recipient = _narrowed(text, places[0], after).party if places else None
    if recipient is None and role in ("donated", "in_kind", "pledged", "disbursed", "fund_size"):
        served = [c for c in candidates if c.beneficiary and (giver is None or c.party != giver)]
        recipient = served[0].party if served else article.served or article.served_abroad()
    if giver is not None and giver == recipient:
        giver = None
    return giver, recipient, explicit or role == "raised"


# 向 or 给 earlier in the clause, no verb between: the party is inside the recipient phrase
# (向灾区工会和职工捐款: 职工 receives, though 和 and not 向 stands right before it).
RECIPIENT_PHRASE = re.compile(r"(?:向|给)[^，,。；;、捐拨发赠援助支出提供]{1,12}$")


def _in_recipient_phrase(text: str, start: int, c_start: int) -> bool:
    return bool(RECIPIENT_PHRASE.search(text, max(c_start, start - 13), start))


def _narrowed(text: str, place: _Candidate, after: list[_Candidate]) -> _Candidate:
    """资助云南大理州…: a place written right after its parent is the more specific one, unless
    it begins a list the parent stands for (大理州甲县、乙县等)."""
    if place.party.kind != "region":
        return place
    for c in after:
        if c.start < place.end:
            continue
        if (
            c.start != place.end
            or c.party.kind != "region"
            or c.party.code is None
            or place.party.code is None
            or c.party.code[:2] != place.party.code[:2]
            or text[c.end : c.end + 1] in ("、", "和", "及", "等")
        ):
            break
        place = c
    return place


@lru_cache(maxsize=1024)
def _to_disaster_area(text: str, s_start: int, s_end: int) -> bool:
    """Whether the sentence sends money to 灾区 (read once per sentence)."""
    return bool(TO_DISASTER_AREA.search(text, s_start, s_end))


def _earlier_actor(text: str, s_start: int, article: _Article) -> Party | None:
    """The organization acting in the sentence before (its next sentence goes on: 该公司还…)."""
    if s_start == 0:
        return None
    p_start = _sentence_span(text, s_start - 1)[0]
    if "\n" in text[p_start:s_start].strip():
        return None  # a new paragraph starts a new subject
    sources = _sources(text, p_start, s_start)
    for c in reversed(article.within(p_start, s_start)):
        if c.party.kind != "organization" or _is_source(text, c, sources):
            continue
        if _recipient_cue(text, c) or _channel_cue(text, c):
            continue
        return c.party
    return None


def _earlier_charity(position: int, article: _Article) -> _Candidate | None:
    """The charity named last before ``position``, else the one the article names most."""
    charities = article.charities()
    before = [c for c in charities if c.end <= position]
    if before:
        return before[-1]
    if not charities:
        return None
    counts: dict[str, int] = {}
    for c in charities:
        counts[c.party.name] = counts.get(c.party.name, 0) + 1
    top = max(counts, key=counts.__getitem__)
    return next(c for c in charities if c.party.name == top)


def _parts_of_drives(
    amounts: Sequence[AmountMention],
    roles: list[str],
    cumulative: list[bool],
    restates: list[int | None],
    parties: list[tuple[Party | None, Party | None]],
    explicit: list[bool],
) -> None:
    """Gifts handed to a drive whose own total the article states are parts of that total
    (某企业捐赠100万元 … 截至某日该会共募集善款264万元): the total is the one to count."""
    drives = [
        i
        for i, role in enumerate(roles)
        if role == "raised" and not cumulative[i] and restates[i] is None and parties[i][1] is not None
    ]
    if not drives:
        return
    # A drive's total is stated once; a later sum the same collector raised is a channel's or a
    # donor's part of it, or the total restated as it grows (令累积善款逾…).  A much larger later
    # sum is another period's (去年共募集…), not a part.
    first: dict[Party, int] = {}
    for d in drives:
        collector = parties[d][1]
        if collector is None:
            continue
        if collector in first and amounts[d].value <= amounts[first[collector]].value * Decimal("1.1"):
            restates[d] = first[collector]
        else:
            first[collector] = d
    drives = [d for d in drives if restates[d] is None]
    collectors = {parties[i][1] for i in drives}
    for i, role in enumerate(roles):
        if role not in ("donated", "pledged") or cumulative[i] or restates[i] is not None:
            continue  # goods are not part of a cash drive's total
        recipient = parties[i][1] if explicit[i] else None  # a guess says nothing of the drive
        same = [d for d in drives if parties[d][1] == recipient and amounts[d].value > amounts[i].value]
        if not same and recipient is None and len(collectors) == 1:
            same = [d for d in drives if amounts[d].value > amounts[i].value]
        if same:
            restates[i] = same[0]
            parties[i] = (parties[i][0], recipient or parties[same[0]][1])


def amount_meanings(
    text: str,
    amounts: Sequence[AmountMention],
    organizations: Sequence[OrganizationMention] = (),
    regions: Sequence[RegionMention] = (),
) -> tuple[AmountMeaning, ...]:
    """One meaning per amount, in order.  All offsets are into ``text`` (the simplified text)."""
    if not amounts:
        return ()
    # Each amount's sentence and clause, found once: role, cumulative and parties all read them.
    # An amount inside the span found for the one before shares it (no stop lies between).
    sentences: list[tuple[int, int]] = []
    clauses: list[int] = []
    sentence = (0, -1)
    for a in amounts:
        if not sentence[0] <= a.start < sentence[1]:
            sentence = sentence_bounds(text, a.start)
        sentences.append(sentence)
        clauses.append(_clause_start(text, sentence[0], a.start))
    length = len(text)
    clause_ends = [_clause_end(text, a.end, min(length, a.end + _WINDOW)) for a in amounts]
    # The sentence around an amount's end is its start's unless a stop lies inside the amount.
    end_sentences = [
        s_end if s_end > a.end else _sentence_span(text, a.end)[1]
        for a, (_, s_end) in zip(amounts, sentences, strict=True)
    ]
    windows: list[tuple[int, int]] = []
    for s_start, s_end in sentences:
        low = _previous_sentence_start(text, s_start)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], s_end))
        else:
            windows.append((low, s_end))
    candidates, public = _candidates(text, organizations, regions, windows)
    named = [(c.start, c.end) for c in candidates if c.kind in ("organization", "person")]
    named_ends = {end for _, end in named}
    cues = [
        _role(text, a, sentences[i][0], named, named_ends, clauses[i], clause_ends[i], end_sentences[i])
        for i, a in enumerate(amounts)
    ]
    roles = [cue or "other" for cue in cues]
    for i, a in enumerate(amounts):
        if a.conversion_of is not None:
            roles[i] = roles[a.conversion_of]
    # An amount no word describes, listed in a breakdown of a giving total, is one donor's part
    # of it (其中，某集团30万元，某会10万元).
    for i, cue in enumerate(cues):
        if cue is None and amounts[i].conversion_of is None:
            total = _part_of(text, amounts, i, sentences, roles)
            if total is not None and roles[total] in GIVING_ROLES:
                roles[i] = "donated" if roles[total] == "raised" else roles[total]
    cumulative = [
        _cumulative(text, amounts, i, s, roles[i], clauses[i]) for i, (s, _) in enumerate(sentences)
    ]
    article = _Article(candidates, _served_region(regions), public, [c.start for c in candidates], text)
    found_parties = [
        # The clause's end within the sentence: the first stop after the amount found for its
        # role, else the nearer bound (no stop before the role's bound is none before this one).
        _parties(text, a, roles[i], s, e, article, clauses[i], min(clause_ends[i], e, a.end + _WINDOW))
        if roles[i] in GIVING_ROLES
        else (None, None, False)
        for i, (a, (s, e)) in enumerate(zip(amounts, sentences, strict=True))
    ]
    parties = [(giver, recipient) for giver, recipient, _ in found_parties]
    org_types = {o.name: o.type for o in organizations}
    for i, (giver, _) in enumerate(parties):
        # Money a company pays out is its donation, not a charity's disbursement.
        if roles[i] == "disbursed" and giver is not None and org_types.get(giver.name) in COMPANIES:
            roles[i] = "donated"
    keys = [(a.value, a.currency) for a in amounts]
    restates = _restatements(text, amounts, roles, [p[0] for p in parties], sentences, keys)
    for i, total in enumerate(restates):
        # A channel's or a period's share of money raised is raised too (其中网络捐款…);
        # a named donor's share stays donated.
        if total is not None and roles[total] == "raised" and roles[i] == "donated":
            c_start = max(sentences[i][0], clauses[i])
            if not any(c_start <= s < amounts[i].start for s, _ in named):
                roles[i] = "raised"
    explicit = [found[2] for found in found_parties]
    _parts_of_drives(amounts, roles, cumulative, restates, parties, explicit)
    givers: list[Party | None] = []
    recipients: list[Party | None] = []
    for i in range(len(amounts)):
        giver, recipient = parties[i]
        original = restates[i]
        if original is not None:
            # A copy says no less than its original: take the parties the original lacks.
            o_giver, o_recipient = parties[original]
            giver, recipient = giver or o_giver, recipient or o_recipient
            if giver is not None and giver == recipient:
                giver = None
        givers.append(giver)
        recipients.append(recipient)
    # The original takes the parties a copy of the same sum names when its own sentence names
    # none (a headline names the giver, the body only says 该企业); a part's donor is not the
    # total's.  (The meanings are built once, after.)
    for i, original in enumerate(restates):
        if original is None or keys[i] != keys[original]:
            continue
        giver = givers[original] or parties[i][0]
        recipient = recipients[original] or parties[i][1]
        if giver is not None and giver == recipient:
            giver = givers[original]
        givers[original], recipients[original] = giver, recipient
    return tuple(
        AmountMeaning(
            roles[i],
            cumulative[i],
            restates[i],
            roles[i] in GIVING_ROLES and not cumulative[i] and restates[i] is None,
            givers[i],
            recipients[i],
        )
        for i in range(len(amounts))
    )
