"""Regions: one Aho–Corasick pass over the gazetteer, then ambiguity resolved from context.

A surface such as 鼓楼区 names districts in several cities; the code chosen is the one whose
parent or province also appears in the article.  A county's short form (长沙 for 长沙县) counts
only when its city or province is named too; otherwise the short form is read as the city.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from transforms.gazetteer import Gazetteer, Level, load_gazetteer
from transforms.sentences import clause_bounds, sentence_bounds

RegionRole = Literal["seat", "beneficiary", "mention"]

# Words in the clause before a region that make it the place an aid project serves.
_BENEFICIARY_CUE = re.compile(
    r"向|为|给|援助|帮扶|支援|驰援|资助|受助|捐赠给|对口|用于|惠及|覆盖|赴|前往|走进|落地"
)


@dataclass(frozen=True, slots=True)
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
    hits = []
    for end_index, (surface, codes) in gazetteer.automaton.iter(text):
        start = end_index - len(surface) + 1
        hits.append((start, end_index + 1, surface, codes))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, str, tuple[str, ...]]] = []
    last_end = -1
    for hit in hits:
        if hit[0] >= last_end:
            chosen.append(hit)
            last_end = hit[1]
    return chosen


def _resolve(codes: tuple[str, ...], surface: str, context: Counter[str], gazetteer: Gazetteer) -> str | None:
    if len(codes) == 1:
        code = codes[0]
        region = gazetteer.regions[code]
        is_short = surface != region.name
        # 长沙 alone is the city; a county short form needs its parent named nearby.
        if is_short and region.level == "county" and not any(context[a] for a in gazetteer.ancestors(code)):
            return None
        return code
    scored = []
    for code in codes:
        ancestors = gazetteer.ancestors(code)
        support = sum(context[a] for a in ancestors)
        level_rank = {"province": 0, "city": 1, "county": 2}[gazetteer.regions[code].level]
        full = gazetteer.regions[code].name == surface
        scored.append((support, full, -level_rank, code))
    scored.sort(reverse=True)
    best, runner_up = scored[0], scored[1]
    if best[:3] == runner_up[:3]:
        return None  # same district name in two cities and nothing to tell them apart
    if best[0] == 0 and gazetteer.regions[best[3]].level == "county":
        return None
    return best[3]


def _role(text: str, start: int, end: int, org_spans: Sequence[tuple[int, int]]) -> RegionRole:
    if any(s <= start and end <= e for s, e in org_spans):
        return "seat"
    clause_start, _ = clause_bounds(text, start)
    if _BENEFICIARY_CUE.search(text[clause_start:start]):
        return "beneficiary"
    return "mention"


def extract_regions(
    text: str,
    org_spans: Sequence[tuple[int, int]] = (),
    gazetteer: Gazetteer | None = None,
) -> list[RegionMention]:
    """Region mentions in text order; ``org_spans`` mark organization names (seat regions)."""
    gaz = gazetteer or load_gazetteer()
    hits = _candidates(text, gaz)
    # Context: every unambiguous hit, and the ancestors it implies.
    context: Counter[str] = Counter()
    for _, _, _, codes in hits:
        if len(codes) == 1:
            context[codes[0]] += 1
            for ancestor in gaz.ancestors(codes[0]):
                context[ancestor] += 1
    mentions = []
    for start, end, surface, codes in hits:
        code = _resolve(codes, surface, context, gaz)
        if code is None:
            continue
        region = gaz.regions[code]
        s_start, s_end = sentence_bounds(text, start)
        mentions.append(
            RegionMention(
                start,
                end,
                surface,
                code,
                region.name,
                region.level,
                _role(text, start, end, org_spans),
                s_start,
                s_end,
            )
        )
    return mentions


def with_roles(
    text: str, mentions: Sequence[RegionMention], org_spans: Sequence[tuple[int, int]]
) -> list[RegionMention]:
    """The same mentions with roles recomputed once organization spans are known (seats)."""
    return [replace(m, role=_role(text, m.start, m.end, org_spans)) for m in mentions]


def region_context(mentions: Sequence[RegionMention], gazetteer: Gazetteer | None = None) -> dict[str, str]:
    """The article's main province, city and county: what 省/市/县 short forms refer to."""
    gaz = gazetteer or load_gazetteer()
    votes: dict[str, Counter[str]] = {"province": Counter(), "city": Counter(), "county": Counter()}
    for mention in mentions:
        votes[mention.level][mention.code] += 1
        for ancestor in gaz.ancestors(mention.code):
            votes[gaz.regions[ancestor].level][ancestor] += 1
    return {
        level: gaz.regions[counter.most_common(1)[0][0]].name for level, counter in votes.items() if counter
    }
