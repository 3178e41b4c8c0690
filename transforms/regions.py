"""Regions: one pass over the text for gazetteer names, then ambiguity resolved from context.

A surface such as 鼓楼区 names districts in several cities; the code chosen is the one whose
parent or province also appears in the article.  A county's short form (长沙 for 长沙县) counts
only when its city or province is named too; otherwise the short form is read as the city.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from transforms.derived_cache import derived_text, rule_source
from transforms.gazetteer import Gazetteer, Level, Region, load_gazetteer
from transforms.organizations import SHORT_FORM_MARKERS
from transforms.organizations import SUFFIX_PATTERN as _SEAT_SUFFIX
from transforms.sentences import sentence_bounds
from transforms.tagger import jieba_dictionary, jieba_fingerprint

RegionRole = Literal["seat", "beneficiary", "mention"]

# A street or road named after a place: 北京路, 中山东路, 广东道.
_ROAD_AFTER = re.compile(r"[东西南北中]?(?:路|道|街|大道|大街|巷|里|弄)")
# Characters that stand right before or after a place written on its own (在会理, 会理、), so
# that a bare short name glued inside other words (理事会理事长) is not read as a place.
_BEFORE_PLACE = frozenset("在赴往到向为于和、与及了对是从由自至的给援助帮扶支和及等")
_AFTER_PLACE = frozenset("、和及与的等地人籍乡镇村县市区州两三各全")


# A place name whose first character belongs to the word before it: 局长沙马 (局长), 设立山区
# (设立), 1.2万名山区 (万名: a count of people).
_GLUED_BEFORE = {
    "长": frozenset("局院会市县校队组部厅处科所站社行事书镇乡村省区州团"),
    "立": frozenset("设成建创树确订独自"),
    "名": frozenset("0123456789一二两三四五六七八九十百千万多余几数"),
}
# A bay, not the city: 杭州湾 (湾仔 is Hong Kong's district).
_BAY_AFTER = re.compile(r"湾(?!仔)")


# Context keys for how often an unambiguous surface itself occurs (codes are digits only).
_OWN = "own:"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# Words in the clause before a region that make it the place an aid project serves.
_BENEFICIARY_CUE = re.compile(
    r"向|为|给|援助|帮扶|支援|驰援|资助|受助|捐赠给|对口|用于|惠及|覆盖|赴|前往|走进|落地|送往|送到|运往|"
    r"发往|助力|结对|援建|灾区|实施"
)
# Right after the place, within its clause: what happens there (东乡县援建, 达州市遭遇暴雨).
_BENEFICIARY_AFTER = re.compile(
    r"[^，,。；;：:]{0,12}?(?:援建|受灾|遭遇|困难|贫困|脱贫|留守|灾区|受助|受益|实施)"
)
# The first characters of those words: a window holding none of them is not read further.
_BENEFICIARY_AFTER_START = re.compile("[援受遭困贫脱留灾实]")
_CUE_BEFORE = 40
_CUE_AFTER = 16


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen, for speed (see AmountMention)
class RegionMention:
    start: int
    end: int
    surface: str
    code: str
    name: str
    level: Level
    role: RegionRole
    sentence_start: int
    sentence_end: int


def _candidates(text: str, gazetteer: Gazetteer) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Leftmost-longest, non-overlapping surface matches."""
    return gazetteer.scanner.scan(text)


@cache
def _ordinary_words() -> frozenset[str]:
    """Short place names that jieba's own dictionary knows as ordinary words rather than names
    (合作 vn, 振兴 v, 资源 n, 和平 nz with a high count), kept between processes (deriving them
    reads the whole dictionary file)."""
    short = sorted({s for r in load_gazetteer().regions.values() for s in r.short_names})
    inputs = (jieba_fingerprint(), "\n".join(short).encode(), rule_source(_read_ordinary, _is_ordinary))
    text = derived_text("ordinary-place-words", inputs, lambda: "\n".join(sorted(_read_ordinary(set(short)))))
    return frozenset(text.split("\n")) - {""}


def _read_ordinary(short: set[str]) -> set[str]:
    """The names of ``short`` that jieba's dictionary file lists as ordinary words."""
    words = set()
    with jieba_dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            word, frequency, tag = line.rstrip("\n").split(" ")
            if word in short and _is_ordinary(tag, int(frequency)):
                words.add(word)
    return words


def _is_ordinary(tag: str, frequency: int) -> bool:
    if tag in ("ns", "nrt", "nrfg"):
        return False
    if tag in ("nr", "nz"):
        return frequency >= 300
    if tag == "n":
        return frequency >= 100
    return True


