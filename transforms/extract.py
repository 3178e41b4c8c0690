"""One article's text → normalized text and every amount, organization and region mention.

Offsets in the results point into the *original* text (as published); extraction itself runs
on the simplified, repaired text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from transforms.amounts import AmountMention, extract_amounts
from transforms.currency import LOCAL_CURRENCY
from transforms.gazetteer import Gazetteer, load_gazetteer
from transforms.locale_guess import guess_locale
from transforms.meaning import amount_meanings
from transforms.normalize import NormalizedText, ScriptVariant, detect_script, normalize
from transforms.organizations import (
    MINOR_PARTY_NAMES,
    OrganizationMention,
    extract_organizations,
    written_out,
)
from transforms.regions import RegionMention, extract_regions, region_context, with_roles

# Bump when extraction output changes, so the warehouse knows which mentions to replace.
EXTRACTOR_VERSION = "0.5.0"

_M = TypeVar("_M", AmountMention, OrganizationMention, RegionMention)


@dataclass(frozen=True, slots=True)
class ArticleExtraction:
    variant: ScriptVariant
    locale: str
    simplified: str
    amounts: tuple[AmountMention, ...]
    organizations: tuple[OrganizationMention, ...]
    regions: tuple[RegionMention, ...]
    extractor_version: str = EXTRACTOR_VERSION


def _all_to_original(mentions: Sequence[_M], normalized: NormalizedText) -> tuple[_M, ...]:
    if normalized.simplified is normalized.original:
        return tuple(mentions)  # nothing was edited: offsets and surfaces are the original's
    return tuple(_to_original(m, normalized) for m in mentions)


def _to_original(mention: _M, normalized: NormalizedText) -> _M:
    start, end = normalized.original_span(mention.start, mention.end)
    s_start, s_end = normalized.original_span(mention.sentence_start, mention.sentence_end)
    surface = normalized.original[start:end]
    # Built directly rather than with dataclasses.replace, which costs several times more here.
    if isinstance(mention, AmountMention):
        m = mention
        return AmountMention(  # type: ignore[return-value]
            start,
            end,
            surface,
            m.value,
            m.currency,
            m.qualifier,
            m.high,
            m.role,
            m.cumulative,
            m.conversion_of,
            s_start,
            s_end,
            m.restates,
            m.gift,
            m.giver,
            m.recipient,
        )
    if isinstance(mention, OrganizationMention):
        o = mention
        return OrganizationMention(  # type: ignore[return-value]
            start, end, surface, o.name, o.type, s_start, s_end, o.expanded_from_context, o.aliases
        )
    r = mention
    return RegionMention(  # type: ignore[return-value]
        start, end, surface, r.code, r.name, r.level, r.role, s_start, s_end
    )


_PUBLIC_BODIES = frozenset({"government", "party", "charity_federation", "red_cross"})
# Names registered as written: a company's district stays as its registration has it.
_NAMED_AS_REGISTERED = frozenset({"company", "bank", "media", "foundation"})
_OUTSIDE_MAINLAND = ("71", "81", "82")


def _leading_places(name: str, gazetteer: Gazetteer, known: set[str]) -> tuple[list[str], int]:
    """The places a name starts with (湖南省长沙市长沙县民政局 → 3 codes) and where they end.

    Each place must lie inside the one before it; among same-named places the article's own
    regions (``known``) win.  A short name with 州 (凉山州) is the autonomous prefecture.
    """
    codes: list[str] = []
    position = 0
    name_lengths = gazetteer.scanner.lengths  # every surface's length, by its first two characters
    while position < len(name):
        longest = min(len(name) - position, 12)
        for length in name_lengths.get(name[position : position + 2], ()):
            if length > longest:
                continue
            surface = name[position : position + length]
            candidates = gazetteer.by_surface.get(surface)
            if not candidates:
                continue
            if codes:
                candidates = tuple(c for c in candidates if codes[-1] in gazetteer.ancestors(c))
            # Only places the article itself is about: 新北 in 新北市政府 is not Changzhou's 新北区.
            candidates = tuple(c for c in candidates if c in known)
            if not candidates:
                continue
            chosen = next((c for c in candidates if c in known), candidates[0])
            end = position + length
            region = gazetteer.regions[chosen]
            if surface != region.name and region.name.endswith("州") and name[end : end + 1] == "州":
                end += 1
            elif surface != region.name and region.name.endswith("自治区") and name[end : end + 1] == "区":
                end += 1  # 广西区烟草专卖局: the autonomous region's short name with 区
            codes.append(chosen)
            position = end
            break
        else:
            break
    return codes, position


def _prefecture_written_out(name: str, codes: list[str], end: int, gazetteer: Gazetteer) -> str:
    """A name kept as written, but for a prefecture's short form with 州 before the rest
    (湘西州人民医院 → 湘西土家族苗族自治州人民医院)."""
    seat = gazetteer.regions[codes[-1]]
    written = name[:end]
    if seat.level == "city" and seat.name.endswith("州") and not written.endswith(seat.name):
        for short in seat.short_names:
            if written.endswith(short + "州"):
                return written[: -len(short) - 1] + seat.name + name[end:]
    return name


def seat_qualified_name(name: str, kind: str, gazetteer: Gazetteer, known: set[str]) -> str:
    """One canonical name for public bodies named after their seat, as the annotation guideline
    has it: the seat written in full (凉山州民政局 → 凉山彝族自治州民政局), only the lowest level
    kept (湖南省长沙县民政局 → 长沙县民政局) but a district with its city (鼓楼区民政局 → 福州市
    鼓楼区民政局), and a mainland 县政府 is its 人民政府.  Companies, banks, media and foundations
    keep their name as written (常州市新北区某某公司) but for a prefecture's short form with 州;
    other bodies named after a district take its city."""
    codes, end = _leading_places(name, gazetteer, known)
    if not codes or end >= len(name) or codes[-1].startswith(_OUTSIDE_MAINLAND):
        return name
    if name[end:] in MINOR_PARTY_NAMES:
        return name  # 珠海民盟: a party's branch as the press writes it, no body of that seat
    seat = gazetteer.regions[codes[-1]]
    parent = gazetteer.regions.get(seat.parent or "")
    district = seat.level == "county" and seat.name.endswith("区") and parent is not None
    if kind in _NAMED_AS_REGISTERED or (kind not in _PUBLIC_BODIES and not district):
        return _prefecture_written_out(name, codes, end, gazetteer)
    if kind not in _PUBLIC_BODIES:
        return parent.name + name[end - len(seat.name) :] if parent and len(codes) == 1 else name
    prefix = seat.name
    if district and parent is not None:
        prefix = parent.name + seat.name  # district names repeat across cities
    rest = name[end:]
    if rest == "政府" and not seat.code.startswith(_OUTSIDE_MAINLAND):
        rest = "人民政府"
    return prefix + rest


def with_meanings(
    text: str,
    amounts: Sequence[AmountMention],
    organizations: Sequence[OrganizationMention],
    regions: Sequence[RegionMention],
) -> list[AmountMention]:
    """The amounts with their role, cumulative flag, restatement, gift flag, giver and
    recipient as ``transforms.meaning`` reads them from the whole article."""
    meanings = amount_meanings(text, amounts, organizations, regions)
    return [
        AmountMention(
            a.start,
            a.end,
            a.raw,
            a.value,
            a.currency,
            a.qualifier,
            a.high,
            meaning.role,
            meaning.cumulative,
            a.conversion_of,
            a.sentence_start,
            a.sentence_end,
            meaning.restates,
            meaning.gift,
            meaning.giver,
            meaning.recipient,
        )
        for a, meaning in zip(amounts, meanings, strict=True)
    ]


def _one_name_per_body(
    organizations: list[OrganizationMention],
    gazetteer: Gazetteer,
    known: set[str],
    qualified: dict[tuple[str, str], str] | None = None,
) -> list[OrganizationMention]:
    """Forms of one body in an article (延边州慈善总会, 延边朝鲜族自治州慈善总会; 区工商联 and
    新北区工商联) share one official form: they take the longest one the article writes, a form
    expanded from context only when none is written."""
    qualified = {} if qualified is None else qualified  # (name, type) → its seat-qualified name
    official = {}
    for o in organizations:
        full = written_out(o.name)
        if (full, o.type) not in qualified:
            qualified[full, o.type] = seat_qualified_name(full, o.type, gazetteer, known)
        official[o.name] = qualified[full, o.type]
    best: dict[str, tuple[bool, int, str]] = {}
    for o in organizations:
        key = (not o.expanded_from_context, len(o.name), o.name)
        if key[:2] > best.get(official[o.name], (False, -1, ""))[:2]:
            best[official[o.name]] = key
    result = []
    for o in organizations:
        name = best[official[o.name]][2]
        if name != o.name:
            aliases = tuple(dict.fromkeys(a for a in (*o.aliases, o.name) if a != name))
            o = replace(o, name=name, aliases=aliases)
        result.append(o)
    return result


def extract_article(
    text: str,
    locale: str | None = "mainland",
    region_hint: dict[str, str] | None = None,
    plain_text: bool = False,
    *,
    normalized: NormalizedText | None = None,
) -> ArticleExtraction:
    """Normalize ``text`` and extract its mentions.

    ``locale`` (mainland, hk, mo, tw; None: read it from the text) decides what a plain 元 means
    and which OpenCC phrase config applies; ``region_hint`` is the source's home region, used for
    short forms such as 省民政厅 when the article itself names no province; ``plain_text`` says
    the text is a whole page as plain text, whose furniture lines are skipped.  ``normalized``:
    the caller's own ``normalize(text, locale, plain_text=plain_text)`` (the pipeline's parse
    step has it already), used instead of normalizing again; one of another text is ignored.
    """
    if locale is None:
        locale = guess_locale(text, detect_script(text))
    if normalized is None or normalized.original != text:
        normalized = normalize(text, locale, plain_text=plain_text)
    simplified = normalized.simplified
    gazetteer = load_gazetteer()
    first_pass = extract_regions(simplified, gazetteer=gazetteer)
    # The source's home province (a registry hint) stands for 省 when the article names none.
    hint = {"省": region_hint["province"]} if region_hint and region_hint.get("province") else {}
    context = {**hint, **region_context(first_pass, gazetteer)}
    known = {m.code for m in first_pass}
    organizations = []
    # An article names its bodies again and again: each (name, type) is qualified once.
    qualified: dict[tuple[str, str], str] = {}
    for o in extract_organizations(simplified, context, gazetteer.names(), locale):
        # The name stays as written; its seat written in full is an alias (新疆财政厅 →
        # 新疆维吾尔自治区财政厅), as is that of its written-out form (舟山市工商业联合会).
        official = []
        for n in (o.name, *o.aliases):
            if (n, o.type) not in qualified:
                qualified[n, o.type] = seat_qualified_name(n, o.type, gazetteer, known)
            official.append(qualified[n, o.type])
        aliases = tuple(dict.fromkeys(a for a in (*o.aliases, *official) if a != o.name))
        organizations.append(o if aliases == o.aliases else replace(o, aliases=aliases))
    organizations = _one_name_per_body(organizations, gazetteer, known, qualified)
    org_spans = [(o.start, o.end) for o in organizations]
    regions = with_roles(simplified, first_pass, org_spans)
    amounts = with_meanings(
        simplified,
        extract_amounts(simplified, LOCAL_CURRENCY.get(locale, "CNY"), cues=False),
        organizations,
        regions,
    )
    return ArticleExtraction(
        variant=normalized.variant,
        locale=locale,
        simplified=simplified,
        amounts=_all_to_original(amounts, normalized),
        organizations=_all_to_original(organizations, normalized),
        regions=_all_to_original(regions, normalized),
    )
