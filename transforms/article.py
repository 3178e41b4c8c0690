"""HTML page → article: title, publication date, main text, source line.

Pure: bytes and headers in, a frozen ``Article`` out, or ``PageError`` saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup, NavigableString, Tag

from transforms.dates import (
    date_from_url,
    find_published,
    has_publish_label,
    last_date,
    month_day_with_year,
    parse_date,
    year_from_url,
)
from transforms.encoding import decode_page
from transforms.furniture import furniture_flags
from transforms.headline import Headline, find_headline
from transforms.main_text import find_main_text, next_block, prune_furniture, strip_non_text, walk_lines

_SOURCE_LINE = re.compile(r"(?:来源|來源|稿源)[:：]\s*([^\s|丨/　]+)")
_AUTHOR_LINE = re.compile(r"(?:作者|记者|記者|撰文)[:：]\s*([^\s|丨/　()（）]{2,20})")
_CAPTION_MAX = 40
_CAPTION_GAP = 3  # a caption repeated within this many lines is one caption
# A labelled field ("地 点：…", "主持人：…"): repeated in agendas and forms, never a caption.
_FIELD = re.compile(r"^[^\s：:，。]{1,5}(?: [^\s：:，。]{1,3})?[：:]")
# Where a page repeats its headline at the top of the body, and what ends a prefix before it.
_REPEAT_LINES = 3
_PREFIX_ENDS = frozenset("：:]】》|｜")
# A last line that announces what follows: "如下：", "附：招生专业目录", "附件1：".
_ANNOUNCES = re.compile(r"[:：]$|^附(?:件|表|录)?\s*\d*\s*[:：]")
# A byline before the first paragraph: "文：某某", "作者：某某", "文/图 某某", "本报记者 某某".
_BYLINE = re.compile(
    r"^[(（]?(?:(?:文|作者|撰文)\s*[:：/]|(?:文/图|图/文|(?:本报|本報)?(?:记者|記者|通讯员|通訊員))\s*[:：/]?)\s*"
    r"[^\s，。：:；;]{2,8}(?:[ 、，,][^\s，。：:；;]{2,8}){0,3}[)）]?$"
)
# An English date line (blog templates in the en-US locale): "Saturday, September 10th, 2005 10:56 am".
_ENGLISH_DATE_LINE = re.compile(
    r"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?:\s*(?:@|at)?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)?$",
    re.I,
)
_BEFORE_SPAN = 80  # characters before a headline where a post header's date sits
_BYLINE_MAX = 60  # a text piece this short holding a date is a date line, not a sentence
_SENTENCE = re.compile(r"[，。！？；,!?;]")
# A line that is only a date (with a label, time or weekday): a date line, not article text.
_DATE_ONLY = re.compile(
    r"^[(（\[]?\s*(?:[^\s\d]{2,4}[:：]\s*)?\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?\s*(?:星期.|週.|周.)?\s*[)）\]]?$"
)
# Publication date in structured metadata: (attribute, value) of <meta>, most specific first.
_META_DATES = (
    ("property", "article:published_time"),
    ("itemprop", "datepublished"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish_date"),
)


class PageError(ValueError):
    """A page that does not yield an article, with the reason."""


@dataclass(frozen=True, slots=True)
class Selectors:
    title: str | None = None
    date: str | None = None
    body: str | None = None
    source: str | None = None  # the source/author line (来源：… 作者：…)


@dataclass(frozen=True, slots=True)
class Article:
    url: str
    title: str
    published: datetime | None
    body: str  # paragraphs separated by "\n"
    source_line: str | None
    encoding: str
    replacement_chars: int  # U+FFFD produced by decoding: a sign of a wrong or mixed encoding
    author: str | None = None  # 作者/记者 on the date line

    @property
    def text(self) -> str:
        """What extraction reads: the title, then the body (the body alone on a page with no
        headline)."""
        return f"{self.title}\n{self.body}" if self.title else self.body


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode with the HTTP charset, then a BOM, then ``<meta>``, then detection.

    GB2312/GBK are read as GB18030 and Big5 as Big5-HKSCS (their supersets), as browsers do.
    """
    page = decode_page(body, content_type)
    return page.text, page.encoding


def _clean(text: str) -> str:
    """Whitespace collapsed; U+FFFD (bytes the page's encoding could not decode, counted in
    ``replacement_chars``) left out: it is no character of the text."""
    return re.sub(r"[ \t\r\f\v\xa0\u3000]+", " ", text.replace("\ufffd", "")).strip()


