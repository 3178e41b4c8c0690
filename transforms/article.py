"""HTML page → article: title, publication date, main text, source line.

Pure: bytes and headers in, a frozen ``Article`` out, or ``PageError`` saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from transforms.dates import date_from_url, find_published, parse_date
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
_TITLE_SPLIT = re.compile(r"\s*[_|｜—–-]{1,2}\s*")
_HAN = re.compile(r"[\u4e00-\u9fff]")


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
    blocks = container.find_all(["p", "h2", "h3", "li"]) or [container]
    lines = [_clean(line) for block in blocks for line in block.get_text("\n").split("\n")]
    lines = [line for line in lines if line]
    return [line for line, furniture in zip(lines, furniture_flags(lines), strict=True) if not furniture]


def _main_container(soup: BeautifulSoup) -> Tag | None:
    """The element whose own paragraphs hold the most Han characters."""
    best: tuple[int, Tag] | None = None
    for p in soup.find_all("p"):
        parent = p.parent
        if not isinstance(parent, Tag):
            continue
        score = sum(len(_HAN.findall(c.get_text())) for c in parent.find_all("p", recursive=False))
        if best is None or score > best[0]:
            best = (score, parent)
    return best[1] if best else None


def _title_node(soup: BeautifulSoup, selector: str | None) -> Tag | None:
    """The element holding the headline: the selector, an <h1>, or a heading the <title> repeats."""
    if selector:
        node = soup.select_one(selector)
        return node if isinstance(node, Tag) else None
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and _clean(h1.get_text(" ")):
        return h1
    page_title = _clean(soup.title.get_text(" ")) if soup.title else ""
    for heading in soup.find_all(["h2", "h3", "div", "td"], limit=400):
        text = _clean(heading.get_text(" "))
        if len(text) >= 6 and page_title.startswith(text) and heading.name in ("h2", "h3"):
            return heading
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
    published = None
    if sel.date and (node := soup.select_one(sel.date)):
        published = find_published(node.get_text(" "))
    source = _SOURCE_LINE.search(page_text)
    # Headers often show today's date; the article's own date follows its headline.
    if published is None and title_node is not None:
        published = find_published(_text_after(title_node))
    if published is None:
        published = find_published(page_text)
    if published is None and (from_url := date_from_url(url)):
        published = datetime(from_url.year, from_url.month, from_url.day)
    if sel.body:
        container = soup.select_one(sel.body)
        if container is None:
            raise PageError(f"{url}: body selector {sel.body!r} matched nothing")
        paragraphs = _paragraphs(container)
    else:
        _drop_furniture(soup)
        container = _main_container(soup)
        paragraphs = _paragraphs(container) if container else []
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
    )


__all__ = ["Article", "PageError", "Selectors", "decode_html", "parse_article", "parse_date"]
