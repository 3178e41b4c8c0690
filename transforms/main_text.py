"""Where a page's main text is: the element (and its sibling blocks) holding the article.

No list of container tags: any element that is not inline text formatting is a block, so custom,
misspelled and namespaced elements (``<founder-content>``, ``<dvi>``, ``<o:p>``) and crawler
wrappers hold text like a ``<div>``.  Each block's own prose (Han characters outside links,
more for sentence punctuation) is credited to the block and its parent, and halved to its
grandparent; the best
block wins, and its siblings that also carry prose join it (government pages split one article
over several sibling blocks; folded pages put the text below "展开全文" in a second block).

Furniture (``<nav>``, ``<footer>``, class or id words such as ``menu``, ``share``, ``related``)
only discounts the prose inside it and is pruned from inside the chosen blocks; it never removes
an element outright.  So a page wrapped in one ``<form>`` (ASP.NET) or in a wrapper whose class
merely contains a furniture word is read like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

# Markup that never carries article text: dropped before anything is measured.
_NEVER_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "select",
    "option",
    "textarea",
    "button",
    "input",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "map",
    "head",
    "title",  # a <title> that a wrapper pushed into <body> is still not text of the page
)
_NEVER_TEXT_SET = frozenset(_NEVER_TEXT)
# Inline formatting: text inside it belongs to the block around it.
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "br",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
# Elements that are furniture by their tag.
_FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "menu"})
# Furniture words, matched against the tokens of class and id values (split at -, _, spaces and
# case changes), at a token's start or end: "topnav", "nav-bar", "footerLinks", but not "canvas"
# or "unavailable"; a word in the middle of a longer token ("mainnavigationwrapper") is not one.
_FURNITURE_WORDS = (
    "nav",
    "navbar",
    "navigation",
    "menu",
    "footer",
    "foot",
    "breadcrumb",
    "crumb",
    "share",
    "sharing",
    "related",
    "relate",
    "copyright",
    "sidebar",
    "side",
    "toolbar",
    "banner",
    "comment",
    "comments",
    "feedback",
    "pinglun",  # 评论 and 留言 in pinyin, as Chinese CMSes name their comment blocks
    "liuyan",
    "comm",
    "reply",
    "pager",
    "pagination",
    "paging",
    "links",
    "recommend",
    "hot",
    "rank",
    "ad",
    "ads",
    "advert",
    "login",
    "search",
    "tags",
    "popular",
)
_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_URLISH = re.compile(r"[/:?=&.]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_PUNCTUATION = re.compile(r"[，。！？；、：,.!?;]")
# Prose credit: a block needs this much to count at all; parents get half their children's.
_MIN_PROSE = 8
_GRANDPARENT_SHARE = 0.5
_SIBLING_SHARE = 0.25
_FURNITURE_DISCOUNT = 0.2
# Prose an element needs to be chosen over one inside furniture, or as a first post.
_MIN_BEST = 20.0
# How far above the best element a repeated post unit is looked for.
_POST_DEPTH = 10
_SIGNATURE_SCAN = 300  # nodes of a unit read for its signature
_DATED = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}")


def strip_non_text(soup: BeautifulSoup) -> None:
    """Drop scripts, styles and form controls: markup, never article text (comments are skipped
    wherever text is read)."""
    doomed = [node for node in soup.descendants if isinstance(node, Tag) and node.name in _NEVER_TEXT_SET]
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def class_tokens(tag: Tag) -> list[str]:
    values = [*tag.get("class", []), tag.get("id") or ""]
    tokens: list[str] = []
    for value in values:
        if not isinstance(value, str) or _URLISH.search(value):
            continue  # an id holding a URL (crawler wrappers) names nothing
        for word in re.split(r"[\s_\-:]+", value):
            parts = _TOKEN.findall(word)
            if len(parts) > 1:
                tokens.extend(part.lower() for part in parts)
            elif word:
                tokens.append(word.lower())
    return tokens


def is_furniture(tag: Tag) -> bool:
    """Whether an element is page furniture by its tag or its class and id words."""
    if tag.name in _FURNITURE_TAGS:
        return True
    return any(_furniture_token(token) for token in class_tokens(tag))


@lru_cache(maxsize=4096)
def _furniture_token(token: str) -> bool:
    for word in _FURNITURE_WORDS:
        if token == word:
            return True
        # Compounds: "topnav", "hotnews", "footerbox"; a longer token is some other word.
        room = 6 if len(word) >= 4 else 4
        compound = token.startswith(word) or token.endswith(word)
        if compound and len(word) >= 3 and len(token) <= len(word) + room:
            return True
    return False


@dataclass(slots=True)
class _Block:
    tag: Tag
    han: int = 0  # Han characters of the block's own text, outside links
    link_han: int = 0  # Han characters inside links
    punctuation: int = 0
    children: list[_Block] = field(default_factory=list)


def _is_block(tag: Tag) -> bool:
    return tag.name not in INLINE_TAGS


def _own_blocks(root: Tag) -> dict[int, _Block]:
    """Every block element with the text whose nearest block ancestor it is."""
    blocks: dict[int, _Block] = {}
    for string in root.find_all(string=True):
        if isinstance(string, Comment) or not isinstance(string, NavigableString):
            continue
        han = len(_HAN.findall(string))
        if not han and not _SENTENCE_PUNCTUATION.search(string):
            continue
        in_link = False
        owner: Tag | None = None
        for parent in string.parents:
            if parent.name == "a":
                in_link = True
            if _is_block(parent):
                owner = parent
                break
        if owner is None:
            continue
        block = blocks.get(id(owner))
        if block is None:
            block = blocks[id(owner)] = _Block(owner)
        if in_link:
            block.link_han += han
        else:
            block.han += han
            block.punctuation += len(_SENTENCE_PUNCTUATION.findall(string))
    return blocks


def _prose(block: _Block, discounted: bool) -> float:
    """How much article prose a block's own text is: Han outside links, punctuation as a sign of
    sentences, less for link-heavy blocks and blocks inside furniture."""
    if block.han < _MIN_PROSE and block.punctuation == 0:
        return 0.0
    total = block.han + block.link_han
    link_share = block.link_han / total if total else 0.0
    value = (block.han + 3 * block.punctuation) * (1 - link_share) ** 2
    return value * (_FURNITURE_DISCOUNT if discounted else 1.0)


def _inside_furniture(tag: Tag, cache: dict[int, bool]) -> bool:
    chain: list[Tag] = []
    answer = False
    node: Tag | None = tag
    while node is not None and node.name not in ("body", "html", "[document]"):
        if id(node) in cache:
            answer = cache[id(node)]
            break
        chain.append(node)
        if is_furniture(node):
            answer = True
            break
        node = node.parent
    for item in chain:
        cache[id(item)] = answer
    return answer


@dataclass(frozen=True, slots=True)
class MainText:
    blocks: list[Tag]  # the chosen element and its sibling blocks, in document order
    score: float


def find_main_text(root: Tag) -> MainText | None:
    """The element holding the most article prose, with the sibling blocks that continue it."""
    own = _own_blocks(root)
    furniture_cache: dict[int, bool] = {}
    scores: dict[int, float] = {}
    tags: dict[int, Tag] = {}
    for block in own.values():
        discounted = _inside_furniture(block.tag, furniture_cache)
        value = _prose(block, discounted)
        if not value:
            continue
        # A block's prose counts fully for itself and its parent, half for its grandparent: the
        # article's container, not its longest paragraph, wins.  Prose inside furniture (a
        # comment thread) credits nothing outside it, so it never lifts the post's wrapper.
        node: Tag | None = block.tag
        for share in (1.0, 1.0, _GRANDPARENT_SHARE):
            if node is None or node.name == "[document]":
                break
            if discounted and not _inside_furniture(node, furniture_cache):
                break
            scores[id(node)] = scores.get(id(node), 0.0) + value * share
            tags[id(node)] = node
            node = node.parent if isinstance(node.parent, Tag) else None
    if not scores:
        return None
    # Never an element inside furniture when the page has prose elsewhere: a long comment thread
    # under a short post is still the comments.
    outside = [key for key in scores if not _inside_furniture(tags[key], furniture_cache)]
    pool = outside if outside and max(scores[key] for key in outside) >= _MIN_BEST else list(scores)
    best = tags[max(pool, key=lambda key: scores[key])]
    best = _first_post(best, scores)
    return MainText(_with_siblings(best, scores), scores[id(best)])


def _signature(tag: Tag) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """What a repeated unit of a listing looks like: its tag, its classes and the classes inside."""
    inner: set[str] = set()
    for seen, node in enumerate(tag.descendants):
        if seen >= _SIGNATURE_SCAN:
            break
        if isinstance(node, Tag) and (classes := node.get("class")):
            inner.update(classes)
    return tag.name, tuple(tag.get("class", [])), frozenset(inner)


def _first_post(best: Tag, scores: dict[int, float]) -> Tag:
    """On a page listing several posts (a blog archive, a forum thread), the first post.

    A post is a unit repeated among its siblings with the same structure (same tag, classes and
    classes inside, at least one) and with a date of its own; when the best element sits in a
    later one, the best element of the first is taken instead: the newest post of an archive,
    the opening post of a thread."""
    node: Tag = best
    for _ in range(_POST_DEPTH):
        parent = node.parent
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
            return best
        signature = _signature(node)
        if signature[2]:
            units = [
                child
                for child in parent.children
                if isinstance(child, Tag) and child.name == node.name and _signature(child) == signature
            ]
            dated = len(units) >= 2 and all(_DATED.search(unit.get_text()) for unit in units)
            if dated and units[0] is not node:
                first = units[0]
                inside = [first, *first.find_all(True)]
                found = max(inside, key=lambda tag: scores.get(id(tag), 0.0))
                return found if scores.get(id(found), 0.0) >= _MIN_BEST else best
            if len(units) >= 2:
                return best  # the best element already is the first post, or these are not posts
        node = parent
    return best


def _with_siblings(best: Tag, scores: dict[int, float]) -> list[Tag]:
    """``best`` and the siblings around it that carry prose too (a split article).  When ``best``
    is the only text of the elements around it (a table alone in a ``<form>``), the siblings are
    looked for beside the outermost of them."""
    floor = scores[id(best)] * _SIBLING_SHARE
    anchor = best
    while isinstance(anchor.parent, Tag) and anchor.parent.name not in ("body", "html", "[document]"):
        texts = [
            child
            for child in anchor.parent.children
            if isinstance(child, Tag) and _HAN.search(child.get_text())
        ]
        if texts != [anchor]:
            break
        anchor = anchor.parent
    parent = anchor.parent
    if not isinstance(parent, Tag) or anchor.name in ("body", "html"):
        return [best]
    kept = [
        best if child is anchor else child
        for child in parent.children
        if isinstance(child, Tag)
        and (child is anchor or (scores.get(id(child), 0.0) >= floor and not is_furniture(child)))
    ]
    return kept


def next_block(block: Tag, depth: int = 4) -> Tag | None:
    """The element that follows ``block`` (or the element wrapping it, a few levels up) and
    carries prose: where a text that ends announcing something ("附：…如下：") continues."""
    node: Tag | None = block
    for _ in range(depth):
        if node is None or node.name in ("body", "html"):
            return None
        for sibling in node.next_siblings:
            if isinstance(sibling, Tag) and _HAN.search(sibling.get_text()):
                return None if is_furniture(sibling) else sibling
        node = node.parent if isinstance(node.parent, Tag) else None
    return None


def prune_furniture(blocks: list[Tag]) -> None:
    """Remove furniture and link lists from inside the chosen blocks (never the blocks, and never
    an element holding most of a block's text: that is a wrapper, whatever its class says)."""
    for block in blocks:
        stats = _TextStats(block)
        total = stats.han.get(id(block), 0)
        doomed: list[Tag] = []
        stack = [child for child in reversed(block.contents) if isinstance(child, Tag)]
        while stack:
            tag = stack.pop()
            if tag.name not in INLINE_TAGS or tag.name == "a":
                own = stats.han.get(id(tag), 0)
                if own * 2 <= total and (is_furniture(tag) or stats.is_link_list(tag)):
                    doomed.append(tag)
                    continue
            stack.extend(child for child in reversed(tag.contents) if isinstance(child, Tag))
        for tag in doomed:
            tag.decompose()


class _TextStats:
    """Han characters, Han inside links and link counts of every element under ``root``, from
    one pass over its text (instead of reading each element's text again)."""

    def __init__(self, root: Tag) -> None:
        self.han: dict[int, int] = {}
        self.linked: dict[int, int] = {}
        self.links: dict[int, int] = {}
        for node in root.descendants:
            if isinstance(node, Tag):
                if node.name == "a":
                    self._count_link(node, root)
                continue
            if type(node) is not NavigableString or not (count := len(_HAN.findall(node))):
                continue  # comments and doctypes are no text
            current = node.parent
            in_link = False
            while isinstance(current, Tag):
                in_link = in_link or current.name == "a"
                key = id(current)
                self.han[key] = self.han.get(key, 0) + count
                if in_link:
                    self.linked[key] = self.linked.get(key, 0) + count
                if current is root:
                    break
                current = current.parent

    def _count_link(self, link: Tag, root: Tag) -> None:
        current = link.parent
        while isinstance(current, Tag):
            self.links[id(current)] = self.links.get(id(current), 0) + 1
            if current is root:
                break
            current = current.parent

    def is_link_list(self, tag: Tag) -> bool:
        """A list or block of several links with little other text: related stories, a menu."""
        if tag.name not in _LIST_TAGS or self.links.get(id(tag), 0) < 3:
            return False
        total = self.han.get(id(tag), 0)
        return total > 0 and self.linked.get(id(tag), 0) / total > 0.6


_LIST_TAGS = frozenset({"ul", "ol", "dl", "div", "table", "tbody", "td"})


_CELL_MAX = 60


def _is_data_row(row: Tag) -> bool:
    """A row of a data table rather than of a page-layout table: several short cells and no
    paragraphs, line breaks or tables inside."""
    cells = row.find_all(["td", "th"], recursive=False)
    return (
        len(cells) >= 2
        and row.find(["p", "div", "table", "br", "ul"]) is None
        and all(len(cell.get_text(strip=True)) <= _CELL_MAX for cell in cells)
    )


def _row_text(row: Tag) -> str:
    # One line per row, cells apart, so that money columns whose unit is only in the header
    # (金额(万元)) can still be read.
    return " | ".join(" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"]))


def walk_lines(container: Tag) -> Iterator[str]:
    """Lines of text in document order: a new line at every block boundary and ``<br>``; a data
    table row is one line, its cells joined by `` | ``."""
    current: list[str] = []
    stack: list[tuple[object, bool]] = [(container, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if current:
                yield "".join(current)
                current = []
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment):
                current.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        if node.name == "br":
            if current:
                yield "".join(current)
                current = []
            continue
        if node.name == "tr" and _is_data_row(node):
            if current:
                yield "".join(current)
                current = []
            yield _row_text(node)
            continue
        block = _is_block(node)
        if block and current:
            yield "".join(current)
            current = []
        if block:
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))
    if current:
        yield "".join(current)
