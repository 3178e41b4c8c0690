"""Which element of a page is the article's headline.

The first ``<h1>`` is often the site's logo or a section name, and ``<title>`` often carries the
site name too ("标题_频道_某某网") or only the site name.  So every heading-like element is a
candidate, scored by three independent signs: it agrees with ``<title>`` or ``og:title``, it
sits just before (or at the top of) the main text, and it is a heading (h1–h3, a class or id
saying title/headline).  Candidates in furniture (navigation, logo bars) or after the main text
(related stories) lose points.  A page with no heading at all falls back to ``<title>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from transforms.furniture import is_furniture_line
from transforms.main_text import is_furniture

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TAG_WEIGHT = {"h1": 3.0, "h2": 2.5, "h3": 2.0, "h4": 1.0, "h5": 0.5, "h6": 0.5}
_HEADLINE_CLASS = re.compile(r"title|subject|headline|heading|\bbt\b|biaoti|timu", re.I)
_LIKELY_TAGS = ("td", "th", "div", "b", "strong", "font", "span", "p", "center", "big")
# <title> segments: "标题_频道_网站", "网站-标题", "标题 | 网站".
TITLE_SPLIT = re.compile(r"\s*(?:[_|｜—–]{1,2}|\s-\s|--+|-(?=[^\s\d]))\s*")
# Labels some forums and CMSes print before the headline.
_LABEL = re.compile(r"^(?:主题|主題|标题|標題|题目|題目|文章标题)\s*[:：]\s*")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MAX_CHARS = 120
_SCAN_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Headline:
    text: str
    node: Tag | None  # None when the text comes from <title>


def _clean(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def title_segments(page_title: str) -> list[str]:
    return [part for part in TITLE_SPLIT.split(_clean(page_title)) if part]


def _agreement(text: str, references: list[str], segments: list[str]) -> float:
    """2 when ``text`` is the title (or a whole segment of it), 1 when one contains the other."""
    key = _key(text)
    if len(key) < 2:
        return 0.0
    for reference in references:
        ref = _key(reference)
        if not ref:
            continue
        if key == ref or any(key == _key(segment) for segment in segments):
            return 2.0
        if len(key) >= 4 and ref.startswith(key):
            return 2.0
        if len(key) >= 4 and key in ref:
            return 1.0
        if len(ref) >= 4 and ref in key and len(ref) * 2 >= len(key):
            return 1.0
    return 0.0


def _in_furniture(node: Tag) -> bool:
    return any(is_furniture(parent) for parent in [node, *node.parents] if isinstance(parent, Tag))


def find_headline(
    soup: BeautifulSoup,
    body_start: Tag | None,
    body_end: Tag | None,
    page_title: str,
    og_title: str,
) -> Headline | None:
    """The best headline candidate, or the <title>'s headline part when no element will do."""
    references = [t for t in (og_title, page_title) if t]
    segments = [s for ref in references for s in title_segments(ref)]
    order: dict[int, int] = {}
    for position, element in enumerate(soup.find_all(True, limit=_SCAN_LIMIT * 4)):
        order[id(element)] = position
    start = order.get(id(body_start)) if body_start is not None else None
    end = start
    if body_end is not None:
        last = body_end.find_all(True)
        end = order.get(id(last[-1]) if last else id(body_end), start)
    best: tuple[float, Tag, str] | None = None
    for node in soup.find_all([*_HEADING_TAGS, *_LIKELY_TAGS], limit=_SCAN_LIMIT):
        text = _LABEL.sub("", _clean(node.get_text(" ")))
        if not text or len(text) > _MAX_CHARS or (not _HAN.search(text) and len(text) < 4):
            continue
        heading = node.name in _HEADING_TAGS
        words = " ".join([*node.get("class", []), node.get("id", "") or ""])
        classed = bool(words and _HEADLINE_CLASS.search(words))
        agreement = _agreement(text, references, segments)
        if not (heading or classed or agreement):
            continue
        if is_furniture_line(text):
            continue
        if node.find(_HEADING_TAGS) is not None or (not heading and node.find(_LIKELY_TAGS) is not None):
            continue  # a wrapper of the headline, not the headline: its inner element is scored
        score = 4.0 * agreement + _TAG_WEIGHT.get(node.name, 0.0) + (1.5 if classed else 0.0)
        position = order.get(id(node))
        if start is not None and position is not None:
            if position <= start:
                gap = start - position
                score += 3.0 if gap <= 40 else 2.0 if gap <= 150 else 1.0 if gap <= 400 else 0.0
            elif end is not None and position <= end:
                score += 2.0  # inside the main text, at its top usually
            else:
                score -= 2.0  # after the article: a related story or a footer heading
        if _in_furniture(node):
            score -= 3.0
        if node.find_parent("a") is not None or (node.find("a") is not None and not agreement):
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, node, text)
    if best is not None and best[0] >= 3.0:
        return Headline(best[2], best[1])
    if segments:
        return Headline(max(segments[:2], key=len) if len(segments) > 1 else segments[0], None)
    if best is not None:
        return Headline(best[2], best[1])
    return None
