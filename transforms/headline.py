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
_HEADLINE_CLASS = re.compile(
    r"(?<!sub)(?<!sub[-_])(?<!pre)(?<!pre[-_])(?:title|subject|headline|heading|\bbt\b|biaoti|timu)", re.I
)
_LIKELY_TAGS = ("td", "th", "div", "b", "strong", "font", "span", "p", "center", "big")
_CANDIDATE_TAGS = (*_HEADING_TAGS, *_LIKELY_TAGS)
# <title> segments: "标题_频道_网站", "网站-标题", "标题 | 网站".
TITLE_SPLIT = re.compile(r"\s*(?:[_|｜—–»]{1,2}|--+|::|[>＞])\s*|\s*-\s+|\s+-\s*")
# Labels some forums and CMSes print before the headline.
_LABEL = re.compile(r"^(?:主题|主題|标题|標題|题目|題目|文章标题)\s*[:：]\s*")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MAX_CHARS = 120
_SCAN_LIMIT = 4000
_NEAR_BEFORE, _NEAR_AFTER = 300, 40


@dataclass(frozen=True, slots=True)
class Headline:
    text: str
    node: Tag | None  # None when the text comes from <title>


_DATE_LIKE = re.compile(r"[\d\s:：/.\-年月日时分秒]+")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


def _clean(text: str) -> str:
    """Whitespace collapsed; private-use characters (a font's icons after GB18030 decoding) out."""
    return " ".join(_PRIVATE_USE.sub("", text).replace("\u3000", " ").split())


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def title_segments(page_title: str) -> list[str]:
    return [part for part in TITLE_SPLIT.split(_clean(page_title)) if part]


def _agreement(text: str, references: list[str]) -> float:
    """How well ``text`` agrees with ``<title>`` or ``og:title``: 2 when it is the whole title
    or its first part ("标题_频道_网站"), 1 when it is another part (the site name is one) or
    when one contains the other."""
    key = _key(text)
    if len(key) < 2:
        return 0.0
    best = 0.0
    for reference in references:
        ref = _key(reference)
        parts = [_key(part) for part in title_segments(reference)]
        if not ref:
            continue
        if key == ref or (parts and key == parts[0]) or (len(key) >= 4 and ref.startswith(key)):
            return 2.0
        if (
            key in parts[1:]
            or (len(key) >= 4 and key in ref)
            or (len(ref) >= 4 and ref in key and len(ref) * 2 >= len(key))
        ):
            best = 1.0
    return best


def _has_headline_class(node: Tag) -> bool:
    words = " ".join([*node.get("class", []), node.get("id", "") or ""])
    return bool(words and _HEADLINE_CLASS.search(words))


def _prominent(node: Tag) -> bool:
    """Set apart as a headline by its look: bold, big or centred (pages without heading tags)."""
    if node.name in ("b", "strong", "big", "center"):
        return True
    if node.name == "font" and str(node.get("size", "")).lstrip("+").isdigit():
        return int(str(node.get("size")).lstrip("+")) >= 3
    style = str(node.get("style", "")).lower().replace(" ", "")
    size = re.search(r"font-size:(\d+)(px|pt)", style)
    if size and int(size.group(1)) >= (16 if size.group(2) == "px" else 12):
        return True
    return "font-weight:bold" in style or str(node.get("align", "")).lower() == "center"


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
    for node in soup.find_all(_CANDIDATE_TAGS, limit=_SCAN_LIMIT):
        position = order.get(id(node))
        # Look-alike headlines (bold, centred, a td) only count near the top of the body.
        far = (
            start is not None
            and position is not None
            and not start - _NEAR_BEFORE <= position <= start + _NEAR_AFTER
        )
        if node.name not in _HEADING_TAGS and far and not _has_headline_class(node):
            continue
        raw = _clean(node.get_text(" "))
        text = _LABEL.sub("", raw).strip(" -_|｜")
        if not text or len(text) > _MAX_CHARS or (not _HAN.search(text) and len(text) < 4):
            continue
        parent = node.parent
        if isinstance(parent, Tag) and parent.name in _CANDIDATE_TAGS and _clean(parent.get_text(" ")) == raw:
            continue  # the outermost element with this text is scored, with its inner elements' marks
        chain = [node, *(inner for inner in node.find_all(True) if _clean(inner.get_text(" ")) == raw)]
        heading_tags = [n.name for n in chain if n.name in _HEADING_TAGS]
        heading = bool(heading_tags)
        words = " ".join(w for n in chain for w in [*n.get("class", []), n.get("id", "") or ""])
        classed = bool(words and _HEADLINE_CLASS.search(words))
        agreement = _agreement(text, references)
        prominent = any(_prominent(n) for n in chain)
        if not (heading or classed or agreement or prominent) or text.endswith((":", "：")):
            continue
        if _DATE_LIKE.fullmatch(text):
            continue
        if is_furniture_line(text):
            continue
        score = 2.5 * agreement + max((_TAG_WEIGHT[name] for name in heading_tags), default=0.0)
        score += 1.5 if classed else 0.0
        score += 1.0 if prominent else 0.0
        if start is not None and position is not None:
            if position <= start:
                score += 3.0 / (1 + (start - position) / 20)  # the nearer above the body, the better
            elif end is not None and position <= end:
                gap = position - start  # inside the main text: a headline at its top, else a line
                score += 2.0 / (1 + gap / 20) if gap <= 12 else -1.0
            else:
                score -= 2.0  # after the article: a related story or a footer heading
        elif prominent and not (heading or classed or agreement):
            continue
        if _in_furniture(node):
            score -= 3.0
        if node.find_parent("a") is not None or (node.find("a") is not None and not agreement):
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, node, text)
    if best is not None and best[0] >= 3.0:
        return Headline(best[2], best[1])
    if segments:  # "标题_频道_网站" or "网站-标题": of the first two, the one with more Han
        return Headline(max(segments[:2], key=lambda part: len(_HAN.findall(part))), None)
    if best is not None:
        return Headline(best[2], best[1])
    return None
