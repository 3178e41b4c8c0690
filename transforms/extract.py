"""One article's text → normalized text and every amount, organization and region mention.

Offsets in the results point into the *original* text (as published); extraction itself runs
on the simplified, repaired text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from transforms.amounts import AmountMention, extract_amounts
from transforms.currency import LOCAL_CURRENCY
from transforms.gazetteer import load_gazetteer
from transforms.locale_guess import guess_locale
from transforms.normalize import NormalizedText, ScriptVariant, detect_script, normalize
from transforms.organizations import OrganizationMention, extract_organizations
from transforms.regions import RegionMention, extract_regions, region_context, with_roles

# Bump when extraction output changes, so the warehouse knows which mentions to replace.
EXTRACTOR_VERSION = "0.1.0"

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


def _to_original(mention: _M, normalized: NormalizedText) -> _M:
    start, end = normalized.original_span(mention.start, mention.end)
    s_start, s_end = normalized.original_span(mention.sentence_start, mention.sentence_end)
    surface = normalized.original[start:end]
    if isinstance(mention, AmountMention):
        return replace(mention, start=start, end=end, raw=surface, sentence_start=s_start, sentence_end=s_end)
    return replace(mention, start=start, end=end, surface=surface, sentence_start=s_start, sentence_end=s_end)


def extract_article(
    text: str,
    locale: str | None = "mainland",
    region_hint: dict[str, str] | None = None,
    plain_text: bool = False,
) -> ArticleExtraction:
    """Normalize ``text`` and extract its mentions.

    ``locale`` (mainland, hk, mo, tw; None: read it from the text) decides what a plain 元 means
    and which OpenCC phrase config applies; ``region_hint`` is the source's home region, used for
    short forms such as 省民政厅 when the article itself names no province; ``plain_text`` says
    the text is a whole page as plain text, whose furniture lines are skipped.
    """
    if locale is None:
        locale = guess_locale(text, detect_script(text))
    normalized = normalize(text, locale, plain_text=plain_text)
    simplified = normalized.simplified
    gazetteer = load_gazetteer()
    first_pass = extract_regions(simplified, gazetteer=gazetteer)
    context = {**(region_hint or {}), **region_context(first_pass, gazetteer)}
    organizations = extract_organizations(simplified, context, gazetteer.names())
    org_spans = [(o.start, o.end) for o in organizations]
    regions = with_roles(simplified, first_pass, org_spans)
    amounts = extract_amounts(simplified, LOCAL_CURRENCY.get(locale, "CNY"))
    return ArticleExtraction(
        variant=normalized.variant,
        locale=locale,
        simplified=simplified,
        amounts=tuple(_to_original(a, normalized) for a in amounts),
        organizations=tuple(_to_original(o, normalized) for o in organizations),
        regions=tuple(_to_original(r, normalized) for r in regions),
    )