def _paragraphs(blocks: list[Tag]) -> list[str]:
    """The blocks' lines, page furniture (menus, share bars, copyright lines) left out."""
    lines = [line for block in blocks for line in map(_clean, walk_lines(block)) if line]
    return [line for line, furniture in zip(lines, furniture_flags(lines), strict=True) if not furniture]


def _drop_repeats(lines: list[str], title: str) -> list[str]:
    """Lines that belong to the page around the report, not to it: the headline repeated inside
    the body, date and byline lines before the first paragraph, and photo captions printed twice close
    together (under the photo and again in a gallery strip): both copies go.  A short line that
    recurs further apart (a venue in an agenda, a section name in a contents list) is text and
    is kept each time."""
    places: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        places.setdefault(line, []).append(index)
    kept: list[str] = []
    headline = _headline_key(title)
    for index, line in enumerate(lines):
        if headline and _headline_key(line) == headline:
            continue
        near = places[line]
        caption = len(near) > 1 and len(line) <= _CAPTION_MAX and not _FIELD.match(line)
        if caption and any(0 < abs(index - other) <= _CAPTION_GAP for other in near):
            continue
        leading = _DATE_ONLY.match(line) or _ENGLISH_DATE_LINE.match(line) or _BYLINE.match(line)
        if not kept and (leading or _is_date_line(line)):
            continue
        kept.append(line)
    return kept


def _headline_key(text: str) -> str:
    """A headline as compared with a body line: spaces and trailing dashes or bars ("标题- -") out."""
    return re.sub(r"\s+", "", text).strip("-_|｜")


def _headline_proper(title: str, lines: list[str]) -> str:
    """The headline without what a page prints before it (an author "某某：", a category tag
    "[栏目]"): when the body opens by repeating the headline's end, after such a separator, that
    repeat is the headline proper."""
    for line in lines[:_REPEAT_LINES]:
        if len(line) >= 4 and line != title and title.endswith(line):
            prefix = title[: -len(line)].rstrip()
            if prefix and prefix[-1] in _PREFIX_ENDS:
                return line
    return title


def _is_date_line(line: str) -> bool:
    """A byline or date line before the first paragraph: short, holding a date, no sentence."""
    return len(line) <= _CAPTION_MAX and parse_date(line) is not None and not _SENTENCE.search(line)


def _text_after(node: Tag, limit: int = 400) -> str:
    """Text right after the headline, where the date line of an article sits."""
    pieces: list[str] = []
    size = 0
    for string in node.next_elements:
        if type(string) is not NavigableString:
            continue
        pieces.append(str(string))
        size += len(string)
        if size >= limit:
            break
    return " ".join(pieces)


def _byline_date(node: Tag, limit: int = 400) -> datetime | None:
    """The date of the first date line after the headline: a short piece of text or one with a
    publish label (2024-05-21 08:30 来源：…), not a date inside a sentence of the text."""
    previous = ""
    size = 0
    for string in node.next_elements:
        if type(string) is not NavigableString:
            continue
        piece = _clean(str(string))
        if piece:
            short_line = len(piece) <= _BYLINE_MAX and not _SENTENCE.search(piece)
            byline = short_line or has_publish_label(piece)
            dated = byline and any(ch.isdigit() for ch in piece)
            if dated and (found := find_published(f"{previous} {piece}")):
                return found
            previous = piece
            size += len(piece)
        if size >= limit:
            break
    return None


def _text_before(node: Tag, limit: int = _BEFORE_SPAN) -> str:
    """Text right before the headline, nearest last."""
    pieces: list[str] = []
    size = 0
    for string in node.previous_elements:
        if type(string) is not NavigableString:
            continue
        pieces.append(str(string))
        size += len(string.strip())
        if size >= limit:
            break
    return " ".join(reversed(pieces))[-limit * 2 :]


def _meta_values(soup: BeautifulSoup) -> dict[tuple[str, str], str]:
    """``<meta>`` contents by (attribute, lower-cased name) and the first ``<time datetime>``,
    read in one pass over the page."""
    found: dict[tuple[str, str], str] = {}
    for node in soup.descendants:
        if not isinstance(node, Tag) or node.name not in ("meta", "time"):
            continue
        if node.name == "time":
            if isinstance(value := node.get("datetime"), str):
                found.setdefault(("time", ""), value)
            continue
        if not isinstance(content := node.get("content"), str) or not content.strip():
            continue
        for attribute in ("property", "itemprop", "name"):
            if isinstance(key := node.get(attribute), str):
                found.setdefault((attribute, key.lower()), content)
    return found


