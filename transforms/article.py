"""HTML page → article: title, publication date, main text, source line.

Pure: bytes and headers in, a frozen ``Article`` out, or ``PageError`` saying what is wrong.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from transforms.dates import date_from_url, find_published, month_day_with_year, parse_date, year_from_url
from transforms.encoding import decode_page
from transforms.furniture import furniture_flags

# Elements and class/id words that are page furniture, never article text.
_FURNITURE_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript")
_FURNITURE_WORDS = re.compile(
    r"nav|menu|footer|breadcrumb|crumb|share|related|copyright|sidebar|side-|toolbar|banner"
    r"|comment|pager|pagination|links|recommend|hot|rank",
    re.I,
)
_SOURCE_LINE = re.compile(r"(?:来源|來源|稿源)[:：]\s*([^\s|丨/　]+)")
_AUTHOR_LINE = re.compile(r"(?:作者|记者|記者|撰文)[:：]\s*([^\s|丨/　()（）]{2,20})")
_TITLE_SPLIT = re.compile(r"\s*[_|｜—–-]{1,2}\s*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Children that carry an element's own text; block containers that may hold the article.
_TEXT_CHILDREN = frozenset({"p", "font", "span", "b", "strong", "em", "i", "u", "br", "section", "center"})
_CONTAINER_TAGS = ("div", "td", "article", "section", "font", "main", "founder-content", "span", "center")
_HEADLINE_TAGS = ("h2", "h3", "h4", "div", "td", "b", "strong", "font", "span", "p")
_CAPTION_MAX = 40
_CHROME_TAGS = ["nav", "header", "footer", "aside"]
_HEADLINE_WORDS = re.compile(r"title|subject|headline|\bbt\b", re.I)
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
        """What extraction reads: the title, then the body."""
        return f"{self.title}\n{self.body}"


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode with the HTTP charset, then a BOM, then ``<meta>``, then detection.

    GB2312/GBK are read as GB18030 and Big5 as Big5-HKSCS (their supersets), as browsers do.
    """
    page = decode_page(body, content_type)
    return page.text, page.encoding


def _clean(text: str) -> str:
    return re.sub(r"[ \t\r\f\v\xa0\u3000]+", " ", text).strip()


