"""One file in, one extraction record out: the contract of ``charitynews extract --jsonl``.

Other tools read these records, so the field names and meanings here are fixed:

- ``source`` the path as given; ``variant`` simplified | traditional | mixed; ``title`` and
  ``published`` (YYYY-MM-DD) or null; ``locale`` the source kind the text was read as.
- ``amounts``: every money mention in text order: ``value`` (number in its currency), ``currency``
  (ISO 4217), ``raw``, ``start``/``end`` (offsets into the document's text: the decoded file for
  plain text, the extracted headline and main text for HTML), ``approximate``, ``high``, ``role``,
  plus ``qualifier``, ``cumulative``, ``conversion_of`` (index of the amount this one restates in
  another currency), and what the money means (``transforms.meaning``): ``role`` is never null
  (donated, raised, pledged, disbursed, fund_size, in_kind, target, threshold, other);
  ``restates`` the index of the amount this one repeats or is part of, or null; ``gift`` whether
  it is money given to a charitable purpose to count once; ``giver`` and ``recipient`` null or
  ``{"kind": organization|region|group|person, "name", "code"}`` (``code`` the GB/T 2260 code of
  a region, else null; a country abroad is a region with a null code).
- ``organizations``: unique per file: ``name`` (canonical: simplified, as written, a short form
  without its place given the article's place), ``type``, ``surfaces``, plus ``spans``,
  ``expanded_from_context`` and ``aliases`` (the seat in full, short words written out).
- ``regions``: unique per file: ``code`` (GB/T 2260), ``name``, ``level``, ``role`` (the strongest
  of the file: beneficiary > mention > seat), plus ``surfaces`` and ``spans``.
- ``text``: the text every ``start``/``end`` and span indexes (the decoded file as read for plain
  text; the headline, a line break and the main text for HTML).
- A file that cannot be read gives ``{"source": …, "error": "…"}``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from transforms.amounts import AmountMention
from transforms.article import PageError, parse_article
from transforms.dates import find_published
from transforms.encoding import decode_text
from transforms.extract import ArticleExtraction, extract_article
from transforms.furniture import is_furniture_line
from transforms.meaning import Party
from transforms.organizations import OrganizationMention
from transforms.regions import RegionMention

_HTML_MARKERS = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|div|p|title)[\s>/]", re.I)
_HEADLINE_END = re.compile(r"[。！？；：:，,]$")
_ROLE_RANK = {"seat": 0, "mention": 1, "beneficiary": 2}


@dataclass(frozen=True, slots=True)
class Document:
    """A file's article text, with the headline and date when the file shows them."""

    text: str
    title: str | None
    published: str | None
    is_html: bool


def looks_like_html(raw: bytes) -> bool:
    return bool(_HTML_MARKERS.search(raw[:4096]))


def _plain_title(text: str) -> str | None:
    """The first line, when it reads as a headline (short, not a sentence, not furniture)."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= 80 and not _HEADLINE_END.search(line) and not is_furniture_line(line):
            return line
        return None
    return None


def read_document(raw: bytes, source: str) -> Document:
    """Decode a file (UTF-8, GBK/GB18030 or Big5, detected) and find its article text.

    Raises ``PageError`` for input that is not a text document.
    """
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PageError(f"{source}: binary data, not a text or HTML document")
    if looks_like_html(raw):
        article = parse_article(Path(source).resolve().as_uri(), raw)
        published = article.published.date().isoformat() if article.published else None
        return Document(article.text, article.title, published, is_html=True)
    text, _ = decode_text(raw)
    found = find_published(text)
    return Document(text, _plain_title(text), found.date().isoformat() if found else None, is_html=False)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"kind": party.kind, "name": party.name, "code": party.code}


def amount_records(amounts: Sequence[AmountMention]) -> list[dict[str, Any]]:
    return [
        {
            "value": _number(a.value),
            "currency": a.currency,
            "raw": a.raw,
            "start": a.start,
            "end": a.end,
            "approximate": a.approximate,
            "high": _number(a.high),
            "role": a.role,
            "qualifier": a.qualifier,
            "cumulative": a.cumulative,
            "conversion_of": a.conversion_of,
            "restates": a.restates,
            "gift": a.gift,
            "giver": _party(a.giver),
            "recipient": _party(a.recipient),
        }
        for a in amounts
    ]


def organization_records(organizations: Sequence[OrganizationMention]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for o in organizations:
        entry = merged.setdefault(
            o.name,
            {
                "name": o.name,
                "type": o.type,
                "surfaces": [],
                "spans": [],
                "expanded_from_context": False,
                "aliases": [],
            },
        )
        if o.surface not in entry["surfaces"]:
            entry["surfaces"].append(o.surface)
        for alias in o.aliases:
            if alias not in entry["aliases"] and alias != o.name:
                entry["aliases"].append(alias)
        entry["spans"].append([o.start, o.end])
        entry["expanded_from_context"] |= o.expanded_from_context
    return list(merged.values())


def region_records(regions: Sequence[RegionMention]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for r in regions:
        entry = merged.setdefault(
            r.code,
            {"code": r.code, "name": r.name, "level": r.level, "role": r.role, "surfaces": [], "spans": []},
        )
        if _ROLE_RANK[r.role] > _ROLE_RANK[entry["role"]]:
            entry["role"] = r.role  # a region served anywhere in the article is a beneficiary
        if r.surface not in entry["surfaces"]:
            entry["surfaces"].append(r.surface)
        entry["spans"].append([r.start, r.end])
    return list(merged.values())


def extraction_record(source: str, document: Document, result: ArticleExtraction) -> dict[str, Any]:
    return {
        "source": source,
        "variant": result.variant if result.variant != "none" else "simplified",
        "locale": result.locale,
        "title": document.title,
        "published": document.published,
        "amounts": amount_records(result.amounts),
        "organizations": organization_records(result.organizations),
        "regions": region_records(result.regions),
        "text": document.text,
    }


def extract_file(source: str, locale: str | None = None) -> tuple[dict[str, Any], Document | None]:
    """The contract record for one path (and the document read, for callers that score it).

    Never raises for bad input: an unreadable or unusable file gives a record with ``error``.
    """
    try:
        raw = Path(source).read_bytes()
        document = read_document(raw, source)
    except (OSError, PageError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return {"source": source, "error": f"{type(exc).__name__}: {reason}"}, None
    result = extract_article(document.text, locale, plain_text=not document.is_html)
    return extraction_record(source, document, result), document