def parse_article(
    url: str, body: bytes, content_type: str | None = None, selectors: Selectors | None = None
) -> Article:
    """Parse one article page; raises ``PageError`` when no main text is found (a page with an
    article always gives one, with the best headline it has, or none)."""
    sel = selectors or Selectors()
    decoded = decode_page(body, content_type)
    html, encoding = decoded.text, decoded.encoding
    soup = BeautifulSoup(html, "lxml")
    page_title = _clean(soup.title.get_text(" ")) if soup.title else ""
    metas = _meta_values(soup)
    og_title = _clean(metas.get(("property", "og:title")) or metas.get(("name", "og:title")) or "")
    meta_date = _meta_published(metas)
    strip_non_text(soup)
    page_text = soup.get_text("\n")
    source_node = soup.select_one(sel.source) if sel.source else None
    source_text = source_node.get_text(" ") if source_node is not None else page_text
    source = _SOURCE_LINE.search(source_text)
    author = _AUTHOR_LINE.search(source_text)
    if sel.body:
        container = soup.select_one(sel.body)
        if container is None:
            raise PageError(f"{url}: body selector {sel.body!r} matched nothing")
        blocks = [container]
    else:
        found = find_main_text(soup.body or soup)
        blocks = found.blocks if found else []
    if sel.title:
        node = soup.select_one(sel.title)
        title_node = node if isinstance(node, Tag) and _clean(node.get_text(" ")) else None
        headline = Headline(_clean(title_node.get_text(" ")), title_node) if title_node else None
    else:
        headline = find_headline(
            soup, blocks[0] if blocks else None, blocks[-1] if blocks else None, page_title, og_title
        )
    title = headline.text if headline else ""
    title_node = headline.node if headline else None
    published = _published(url, soup, page_text, title_node, blocks, sel.date, meta_date)
    if not sel.body:
        prune_furniture(blocks)
    lines = _paragraphs(blocks)
    if not sel.body and lines and _ANNOUNCES.search(lines[-1]) and (more := next_block(blocks[-1])):
        # "附：招生专业及考试科目" and the table it announces, printed as the next block.
        prune_furniture([more])
        lines += _paragraphs([more])
    title = _headline_proper(title, lines)
    paragraphs = _drop_repeats(lines, title)
    if not paragraphs:
        raise PageError(f"{url}: no main text found")
    return Article(
        url=url,
        title=title,
        published=published,
        body="\n".join(paragraphs),
        source_line=source.group(1) if source else None,
        encoding=encoding,
        replacement_chars=decoded.bad_bytes,
        author=author.group(1) if author else None,
    )


def _meta_published(found: dict[tuple[str, str], str]) -> datetime | None:
    """The date in <meta property="article:published_time"> and kin, or <time datetime>."""
    for key in (*_META_DATES, ("time", "")):
        if key in found and (date := parse_date(found[key])):
            return date
    return None


def _published(
    url: str,
    soup: BeautifulSoup,
    page_text: str,
    title_node: Tag | None,
    blocks: list[Tag],
    selector: str | None,
    meta_date: datetime | None,
) -> datetime | None:
    """The publication date, from the most to the least trustworthy place."""
    if selector and (node := soup.select_one(selector)) and (found := find_published(node.get_text(" "))):
        return found
    if meta_date:
        return meta_date
    # Headers often show today's date and related-story lists their own dates; the article's own
    # date line follows its headline.
    after_title = _text_after(title_node) if title_node is not None else ""
    if title_node is not None and (found := _byline_date(title_node)):
        return found
    if from_url := date_from_url(url):
        return datetime(from_url.year, from_url.month, from_url.day)
    # A post header right before the headline (forum and blog posts: author, date, then the
    # title): its date is nearer the article than a date inside the text's sentences.
    if title_node is not None and (found := last_date(_text_before(title_node))):
        return found
    if after_title and (found := find_published(after_title)):
        return found
    # A date line with month and day only (05-10 16:20): the year comes from the URL.
    if after_title and (year := year_from_url(url)) and (found := month_day_with_year(after_title, year)):
        return found
    # Then the main text's own lines, before the page at large.
    for block in blocks:
        if found := find_published(block.get_text(" ")):
            return found
    return find_published(page_text)


__all__ = ["Article", "PageError", "Selectors", "decode_html", "parse_article", "parse_date"]