def _resolve(
    codes: tuple[str, ...],
    surface: str,
    context: Mapping[str, int],
    gazetteer: Gazetteer,
    previous: str | None,
    standalone: bool = True,
    half_standalone: bool = True,
) -> str | None:
    """The code a surface stands for here, or None when it is not a place mention.

    ``previous`` is the code of a place written right before this one (湖南省长沙县): a
    candidate inside it wins outright.  ``standalone``: the surface is set off on both sides
    from the words around it; ``half_standalone``: on one side (带动威宁、赫章), which is
    enough for a county whose own city the article names.
    """
    ancestors = gazetteer.ancestors
    regions = gazetteer.regions
    if len(codes) == 1:
        only = regions[codes[0]]
        if surface == only.name and (only.level != "county" or len(surface) > 2):
            return codes[0]  # a place written in full, with no rival: no rule below drops it
    if previous is not None:
        inside = [c for c in codes if previous in ancestors(c)]
        if len(inside) == 1:
            return inside[0]
    # Support comes from the article's other places: not from this surface's own occurrences
    # (an unambiguous 东区 counted its city in), nor from the other readings of the same
    # surface (吉林: the province does not make 吉林市 likelier).
    own = context.get(_OWN + surface, 0) if len(codes) == 1 else 0

    def named(code: str) -> bool:
        return code not in codes and context.get(code, 0) > own

    def parent_named(region: Region) -> bool:
        return bool(region.parent) and named(region.parent or "")

    ordinary = _ordinary_words()
    candidates = []
    for code in codes:
        region = regions[code]
        level = region.level
        # Support and the parent are read only by the rules that need them (most hits are a
        # province or city written in full, which no rule below drops).
        if surface != region.name:  # a short form
            # 合作, 会同, 振兴: a county's short name is an ordinary word far more often than a
            # place; it counts right after its parent, or standing alone when jieba does not
            # know the word.
            if level == "county" and (
                surface in ordinary
                or not any(named(a) for a in ancestors(code))
                or not (standalone or (half_standalone and parent_named(region)))
            ):
                continue
            if level == "city" and surface in ordinary and not any(named(a) for a in ancestors(code)):
                continue  # 保定 (v), 大同 (d) as words
        elif level == "county" and len(region.name) <= 2 and not parent_named(region):
            continue  # 东区, 城区: names too plain to stand alone without their city
        candidates.append(code)
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    provinces = [c for c in candidates if regions[c].level == "province"]
    if provinces and surface in regions[provinces[0]].short_names:
        return provinces[0]  # 河北, 吉林 alone are the provinces; 河北区, 吉林市 are written so
    scored = []
    for code in candidates:
        support = sum(context.get(a, 0) - own for a in ancestors(code) if named(a))
        level_rank = _LEVEL_RANK[regions[code].level]
        full = regions[code].name == surface
        scored.append((support, full, -level_rank, code))
    scored.sort(reverse=True)
    best, runner_up = scored[0], scored[1]
    if best[:3] == runner_up[:3]:
        return None  # same district name in two cities and nothing to tell them apart
    if best[0] == 0 and regions[best[3]].level == "county":
        return None
    return best[3]


_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}


