"""Decode undeclared Chinese text bytes: UTF-8, GB18030 (GBK/GB2312) or Big5-HKSCS.

A BOM or valid UTF-8 settles it.  Otherwise both legacy decodings are tried: bytes in the wrong
one decode to rare characters, so the decoding whose text holds more of the most common Han
characters (in either script) wins.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import cache

from transforms.normalize import to_traditional

# The most frequent Han characters of news text (simplified forms; traditional added below).
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶"
    "善款捐赠慈助乡村振兴帮扶援救灾助学医疗养老基金会募筹万亿元港澳台币"
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@cache
def _common_set() -> frozenset[str]:
    return frozenset(_COMMON) | frozenset(to_traditional(_COMMON))


def _score(text: str) -> float:
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return 0.0
    common = _common_set()
    return sum(ch in common for ch in han) / len(han)


def decode_text(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with; never raises (worst case: replacements)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5hkscs"):
        text = raw.decode(encoding, errors="replace")
        candidates.append((-text.count("\ufffd"), _score(text), encoding, text))
    _, _, encoding, text = max(candidates)
    return text, encoding


# Legacy charsets are read as their supersets, as browsers do: a page declared GB2312 or GBK
# routinely holds GB18030-only characters, and Big5 pages from Hong Kong hold HKSCS ones.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",  # pages declared ASCII (or left at the default) are routinely UTF-8
    "utf-8-sig": "utf-8",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
}
_EXTRA_ALIASES = {"x-gbk": "gbk", "cp936": "gbk", "big5-tw": "big5", "x-x-big5": "big5", "ms950": "cp950"}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class DecodedPage:
    """A page's text and how it was obtained."""

    text: str
    encoding: str  # Python codec name actually used: utf-8, gb18030, big5hkscs…
    source: str  # where the encoding came from: header, bom, meta or detected
    bad_bytes: int  # byte sequences that did not decode (each became U+FFFD)
    declared: tuple[str, ...] = ()  # every charset the page declared, as written

    @property
    def decoded_badly(self) -> bool:
        """Some bytes were not text in any encoding tried: flag the page, do not trust it."""
        return self.bad_bytes > 0


def codec_for(label: str) -> str | None:
    """The Python codec for a charset label, widened to its superset; None if unknown."""
    label = label.strip().lower()
    label = _EXTRA_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _declarations(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """(source, label) in the order they are trusted: HTTP header, BOM, <meta>/XML declaration."""
    found: list[tuple[str, str]] = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        found.append(("header", m.group(1)))
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            found.append(("bom", encoding))
            break
    head = body[:4096]
    if m := _META_CHARSET.search(head) or _XML_ENCODING.search(head):
        found.append(("meta", m.group(1).decode("ascii")))
    return found


def _decode(body: bytes, encoding: str) -> tuple[str, int]:
    if encoding == "utf-8":
        encoding = "utf-8-sig"  # a BOM is not text
    text = body.decode(encoding, errors="replace")
    # Private-use characters are what a wrong legacy decoding makes of unassigned byte pairs.
    return text, text.count("\ufffd") + len(_PRIVATE_USE.findall(text))


def decode_page(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode a fetched page: HTTP header charset, then BOM, then ``<meta>``, then detection.

    A declaration is trusted only if the bytes decode cleanly with it; otherwise the next one
    is tried, and detection last.  If nothing decodes cleanly, the decoding with the fewest
    bad bytes is returned with ``bad_bytes`` set, so the caller can flag and count the page
    instead of storing silently mangled text.
    """
    declared = _declarations(body, content_type)
    attempts: list[DecodedPage] = []
    labels = tuple(label for _, label in declared)
    for source, label in declared:
        encoding = codec_for(label)
        if encoding is None or (encoding.startswith("utf-16") and source != "bom"):
            continue  # an unknown label, or a UTF-16 claim inside 8-bit bytes (a CMS template error)
        text, bad = _decode(body, encoding)
        attempt = DecodedPage(text, encoding, source, bad, labels)
        if bad == 0:
            return attempt
        attempts.append(attempt)
    _, detected = decode_text(body)
    encoding = codec_for(detected) or detected
    text, bad = _decode(body, encoding)
    attempts.append(DecodedPage(text, encoding, "detected", bad, labels))
    # Nothing decoded cleanly: keep the decoding whose text reads most like Chinese (a page that
    # is half UTF-8, half GBK keeps its readable half), then the one with fewest bad bytes.
    return min(attempts, key=lambda a: (-round(_score(a.text), 2), a.bad_bytes))
