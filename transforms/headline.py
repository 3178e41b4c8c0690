"""Which element of a page is the article's headline.

The first ``<h1>`` is often the site's logo or a section name, and ``<title>`` often carries the
site name too ("标题_频道_某某网", "Site - 标题") or only the site name.  So every heading-like
element is a candidate, scored by three independent signs: it agrees with ``<title>``'s headline
part or ``og:title``, it sits just before (or at the top of) the main text, and it looks like a
heading (h1–h3, a class or id saying title, a "主题：" label, bold, big or coloured type).
Candidates in furniture, in the page's header or logo, or after the main text (related stories)
lose points.  When nothing near the body agrees with ``<title>`` (it is only the site name), the
heading-like line above the body wins with less; a page with no heading falls back to ``<title>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

from transforms.furniture import is_furniture_line
from transforms.main_text import class_tokens, is_furniture

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TAG_WEIGHT = {"h1": 3.0, "h2": 2.5, "h3": 2.0, "h4": 1.0, "h5": 0.5, "h6": 0.5}
_HEADLINE_CLASS = re.compile(
    r"(?<!sub)(?<!sub[-_])(?<!pre)(?<!pre[-_])(?:title|subject|headline|heading|\bbt\b|biaoti|timu)", re.I
)
_LIKELY_TAGS = ("td", "th", "div", "b", "strong", "font", "span", "p", "center", "big")
_CANDIDATE_TAGS = (*_HEADING_TAGS, *_LIKELY_TAGS)
_CANDIDATE_SET = frozenset(_CANDIDATE_TAGS)
# Elements that hold no text of their own: not counted when asking what an element wraps.
_EMPTY_TAGS = frozenset({"img", "br", "hr", "spacer", "wbr"})
# <title> segments: "标题_频道_网站", "网站-标题", "标题 | 网站".
TITLE_SPLIT = re.compile(r"\s*(?:[_|｜—–»]{1,2}|--+|::|[>＞])\s*|\s*-\s+|\s+-\s*")
# Labels some forums and CMSes print before the headline.
_LABEL = re.compile(r"^(?:主题|主題|标题|標題|题目|題目|文章标题)\s*[:：]\s*")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MAX_CHARS = 120
_HEADLINE_PART_MIN = 6
# Marks some pages print before a heading (a bullet, a level sign): not part of it.
_BULLETS = "*@#$&·•◆◇■□●○▲△►▶→~"
# Class and id words of a page's own header: a heading there is the site's name.
_MASTHEAD_WORDS = frozenset({"header", "head", "logo", "masthead", "brand", "sitename", "topbar"})
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


def headline_part(page_title: str) -> str:
    """The part of ``<title>`` that is the headline: its first segment ("标题_频道_网站"), or the
    second when the first has less than half its Han characters ("Site - 标题", "某网 - 长标题");
    none when the one chosen is as short as a site or channel name ("通知公告 - 某某会")."""
    segments = title_segments(page_title)
    if len(segments) <= 1:
        return segments[0] if segments else ""
    first, second = segments[0], segments[1]
    best = second if len(_HAN.findall(first)) * 2 < len(_HAN.findall(second)) else first
    return best if len(_key(best)) >= _HEADLINE_PART_MIN else ""


def _agreement(text: str, references: list[str]) -> float:
    """How well ``text`` agrees with ``<title>`` or ``og:title``: 2 when it is the whole title or
    its headline part; between 0.5 and 1.5 when one contains the other, by how much of the longer
    it covers (a site or channel name inside the title covers little); 0.5 when it is another
    segment (the site name is one)."""
    key = _key(text)
    if any(key == _key(reference) for reference in references):
        return 2.0  # the whole title, however short ("1", a chapter number)
    if len(key) < 2:
        return 0.0
    best = 0.0
    for reference in references:
        ref = _key(reference)
        if not ref:
            continue
        head = _key(headline_part(reference)) or ref
        if key in (ref, head):
            return 2.0
        if len(key) >= 4 and key in ref:
            whole = head if key in head else ref
            best = max(best, 0.5 + len(key) / max(len(whole), len(key)))
        elif len(head) >= 4 and head in key and len(head) * 2 >= len(key):
            best = max(best, 0.5 + len(head) / len(key))
        elif key in (_key(part) for part in title_segments(reference)):
            best = max(best, 0.5)
    return min(best, 1.5)


def _has_headline_class(node: Tag) -> bool:
    words = " ".join([*node.get("class", []), node.get("id", "") or ""])
    return bool(words and _HEADLINE_CLASS.search(words))


def _look(node: Tag) -> float:
    """How much a headline's look sets it apart (pages without heading tags): 1 for bold,
    centred or coloured, 2 for big type."""
    if node.name == "big":
        return 2.0
    if node.name in ("b", "strong", "center"):
        return 1.0
    look = 0.0
    if node.name == "font":
        size = str(node.get("size", "")).lstrip("+")
        if size.isdigit() and int(size) >= 3:
            return 2.0 if int(size) >= 4 else 1.0
        look = 1.0 if node.get("color") else 0.0
    style = str(node.get("style", "")).lower().replace(" ", "")
    if style:
        size_match = re.search(r"font-size:(\d+)(px|pt)", style)
        if size_match and int(size_match.group(1)) >= (16 if size_match.group(2) == "px" else 12):
            return 2.0 if int(size_match.group(1)) >= (18 if size_match.group(2) == "px" else 14) else 1.0
        if "font-weight:bold" in style:
            look = 1.0
    if str(node.get("align", "")).lower() == "center":
        look = 1.0
    return look


def _short_text(node: Tag, limit: int) -> str | None:
    """The node's text, or None as soon as it is longer than ``limit`` (a container, not a
    headline): bounded work on big table cells."""
    pieces: list[str] = []
    size = 0
    for item in node.descendants:
        if type(item) is NavigableString:
            pieces.append(item)
            size += len(item)
            if size > limit:
                return None
    return " ".join(pieces)


def _meaningful_children(node: Tag) -> list[Tag | NavigableString]:
    return [
        child
        for child in node.children
        if (type(child) is NavigableString and child.strip())
        or (isinstance(child, Tag) and child.name not in _EMPTY_TAGS)
    ]


def _chain(node: Tag) -> list[Tag]:
    """``node`` and the elements nested in it that hold all its text (``<td><b><font>…``)."""
    chain = [node]
    while True:
        children = _meaningful_children(chain[-1])
        if len(children) != 1 or not isinstance(children[0], Tag):
            return chain
        chain.append(children[0])


def _wraps_only(parent: Tag, node: Tag) -> bool:
    """Whether ``parent`` holds nothing but ``node`` (the outermost of the two is scored)."""
    children = _meaningful_children(parent)
    return len(children) == 1 and children[0] is node


@dataclass(slots=True)
class _Place:
    """Where the body is in document order, and which elements are in furniture or links."""

    order: dict[int, int]
    start: int | None
    end: int | None
    furniture: dict[int, bool]

    def in_furniture_or_link(self, node: Tag) -> tuple[bool, bool]:
        furniture = link = False
        chain: list[Tag] = []
        for parent in [node, *node.parents]:
            if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
                break
            if parent.name == "a":
                link = True
            if id(parent) in self.furniture:
                furniture = furniture or self.furniture[id(parent)]
                if furniture:
                    break
                continue
            chain.append(parent)
            if is_furniture(parent):
                furniture = True
                break
        for item in chain:
            self.furniture.setdefault(id(item), furniture)
        return furniture, link


def _place(soup: BeautifulSoup, body_start: Tag | None, body_end: Tag | None) -> tuple[_Place, list[Tag]]:
    order: dict[int, int] = {}
    candidates: list[Tag] = []
    position = 0
    for element in soup.descendants:
        if isinstance(element, Tag):
            order[id(element)] = position
            position += 1
            if element.name in _CANDIDATE_SET and len(candidates) < _SCAN_LIMIT:
                candidates.append(element)
    start = order.get(id(body_start)) if body_start is not None else None
    end = start
    if body_end is not None:
        last = body_end
        while True:
            tags = [child for child in last.children if isinstance(child, Tag)]
            if not tags:
                break
            last = tags[-1]
        end = order.get(id(last), start)
    return _Place(order, start, end, {}), candidates


def find_headline(
    soup: BeautifulSoup,
    body_start: Tag | None,
    body_end: Tag | None,
    page_title: str,
    og_title: str,
) -> Headline | None:
    """The best headline candidate, or the <title>'s headline part when no element will do.

    When no element near the body agrees with ``<title>`` (a title that is only the site name,
    "显示", "欢迎访问某某网"), a headline-like line just above or at the top of the body needs
    less to win than when the title could be read instead."""
    references = [t for t in (og_title, page_title) if t]
    place, candidates = _place(soup, body_start, body_end)
    start, end = place.start, place.end
    best: tuple[float, Tag, str] | None = None
    best_agreement = 0.0
    title_seen = False
    for node in candidates:
        position = place.order.get(id(node))
        near = start is None or position is None or start - _NEAR_BEFORE <= position <= start + _NEAR_AFTER
        # Look-alike headlines (bold, centred, a td) only count near the top of the body.
        if node.name not in _HEADING_TAGS and not near and not _has_headline_class(node):
            continue
        parent = node.parent
        if isinstance(parent, Tag) and parent.name in _CANDIDATE_SET and _wraps_only(parent, node):
            continue  # the outermost element with this text is scored, with its inner elements' marks
        content = _short_text(node, _MAX_CHARS * 2)
        if content is None:
            continue
        raw = _clean(content)
        text = _LABEL.sub("", raw).strip(" -_|｜").lstrip(_BULLETS).strip()
        labelled = bool(text) and _LABEL.match(raw) is not None
        whole_title = bool(text) and any(_key(text) == _key(ref) for ref in references)
        too_short = not _HAN.search(text) and len(text) < 4 and not whole_title
        if not text or len(text) > _MAX_CHARS or too_short:
            continue
        chain = _chain(node)
        heading_tags = [n.name for n in chain if n.name in _HEADING_TAGS]
        heading = bool(heading_tags)
        classed = any(_has_headline_class(n) for n in chain)
        agreement = _agreement(text, references)
        look = max(_look(n) for n in chain)
        if not (heading or classed or agreement or look or labelled) or text.endswith((":", "：")):
            continue
        if (_DATE_LIKE.fullmatch(text) and not whole_title) or is_furniture_line(text):
            continue
        score = 2.5 * agreement + max((_TAG_WEIGHT[name] for name in heading_tags), default=0.0)
        score += 1.5 if classed or labelled else 0.0
        score += look
        top = False  # above the body or at its top: where a headline sits
        if start is not None and position is not None:
            if position <= start:
                score += 3.0 / (1 + (start - position) / 20)  # the nearer above the body, the better
                top = True
            elif end is not None and position <= end:
                gap = position - start  # inside the main text: a headline at its top, else a line
                top = gap <= 12
                score += 2.0 / (1 + gap / 20) if top else -1.0
            else:
                score -= 2.0  # after the article: a related story or a footer heading
        elif look and not (heading or classed or agreement or labelled):
            continue
        furniture, in_link = place.in_furniture_or_link(node)
        if furniture:
            score -= 3.0
        elif _in_masthead(node):
            score -= 2.0  # the site's own name in its logo or header bar
        elif agreement >= 1.0 and near:
            title_seen = True
        if in_link or (not agreement and _has_link(node)):
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, node, text)
            best_agreement = agreement if top else -1.0
    if best is not None and (best[0] >= 3.0 or (not title_seen and best_agreement == 0.0 and best[0] >= 2.0)):
        return Headline(best[2], best[1])
    if references and (part := headline_part(references[-1]) or (title_segments(references[-1]) or [""])[0]):
        return Headline(part, None)
    if best is not None:
        return Headline(best[2], best[1])
    return None


def _in_masthead(node: Tag) -> bool:
    """Inside the page's header or logo (``<header>``, ``id="header"``, ``class="logo"``)."""
    for parent in [node, *node.parents]:
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
            return False
        if parent.name == "header" or any(word in _MASTHEAD_WORDS for word in class_tokens(parent)):
            return True
    return False


def _has_link(node: Tag) -> bool:
    return any(isinstance(item, Tag) and item.name == "a" for item in node.descendants)