def _inside_span(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of ``spans`` (sorted by start, not overlapping)."""
    index = bisect_right(spans, (start, 1 << 62)) - 1
    return index >= 0 and spans[index][0] <= start and end <= spans[index][1]


def _role(
    text: str,
    start: int,
    end: int,
    org_spans: Sequence[tuple[int, int]],
    sentence: tuple[int, int] | None = None,
) -> RegionRole:
    """``org_spans`` sorted by start and not overlapping (as organizations are found);
    ``sentence``: the bounds of the sentence holding ``start``, when the caller has them."""
    if org_spans and _inside_span(org_spans, start, end):
        return "seat"
    # Read back to the sentence's start (a list of places after 资助 shares its cue: 资助景宁、
    # 庆元两县) but not far, and forward a few characters (在东乡县援建, 达州市遭遇暴雨).
    sentence_start, sentence_end = sentence or sentence_bounds(text, start)
    # Searched in place (pos, endpos) rather than on slices: neither pattern has an anchor or a
    # lookaround, so the bounds read exactly what the slices held.
    if _BENEFICIARY_CUE.search(text, max(sentence_start, start - _CUE_BEFORE), start):
        return "beneficiary"
    window_end = min(sentence_end, end + _CUE_AFTER)
    if _BENEFICIARY_AFTER_START.search(text, end, window_end) and _BENEFICIARY_AFTER.match(
        text, end, window_end
    ):
        return "beneficiary"
    return "mention"


# The first characters of _ROAD_AFTER and _BAY_AFTER: a place followed by none of them is
# neither a street nor a bay, and neither pattern is tried.
_ROAD_OR_BAY_START = frozenset("东西南北中路道街大巷里弄湾")


def extract_regions(
    text: str,
    org_spans: Sequence[tuple[int, int]] = (),
    gazetteer: Gazetteer | None = None,
) -> list[RegionMention]:
    """Region mentions in text order; ``org_spans`` mark organization names (seat regions)."""
    gaz = gazetteer or load_gazetteer()
    hits = _candidates(text, gaz)
    regions, ancestors = gaz.regions, gaz.ancestors
    county_short_names = gaz.county_short_names
    # Context: every unambiguous hit, and the ancestors it implies (a plain dict: a Counter
    # makes a Python-level call for every new key).
    context: dict[str, int] = {}
    for _, _, surface, codes in hits:
        if len(codes) == 1:
            for key in (codes[0], _OWN + surface, *ancestors(codes[0])):
                context[key] = context.get(key, 0) + 1
    # _resolve depends on its arguments and this article's context only: a surface written
    # again the same way is resolved once (a dict for this call, dropped with it).
    resolved: dict[tuple[tuple[str, ...], str, str | None, bool, bool], str | None] = {}
    mentions = []
    previous: tuple[int, str] | None = None  # (end, code) of the last place found
    length = len(text)
    for start, end, surface, codes in hits:
        after = text[end : end + 1]
        if after in _ROAD_OR_BAY_START and (_ROAD_AFTER.match(text, end) or _BAY_AFTER.match(text, end)):
            continue  # 北京路, 杭州湾: a street or a bay
        before = text[start - 1] if start > 0 else ""
        glue = _GLUED_BEFORE.get(surface[0])
        if glue is not None and before and before in glue:
            continue  # 局长沙马: part of another word
        adjacent = previous[1] if previous is not None and previous[0] == start else None
        if after == "州":
            prefectures = tuple(
                c for c in codes if regions[c].level == "city" and regions[c].name.endswith("州")
            )
            codes = prefectures or codes
        if surface in county_short_names:
            before_ok = not before or before in _BEFORE_PLACE or not _is_han(before)
            # A place right before an organization's suffix is its seat: 石狮同乡会, 中山同乡会.
            after_ok = (
                end == length
                or after in _AFTER_PLACE
                or not _is_han(after)
                or _SEAT_SUFFIX.match(text, end) is not None
            )
            standalone = before_ok and after_ok
            # Set off on one side only by an explicit marker: 在西昌签署, 带动威宁、赫章.
            half = (bool(before) and before in _BEFORE_PLACE) or after in ("、", "等")
        else:
            standalone = half = True  # _resolve reads them for a county's short form only
        key = (codes, surface, adjacent, standalone, half)
        if key in resolved:
            code = resolved[key]
        else:
            code = resolved[key] = _resolve(codes, surface, context, gaz, adjacent, standalone, half)
        if code is None:
            continue
        region = regions[code]
        if after == "州" and surface != region.name and region.name.endswith("州"):
            end += 1  # 阿坝州: the short name with 州 is the autonomous prefecture
            surface = text[start:end]
        previous = (end, code)
        sentence = sentence_bounds(text, start)
        mentions.append(
            RegionMention(
                start,
                end,
                surface,
                code,
                region.name,
                region.level,
                _role(text, start, end, org_spans, sentence),
                sentence[0],
                sentence[1],
            )
        )
    return mentions


def with_roles(
    text: str, mentions: Sequence[RegionMention], org_spans: Sequence[tuple[int, int]]
) -> list[RegionMention]:
    """The same mentions, those inside an organization's name now seats (the other roles come
    from the words around the mention, which have not changed)."""
    return [
        _as_seat(m) if m.role != "seat" and _inside_span(org_spans, m.start, m.end) else m for m in mentions
    ]


def _as_seat(m: RegionMention) -> RegionMention:
    # Built directly: dataclasses.replace costs several times more, once per seat.
    return RegionMention(
        m.start, m.end, m.surface, m.code, m.name, m.level, "seat", m.sentence_start, m.sentence_end
    )


def region_context(mentions: Sequence[RegionMention], gazetteer: Gazetteer | None = None) -> dict[str, str]:
    """What each short form's first character (省, 市, 州, 县, 区) stands for in this article: the
    place of that kind it names most, a beneficiary counting half (aid goes to other places;
    市慈善总会 is the home city's), the earliest first on a tie.  A 区 comes with its city."""
    gaz = gazetteer or load_gazetteer()
    # Plain dicts rather than Counters: a Counter costs a Python-level call to make and to
    # count a new key; the counts and their order are the same.
    scores: dict[str, dict[str, int]] = {marker: {} for marker in SHORT_FORM_MARKERS}
    first_seen: dict[str, int] = {}
    named_places = gaz.short_form_places
    for mention in mentions:
        weight = 1 if mention.role == "beneficiary" else 2
        first_seen.setdefault(mention.code, mention.start)
        # A province is named through its cities as well; others only by themselves.
        for code, marker in named_places[mention.code]:
            counter = scores[marker]
            counter[code] = counter.get(code, 0) + weight
            first_seen.setdefault(code, mention.start)
    context = {}
    for marker, counter in scores.items():
        if counter:
            code = max(counter, key=lambda c: (counter[c], -first_seen[c]))
            region = gaz.regions[code]
            parent = gaz.regions.get(region.parent or "")
            # District names repeat across cities: 区民政局 is written out with its city.
            context[marker] = parent.name + region.name if marker == "区" and parent else region.name
    # The autonomous region of 自治区党委, 区党委 (written without its name in its own press).
    autonomous = [m.code[:2] for m in mentions if m.code[:2] in _AUTONOMOUS_REGIONS]
    if autonomous:
        context["自治区"] = gaz.regions[Counter(autonomous).most_common(1)[0][0] + "0000"].name
    return context


# Inner Mongolia, Guangxi, Tibet, Ningxia, Xinjiang: the first two digits of their codes.
_AUTONOMOUS_REGIONS = frozenset({"15", "45", "54", "64", "65"})
