"""Page objects: what a fetched list page, sitemap, feed or article holds, from bytes alone.

Pure functions, tested without a reactor; the spider only routes their results.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml import etree

from transforms.encoding import DecodedPage, decode_page

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Leading bytes of formats that are never a web page, whatever the Content-Type says.
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"Rar!",
    b"\xd0\xcf\x11\xe0",  # old Office documents
    b"ID3",
    b"\x00\x00\x00",
)
_HREF = re.compile(rb"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_CANONICAL = re.compile(r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""", re.I)
_HREF_ATTR = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.I)
_MAX_XML_BYTES = 50 * 1024 * 1024  # a sitemap may hold 50,000 URLs; far above that is not a sitemap


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def skip_reason(content_type: str | None, body: bytes) -> str | None:
    """Why a response to an article or list request is not a web page, or None if it is one."""
    declared = media_type(content_type)
    if declared and declared not in _HTML_TYPES and not declared.startswith("text/"):
        return f"not HTML: Content-Type {declared}"
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC) or head.count(b"\x00") > 8:
        return f"binary content served as {declared or 'no type'}"
    return None


def html_links(base_url: str, body: bytes) -> list[str]:
    """Absolute URLs of every ``<a href>``, in page order, fragments dropped.

    Works on bytes: link targets are ASCII or percent-encoded on every site we know, so the
    page need not be decoded to follow its links.
    """
    links = []
    for match in _HREF.finditer(body):
        raw = next(g for g in match.groups() if g is not None)
        href = raw.decode("latin-1").strip().replace("&amp;", "&")
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        links.append(urldefrag(urljoin(base_url, href))[0])
    return links


def canonical_url(base_url: str, text: str) -> str | None:
    """The page's ``<link rel="canonical">``, absolute."""
    tag = _CANONICAL.search(text[:20000])
    if not tag or not (href := _HREF_ATTR.search(tag.group(0))):
        return None
    return urljoin(base_url, href.group(1).replace("&amp;", "&"))


def maybe_gunzip(body: bytes) -> bytes:
    """A ``.gz`` sitemap's XML (servers send it as a file, not as Content-Encoding)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
        data = handle.read(_MAX_XML_BYTES + 1)
    if len(data) > _MAX_XML_BYTES:
        raise ValueError(f"gzipped sitemap larger than {_MAX_XML_BYTES} bytes when unpacked")
    return data


@dataclass(frozen=True)
class SitemapLinks:
    sitemaps: list[str]  # from a sitemap index
    pages: list[str]  # from a urlset


def _xml_root(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        raise ValueError("not XML")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def sitemap_links(base_url: str, body: bytes) -> SitemapLinks:
    """``<loc>`` entries of a sitemap (``urlset``) or sitemap index, gzipped or not."""
    root = _xml_root(maybe_gunzip(body))
    locs = [
        urljoin(base_url, (el.text or "").strip())
        for el in root.iter()
        if _local(el.tag) == "loc" and (el.text or "").strip()
    ]
    if _local(root.tag) == "sitemapindex":
        return SitemapLinks(sitemaps=locs, pages=[])
    if _local(root.tag) == "urlset":
        return SitemapLinks(sitemaps=[], pages=locs)
    raise ValueError(f"not a sitemap: root element <{_local(root.tag)}>")


def feed_links(base_url: str, body: bytes) -> list[str]:
    """Item links of an RSS 2.0 / RSS 1.0 or Atom feed."""
    root = _xml_root(body)
    links: list[str] = []
    for el in root.iter():
        name = _local(el.tag)
        if name in ("item", "entry"):
            for child in el:
                if _local(child.tag) != "link":
                    continue
                href = child.get("href") if child.get("href") is not None else child.text
                rel = child.get("rel", "alternate")
                if href and href.strip() and rel == "alternate":
                    links.append(urljoin(base_url, href.strip()))
                    break
    if not links and _local(root.tag) not in ("rss", "feed", "RDF"):
        raise ValueError(f"not an RSS or Atom feed: root element <{_local(root.tag)}>")
    return links


def decode(body: bytes, content_type: str | None) -> DecodedPage:
    return decode_page(body, content_type)