def _drop_furniture(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        words = " ".join([*tag.get("class", []), tag.get("id", "") or ""])
        if words and _FURNITURE_WORDS.search(words) and tag.name not in ("body", "html"):
            tag.decompose()


def _paragraphs(container: Tag) -> list[str]:
    blocks = container.find_all(["p", "h2", "h3", "li", "tr"]) or [container]
    rows = {id(block) for block in blocks if block.name == "tr" and _is_data_row(block)}
    lines: list[str] = []
    for block in blocks:
        if id(block) in rows:
            # A data table keeps one line per row, cells apart, so that money columns whose
            # unit is only in the header (金额(万元)) can still be read.
            lines.append(" | ".join(_clean(cell.get_text(" ")) for cell in block.find_all(["td", "th"])))
        elif block.name != "tr" and not _inside_row(block, container, rows):
            lines.extend(_clean(line) for line in block.get_text("\n").split("\n"))
    lines = [line for line in lines if line]
    return [line for line, furniture in zip(lines, furniture_flags(lines), strict=True) if not furniture]


def _is_data_row(row: Tag) -> bool:
    """A row of a data table rather than of a page-layout table: several short cells and no
    paragraphs, line breaks or tables inside."""
    cells = row.find_all(["td", "th"], recursive=False)
    return (
        len(cells) >= 2
        and row.find(["p", "div", "table", "br", "ul"]) is None
        and all(len(cell.get_text(strip=True)) <= _CELL_MAX for cell in cells)
    )


def _inside_row(block: Tag, container: Tag, rows: set[int]) -> bool:
    """Whether ``block`` lies in a data row (read whole) between itself and ``container``."""
    for parent in block.parents:
        if parent is container:
            return False
        if id(parent) in rows:
            return True
    return False


_CELL_MAX = 60


def _drop_repeats(lines: list[str], title: str) -> list[str]:
    """Lines that belong to the page around the report, not to it: the headline repeated inside
    the body, date lines before the first paragraph, and photo captions (short lines that appear
    twice, as CMSes print a caption under the photo and again in its alt text or gallery)."""
    counts = Counter(lines)
    kept: list[str] = []
    for line in lines:
        if line == title or (counts[line] > 1 and len(line) <= _CAPTION_MAX):
            continue
        if not kept and _DATE_ONLY.match(line):
            continue
        kept.append(line)
    return kept


def _own_han(element: Tag) -> int:
    """Han characters in an element's own text: its text nodes and inline or paragraph children
    (not links, lists or nested blocks, which are navigation or other stories)."""
    total = 0
    for child in element.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                total += len(_HAN.findall(child))
        elif isinstance(child, Tag) and child.name in _TEXT_CHILDREN:
            total += len(_HAN.findall(child.get_text()))
    return total


def _main_container(soup: BeautifulSoup) -> Tag | None:
    """The element whose own text (paragraphs, or lines separated by <br>) holds the most Han
    characters; on a tie the outer element."""
    best: tuple[int, Tag] | None = None
    for element in soup.find_all(_CONTAINER_TAGS):
        score = _own_han(element)
        if score and (best is None or score > best[0]):
            best = (score, element)
    return best[1] if best else None


def _title_node(soup: BeautifulSoup, selector: str | None) -> Tag | None:
    """The element holding the headline: the selector, an <h1>, or the element whose text the
    <title> starts with (old CMSes put headlines in a div, td or bold font)."""
    if selector:
        node = soup.select_one(selector)
        return node if isinstance(node, Tag) else None
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and _clean(h1.get_text(" ")):
        return h1
    page_title = _clean(soup.title.get_text(" ")) if soup.title else ""
    best: tuple[int, Tag] | None = None
    for node in soup.find_all(_HEADLINE_TAGS, limit=3000):
        text = _clean(node.get_text(" "))
        if len(text) >= 6 and page_title.startswith(text) and (best is None or len(text) > best[0]):
            best = (len(text), node)
    if best:
        return best[1]
    # A generic <title> ("最新消息 | 某基金"): the first heading-like element outside navigation.
    for node in soup.find_all(["h2", "h3", "div", "p", "span"], limit=3000):
        words = " ".join([*node.get("class", []), node.get("id", "") or ""])
        text = _clean(node.get_text(" "))
        headline_like = node.name in ("h2", "h3") or _HEADLINE_WORDS.search(words)
        if (
            headline_like
            and 6 <= len(text) <= 80
            and not node.find_parent(["nav", "header", "footer", "aside"])
        ):
            return node
    return None


def _title(soup: BeautifulSoup, node: Tag | None) -> str:
    if node is not None and _clean(node.get_text(" ")):
        return _clean(node.get_text(" "))
    if soup.title and soup.title.string:
        return _TITLE_SPLIT.split(_clean(soup.title.string))[0]
    return ""


def _text_after(node: Tag, limit: int = 400) -> str:
    """Text right after the headline, where the date line of an article sits."""
    pieces: list[str] = []
    size = 0
    for string in node.find_all_next(string=True):
        pieces.append(str(string))
        size += len(string)
        if size >= limit:
            break
    return " ".join(pieces)


def parse_article(
    url: str, body: bytes, content_type: str | None = None, selectors: Selectors | None = None
) -> Article:
    """Parse one article page; raises ``PageError`` when no title or main text is found."""
    sel = selectors or Selectors()
    decoded = decode_page(body, content_type)
    html, encoding = decoded.text, decoded.encoding
    soup = BeautifulSoup(html, "lxml")
    page_text = soup.get_text("\n")
    title_node = _title_node(soup, sel.title)
    title = _title(soup, title_node)
    published = _published(url, soup, page_text, title_node, sel.date)
    source_node = soup.select_one(sel.source) if sel.source else None
    source_text = source_node.get_text(" ") if source_node is not None else page_text
    source = _SOURCE_LINE.search(source_text)
    author = _AUTHOR_LINE.search(source_text)
    if sel.body:
        container = soup.select_one(sel.body)
        if container is None:
            raise PageError(f"{url}: body selector {sel.body!r} matched nothing")
        paragraphs = _paragraphs(container)
    else:
        _drop_furniture(soup)
        container = _main_container(soup)
        paragraphs = _paragraphs(container) if container else []
    paragraphs = _drop_repeats(paragraphs, title)
    if not title:
        raise PageError(f"{url}: no title (no <h1> and no <title>)")
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


def _meta_published(soup: BeautifulSoup) -> datetime | None:
    """The date in <meta property="article:published_time"> and kin, or <time datetime>."""
    found: dict[tuple[str, str], str] = {}
    for node in soup.find_all(["meta", "time"]):
        if node.name == "time":
            if isinstance(value := node.get("datetime"), str):
                found.setdefault(("time", ""), value)
            continue
        for attribute in ("property", "itemprop", "name"):
            key = node.get(attribute)
            if isinstance(key, str) and isinstance(content := node.get("content"), str):
                found.setdefault((attribute, key.lower()), content)
    for key in (*_META_DATES, ("time", "")):
        if key in found and (date := parse_date(found[key])):
            return date
    return None


def _published(
    url: str, soup: BeautifulSoup, page_text: str, title_node: Tag | None, selector: str | None
) -> datetime | None:
    """The publication date, from the most to the least trustworthy place."""
    if selector and (node := soup.select_one(selector)) and (found := find_published(node.get_text(" "))):
        return found
    if found := _meta_published(soup):
        return found
    # Headers often show today's date; the article's own date line follows its headline.
    after_title = _text_after(title_node) if title_node is not None else ""
    if after_title and (found := find_published(after_title)):
        return found
    if from_url := date_from_url(url):
        return datetime(from_url.year, from_url.month, from_url.day)
    # A date line with month and day only (05-10 16:20): the year comes from the URL.
    if after_title and (year := year_from_url(url)) and (found := month_day_with_year(after_title, year)):
        return found
    return find_published(page_text)


__all__ = ["Article", "PageError", "Selectors", "decode_html", "parse_article", "parse_date"]
