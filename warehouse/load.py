"""Idempotent, transactional, batched loads into the warehouse.

A load is one transaction: a process killed half-way leaves the previous state.  Records stream
in and are written in batches of ``BATCH``: each batch's articles, mentions, band keys and
cluster changes go in with a few multi-row statements.  A record that fails validation is
rejected (logged, counted, named in the report) before anything is written; should the
database still refuse a batch, the load is run again with a savepoint per batch (records that
can be read again are first written without them: see ``load_extracted``), the refused batch
is rolled back and written again one article per savepoint, so only the bad article is
rejected.  Articles are keyed by URL: an article whose
staging record is unchanged is not written again, so re-running a partition leaves identical
rows (ids included); a changed record, e.g. from a new extractor version, replaces the
article's mentions.  Syndication clusters are updated for the articles written
(warehouse/clusters.py), not rebuilt.

Two loads of one warehouse run one after the other: on PostgreSQL a load holds a
transaction-level advisory lock, on SQLite the write lock (``BEGIN IMMEDIATE``), both taken
before anything is read, so the second waits instead of seeing half of the first (organizations,
URLs and clusters stay consistent, and no deadlock is possible).  The parsing and extraction of
partitions still run side by side; only their loads queue.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import pickle
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint, ForeignKeyConstraint

from spiders.registry import Site
from transforms.currency import CURRENCIES, to_cny
from transforms.gazetteer import load_gazetteer
from transforms.meaning import GIVING_ROLES
from warehouse import models as m
from warehouse.clusters import Incoming, among, chunks, plan_clusters
from warehouse.collection import fewer_collections
from warehouse.syndication import SIGNATURE_BYTES, minhashes

log = logging.getLogger(__name__)

_REQUIRED = (
    "url",
    "site",
    "title",
    "fetched_at",
    "variant",
    "encoding",
    "text",
    "simplified",
    "content_hash",
    "fingerprint",
    "extractor_version",
    "amounts",
    "organizations",
    "regions",
)
BATCH = 500  # records per batch: a few multi-row statements each, memory bounded by the batch
_ORGANIZATION_CACHE = 200_000  # names → ids kept between batches (cleared when larger)
# (class, object) of the transaction-level advisory lock a PostgreSQL load holds; the object is
# the schema's hash, so warehouses in different schemas of one database do not wait on each other.
_LOAD_LOCK_CLASS = 160_001
# What a refused write raises: SQLAlchemy's wrappers, and psycopg's own errors from the COPY,
# which runs on the driver's cursor (a refused COPY must reject its article, not end the load).
_DB_ERRORS = (IntegrityError, DataError, psycopg.IntegrityError, psycopg.DataError)
# What a malformed record raises (BadArticle is a ValueError): it is rejected, the load goes on.
_RECORD_ERRORS = (KeyError, TypeError, ValueError, InvalidOperation, AttributeError)


class BadArticle(ValueError):
    """A staging record the warehouse cannot take; the message names the article and the fault."""


@dataclass(frozen=True)
class Rejected:
    url: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    articles: int
    amount_mentions: int
    organization_mentions: int
    region_mentions: int
    clusters: int
    multi_article_clusters: int
    written: int = 0  # articles inserted or replaced by this load
    unchanged: int = 0  # articles whose record was already loaded as is
    compared: int = 0  # candidate copy pairs whose similarity this load computed
    rejected: tuple[Rejected, ...] = field(default_factory=tuple)


@dataclass
class _LoadContext:
    source_ids: dict[str, int]
    province_of: dict[str, str]  # region code → province-level code
    organization_ids: dict[str, int] = field(default_factory=dict)
    aliases: set[tuple[int, str]] = field(default_factory=set)


def ensure_regions(session: Session) -> int:
    """Fill the GB/T 2260 reference table (parents before children); returns rows added."""
    gazetteer = load_gazetteer()
    filled = session.scalar(
        select(func.count()).select_from(m.Region).where(m.Region.province_code.is_not(None))
    )
    if filled == len(gazetteer.regions):
        return 0  # every load calls this: the usual case costs one count
    existing = dict(session.execute(select(m.Region.code, m.Region.province_code)).all())
    province_of: dict[str, str] = {}

    def province(code: str) -> str:
        if code not in province_of:
            parent = gazetteer.regions[code].parent
            province_of[code] = province(parent) if parent else code
        return province_of[code]

    # One multi-row insert per level, provinces first: a child's parent exists before the child.
    added = 0
    by_code = [gazetteer.regions[code] for code in sorted(gazetteer.regions)]
    for level in ("province", "city", "county"):
        rows = [
            {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "short_names": "|".join(region.short_names),
                "parent_code": region.parent,
                "province_code": province(region.code),
            }
            for region in by_code
            if region.level == level and region.code not in existing
        ]
        if rows:
            session.execute(insert(m.Region), rows)
            added += len(rows)
    moved = [
        {"b_code": code, "b_province": province(code)}
        for code, stored in existing.items()
        if code in gazetteer.regions and stored != province(code)
    ]
    if moved:
        session.execute(
            update(m.Region.__table__)
            .where(m.Region.__table__.c.code == bindparam("b_code"))
            .values(province_code=bindparam("b_province")),
            moved,
        )
    return added


def ensure_sources(session: Session, sites: Sequence[Site]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for site in sites:
        source = session.scalar(select(m.Source).where(m.Source.name == site.name))
        if source is None:
            source = m.Source(name=site.name, title=site.title, homepage=site.homepage, locale=site.locale)
            session.add(source)
        else:
            source.title, source.locale = site.title, site.locale
        session.flush()
        ids[site.name] = source.id
    return ids


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadArticle(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise BadArticle(f"{what} is not a finite number: {value!r}")
    return number


def validate(row: dict[str, Any], context: _LoadContext) -> None:
    """Raise BadArticle naming what is wrong with a staging record (before anything is written)."""
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise BadArticle(f"missing field(s) {', '.join(missing)}")
    if not row["url"]:
        raise BadArticle("empty url")
    if row["site"] not in context.source_ids:
        raise BadArticle(f"unknown site {row['site']!r}")
    length = len(row["text"])
    for kind in ("amounts", "organizations", "regions"):
        for i, mention in enumerate(row[kind]):
            if not 0 <= mention["start"] <= mention["end"] <= length:
                raise BadArticle(f"{kind}[{i}] offsets {mention['start']}–{mention['end']} outside the text")
    for i, amount in enumerate(row["amounts"]):
        if amount["currency"] not in CURRENCIES:
            raise BadArticle(f"amounts[{i}] has unknown currency {amount['currency']!r}")
        value = _decimal(amount["value"], f"amounts[{i}].value")
        if value < 0:
            raise BadArticle(f"amounts[{i}] is negative: {value}")
        if amount["high"] is not None and _decimal(amount["high"], f"amounts[{i}].high") < value:
            raise BadArticle(f"amounts[{i}] range ends below its start")
    for i, region in enumerate(row["regions"]):
        if region["code"] not in context.province_of:
            raise BadArticle(f"regions[{i}] code {region['code']!r} is not in the GB/T 2260 table")
    staged = row.get("minhash")
    if staged is not None and _signature_length(staged) != SIGNATURE_BYTES:
        raise BadArticle(f"minhash is not a signature of {SIGNATURE_BYTES} bytes in hex")


def _signature_length(staged: Any) -> int | None:
    """How many bytes a staged hex signature holds (None: not one)."""
    try:
        # isalnum: fromhex would skip blanks between the digits.
        plain = isinstance(staged, str) and staged.isascii() and staged.isalnum()
        return len(bytes.fromhex(staged)) if plain else None
    except ValueError:
        return None


DIGEST_FORMAT = "2:"  # the prefix of a load_digest of the current format (see _digest)


def _digest(row: dict[str, Any]) -> str:
    """What decides whether a re-run skips a record: a digest of everything in it.

    BLAKE2b of the record's pickle (protocol 5, without the memo, so equal records give the
    same bytes whichever objects they share), written ``2:`` and 62 hex digits.  Like the JSON
    it replaced it changes with any value, type or key; unlike it, it also changes with the
    order of a dict's keys, which can only cause a needless rewrite, never a wrongly skipped
    record.  Pickling costs a quarter of sorted-key JSON."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: shared objects are written out each time
    pickler.dump(row)
    return DIGEST_FORMAT + hashlib.blake2b(buffer.getbuffer(), digest_size=31).hexdigest()


def _json_digest(row: dict[str, Any]) -> str:
    """The digest loads wrote before format 2: SHA-256 of the record's sorted-key JSON."""
    return hashlib.sha256(
        json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _unchanged(stored: str | None, prepared: _Prepared) -> bool:
    """The record is the one the stored digest was taken of (either format)."""
    if stored is None:
        return False
    if stored.startswith(DIGEST_FORMAT):
        return stored == prepared.digest
    # An article loaded before format 2 is compared as it was digested, and stays unwritten
    # (its ids kept) while its record does not change.
    return stored == _json_digest(prepared.row)


def _sentence(mention: dict[str, Any]) -> tuple[int, int]:
    return mention["sentence_start"], mention["sentence_end"]


def _amount_links(
    row: dict[str, Any], org_ids: list[int], province_of: dict[str, str]
) -> list[tuple[int | None, str | None, str | None]]:
    """For each amount: (organization id, region code, basis) as its sentence links them.

    The organization is the first one named before the amount in its sentence (the giver, in
    「X基金会向Y县捐赠…」).  The region is a beneficiary in the sentence, else a place mentioned
    there, else the article's main province: the most mentioned, a beneficiary counting twice
    (the money goes there; a place named in passing should not win a tie), the earliest on a tie.
    """
    provinces: Counter[str] = Counter()
    for r in row["regions"]:
        provinces[province_of[r["code"]]] += 2 if r["role"] == "beneficiary" else 1
    # max keeps the first of equal counts, as most_common does, without its heap.
    article_province = max(provinces.items(), key=itemgetter(1))[0] if provinces else None
    # The mentions grouped by sentence once (not scanned again for each amount).
    orgs_in: dict[tuple[int, int], list[tuple[int, Any]]] = {}
    for o, org_id in zip(row["organizations"], org_ids, strict=True):
        orgs_in.setdefault(_sentence(o), []).append((o["start"], org_id))
    places_in: dict[tuple[int, int], list[tuple[bool, int, str]]] = {}
    for r in row["regions"]:
        if r["role"] != "seat":
            places_in.setdefault(_sentence(r), []).append((r["role"] != "beneficiary", r["start"], r["code"]))
    links = []
    for amount in row["amounts"]:
        sentence = _sentence(amount)
        orgs = [o for o in orgs_in.get(sentence, ()) if o[0] < amount["start"]]
        places = places_in.get(sentence)
        if places:
            region, basis = min(places)[2], "sentence"
        elif article_province:
            region, basis = article_province, "article"
        else:
            region, basis = None, None
        links.append((min(orgs)[1] if orgs else None, region, basis))
    return links


def _headline_restatements(row: dict[str, Any]) -> list[int | None]:
    """For each amount in the headline, the position of the body amount it restates (the same
    value and currency), else None.  A report's headline usually repeats its main gift
    (华衍集团承诺捐赠5亿元 …, then 「华衍集团承诺捐赠5亿元，用于…」): counting both would double it.
    The body's mention is the one counted: its sentence says more."""
    title = (row.get("title") or "").strip()
    if not title:
        return [None] * len(row["amounts"])
    text = row["text"]
    # Where the text's first non-blank character is: a sentence starting at or before it has
    # only blanks before it (``not text[:start].strip()``, without copying the text up to it).
    stripped = len(text.lstrip())
    lead = len(text) - stripped if stripped else sys.maxsize  # a blank text: blanks all along

    def in_headline(amount: dict[str, Any]) -> bool:
        # The text's first sentence, and the title: a body sentence worded as the title is not it.
        start, end = amount["sentence_start"], amount["sentence_end"]
        # An offset from the end, or not a number: as the slice takes it.
        simple = type(start) is int and start >= 0
        before_is_blank = start <= lead if simple else not text[:start].strip()
        return before_is_blank and text[start:end].strip() == title

    headline = [in_headline(a) for a in row["amounts"]]
    if not any(headline):  # most articles: no headline amount, nothing to look up
        return [None] * len(headline)
    body = {}
    for position, amount in enumerate(row["amounts"]):
        if not headline[position]:
            body.setdefault((Decimal(str(amount["value"])), amount["currency"]), position)
    return [
        body.get((Decimal(str(a["value"])), a["currency"])) if headline[position] else None
        for position, a in enumerate(row["amounts"])
    ]


# The meaning columns of an amount row, in the order ``amount_meaning_values`` gives them.
MEANING_COLUMNS = (
    "role",
    "gift",
    "restates_position",
    "giver_kind",
    "giver_name",
    "giver_organization_id",
    "giver_region_code",
    "recipient_kind",
    "recipient_name",
    "recipient_organization_id",
    "recipient_region_code",
    "recipient_province_code",
)


def amount_meaning_columns(
    amount: dict[str, Any],
    headline_of: int | None,
    organization_ids: dict[str, int],
    province_of: dict[str, str],
    province: str | None,
    linked_organization: int | None,
) -> dict[str, Any]:
    """The meaning columns of one amount row by name (see ``amount_meaning_values``)."""
    values = amount_meaning_values(
        amount, headline_of, organization_ids, province_of, province, linked_organization
    )
    return dict(zip(MEANING_COLUMNS, values, strict=True))


def amount_meaning_values(
    amount: dict[str, Any],
    headline_of: int | None,
    organization_ids: dict[str, Any],
    province_of: dict[str, str],
    province: str | None,
    linked_organization: Any,
) -> tuple[Any, ...]:
    """The meaning columns of one amount row (MEANING_COLUMNS): role, gift, restates_position,
    giver_* and recipient_*, recipient_province_code.

    ``organization_ids`` maps the article's canonical organization names to their ids;
    ``province`` is the amount's own province (province_code), the recipient's when the
    recipient is not a place; a recipient abroad (a region without a code) has none.  A record
    from an extractor before 0.3.0 has no meaning fields: its headline copy or conversion is
    what it restates, the old rule (a giving role, not cumulative) makes its gift and its
    sentence's organization (``linked_organization``) gives.
    """
    role = amount.get("role") or "other"
    giver = amount.get("giver") or _NO_PARTY
    recipient = amount.get("recipient") or _NO_PARTY
    if "gift" in amount:
        restates = amount["restates"] if amount["restates"] is not None else headline_of
        gift = bool(amount["gift"]) and restates is None
    else:
        restates = headline_of if headline_of is not None else amount["conversion_of"]
        gift = role in GIVING_ROLES and not amount["cumulative"] and restates is None
        name = next((n for n, i in organization_ids.items() if i == linked_organization), None)
        if name is not None:
            giver = {"kind": "organization", "name": name}
    # The two parties spelled out (no per-side dicts merged): 5 amounts an article.
    giver_kind, recipient_kind = giver.get("kind"), recipient.get("kind")
    giver_code = giver.get("code") if giver_kind == "region" and giver.get("code") in province_of else None
    recipient_region = (
        recipient.get("code") if recipient_kind == "region" and recipient.get("code") in province_of else None
    )
    abroad = recipient_kind == "region" and recipient_region is None  # a country abroad
    return (
        role,
        gift,
        restates,
        giver_kind,
        (giver.get("name") or "")[:200] or None,
        organization_ids.get(giver.get("name", "")) if giver_kind == "organization" else None,
        giver_code,
        recipient_kind,
        (recipient.get("name") or "")[:200] or None,
        organization_ids.get(recipient.get("name", "")) if recipient_kind == "organization" else None,
        recipient_region,
        province_of[recipient_region] if recipient_region else None if abroad else province,
    )


_NO_PARTY: dict[str, Any] = {}  # an amount without a giver or recipient (read only)


# --- One function per mention table: the values of one mention row. -----------------------------
# A row is a tuple in its table's column order (AMOUNT_COLUMNS, …), built once per mention: the
# write appends what only the batch knows (the organizations' ids in place of their names, the
# article's id, whether the amount is counted), and hands the tuples to the driver as they are.
# Every mention table starts with the same provenance columns, written out in each row function:
# surface (≤ 300 chars), start, end, the sentence's text and extractor_version.  A change to
# them changes all three functions below.
PROVENANCE_COLUMNS = ("surface", "start", "end", "sentence", "extractor_version")
# An amount row as amount_row gives it: the last four are the names of its organization, giver
# and recipient (None: none) and whether it is countable (see ``countable``).
AMOUNT_COLUMNS = (
    *PROVENANCE_COLUMNS,
    "position",
    "value",
    "currency",
    "value_cny",
    "qualifier",
    "high",
    *MEANING_COLUMNS[:5],
    *MEANING_COLUMNS[6:9],
    *MEANING_COLUMNS[10:],
    "cumulative",
    "conversion_of_position",
    "region_code",
    "region_basis",
    "province_code",
    "published_at",
    "published_month",
)
# ... then, as written: the ids of those organizations, counted, article_id.
ORGANIZATION_COLUMNS = ("organization_id", "giver_organization_id", "recipient_organization_id")
AMOUNT_WRITTEN = (*AMOUNT_COLUMNS, *ORGANIZATION_COLUMNS, "counted", "article_id")
# An organization mention: its canonical name last (its id in the row written), then article_id.
ORGANIZATION_MENTION_COLUMNS = (*PROVENANCE_COLUMNS, "expanded_from_context", "published_at")
ORGANIZATION_MENTION_WRITTEN = (*ORGANIZATION_MENTION_COLUMNS, "organization_id", "article_id")
REGION_MENTION_COLUMNS = (*PROVENANCE_COLUMNS, "region_code", "role")
REGION_MENTION_WRITTEN = (*REGION_MENTION_COLUMNS, "article_id")
_AMOUNT_VALUES = len(AMOUNT_COLUMNS)
_ORGANIZATION_VALUES = len(ORGANIZATION_MENTION_COLUMNS)


@dataclass(frozen=True)
class AmountContext:
    """What an amount's row needs from its article beyond the amount itself."""

    text: str
    version: str
    published: datetime | None
    province_of: dict[str, str]
    # The article's canonical organization names, each standing for its own id until the batch's
    # names are resolved (ORGANIZATION_COLUMNS): a giver or recipient outside them gets no id.
    organization_names: dict[str, str]
    published_month: str | None = None  # published as YYYY-MM, formatted once per article


def amount_row(
    amount: dict[str, Any],
    position: int,
    context: AmountContext,
    *,
    link: tuple[str | None, str | None, str | None],
    headline_of: int | None,
) -> tuple[Any, ...]:
    """The amount_mention values of one extracted amount (AMOUNT_COLUMNS, then the names of its
    organization, giver and recipient, and whether it is countable).  ``link`` is (giver's
    name, region code, region basis) from ``_amount_links``."""
    organization, region, basis = link
    value = Decimal(str(amount["value"]))
    value_cny = to_cny(value, amount["currency"])
    province = context.province_of[region] if region else None
    (
        role,
        gift,
        restates,
        giver_kind,
        giver_name,
        giver_id,
        giver_code,
        recipient_kind,
        recipient_name,
        recipient_id,
        recipient_code,
        recipient_province,
    ) = amount_meaning_values(
        amount, headline_of, context.organization_names, context.province_of, province, organization
    )
    text = context.text
    return (  # the provenance columns first (see above)
        (amount.get("surface") or amount["raw"])[:300],
        amount["start"],
        amount["end"],
        text[amount["sentence_start"] : amount["sentence_end"]].strip(),
        context.version,
        position,
        value,
        amount["currency"],
        value_cny,
        amount["qualifier"],
        Decimal(str(amount["high"])) if amount["high"] is not None else None,
        role,
        gift,
        restates,
        giver_kind,
        giver_name,
        giver_code,
        recipient_kind,
        recipient_name,
        recipient_code,
        recipient_province,
        amount["cumulative"],
        amount["conversion_of"],
        region,
        basis,
        province,
        context.published,
        context.published_month,
        organization,
        giver_id,
        recipient_id,
        restates is None and value_cny is not None,  # countable
    )


# The amount rows the views add when their article represents its cluster: restating no other
# amount and converted to yuan (amount_row's countable; here for articles whose representative
# status changes after their load).
_a = m.AmountMention
COUNTABLE = and_(_a.restates_position.is_(None), _a.value_cny.is_not(None))


def organization_mention_row(
    organization: dict[str, Any], text: str, version: str, published: datetime | None
) -> tuple[Any, ...]:
    """ORGANIZATION_MENTION_COLUMNS, then the organization's canonical name."""
    return (  # the provenance columns first (see above)
        (organization.get("surface") or organization["raw"])[:300],
        organization["start"],
        organization["end"],
        text[organization["sentence_start"] : organization["sentence_end"]].strip(),
        version,
        organization.get("expanded_from_context", False),
        published,
        organization["name"],
    )


def region_mention_row(region: dict[str, Any], text: str, version: str) -> tuple[Any, ...]:
    """REGION_MENTION_COLUMNS."""
    return (  # the provenance columns first (see above)
        (region.get("surface") or region["raw"])[:300],
        region["start"],
        region["end"],
        text[region["sentence_start"] : region["sentence_end"]].strip(),
        version,
        region["code"],
        region["role"],
    )


@dataclass
class _Prepared:
    """A validated record: URL and digest at once, every column once it is known to be written
    (``complete``; an unchanged record skips its signature and rows).  Only ids are missing."""

    url: str
    digest: str
    row: dict[str, Any]
    done: bool = False
    signature: bytes = b""
    published: datetime | None = None
    article: dict[str, Any] = field(default_factory=dict)
    amounts: list[tuple[Any, ...]] = field(default_factory=list)  # amount_row's
    organization_mentions: list[tuple[Any, ...]] = field(default_factory=list)
    region_mentions: list[tuple[Any, ...]] = field(default_factory=list)
    organizations: dict[str, str] = field(default_factory=dict)  # canonical name → type
    aliases: set[tuple[str, str]] = field(default_factory=set)  # (canonical name, other written form)

    def complete(self, **columns: Any) -> None:
        for name, value in columns.items():
            setattr(self, name, value)
        self.done = True


def prepare(row: dict[str, Any], context: _LoadContext) -> _Prepared:
    """Validate one record; raises BadArticle (or KeyError, …) naming the fault."""
    validate(row, context)
    return _Prepared(url=row["url"], digest=_digest(row), row=row)


def complete(prepared: _Prepared, context: _LoadContext, signature: bytes | None = None) -> None:
    """Compute every column of a record to be written; raises (KeyError, ValueError, …) on a fault.

    ``signature`` is the text's MinHash when the caller computed the batch's at once."""
    if prepared.done:
        return
    row = prepared.row
    text = row["text"]
    version = row["extractor_version"]
    # Site-local wall time: an offset in the record is dropped, as a timestamp column drops it
    # on both engines (a binary COPY would refuse an aware datetime instead).
    published = _naive(datetime.fromisoformat(row["published"])) if row.get("published") else None
    if signature is None:
        signature = _staged_signature(row) or minhashes([row["simplified"]])[0]
    names = [o["name"] for o in row["organizations"]]
    links = _amount_links(row, names, context.province_of)
    headline_of = _headline_restatements(row)
    for position, body in enumerate(headline_of):
        # 「鹭岛食品捐资600万元修缮水库」 then 「该企业再次捐资600万元…」: the body's amount is the
        # one counted, and its giver is the one the headline names when its own sentence names none.
        if body is not None and links[body][0] is None and links[position][0] is not None:
            links[body] = (links[position][0], *links[body][1:])
    amount_context = AmountContext(
        text,
        version,
        published,
        context.province_of,
        {n: n for n in names},
        published.strftime("%Y-%m") if published else None,
    )
    digest = prepared.digest
    prepared.complete(
        signature=signature,
        published=published,
        article={
            "url": row["url"],
            "source_id": context.source_ids[row["site"]],
            "title": row["title"],
            "published_at": published,
            "fetched_at": datetime.fromisoformat(row["fetched_at"]).replace(tzinfo=None),
            "script_variant": row["variant"],
            "encoding": row["encoding"],
            "original_text": text,
            "simplified_text": row["simplified"],
            "content_hash": row["content_hash"],
            "fingerprint": row["fingerprint"],
            "minhash": signature,
            "source_line": row.get("source_line"),
            "extractor_version": version,
            "load_digest": digest,
        },
        amounts=[
            amount_row(a, position, amount_context, link=link, headline_of=headline_of[position])
            for position, (a, link) in enumerate(zip(row["amounts"], links, strict=True))
        ],
        organization_mentions=[
            organization_mention_row(o, text, version, published) for o in row["organizations"]
        ],
        region_mentions=[region_mention_row(r, text, version) for r in row["regions"]],
        organizations={o["name"]: o["type"] for o in reversed(row["organizations"])},  # first type wins
        aliases={
            (o["name"], o.get("surface") or o["name"])
            for o in row["organizations"]
            if (o.get("surface") or o["name"]) != o["name"]
        },
    )


def _staged_signature(row: dict[str, Any]) -> bytes | None:
    """The MinHash signature the extraction step staged with the record (in hex), or None for
    a record without one (staged by an earlier version, or written by hand): the load computes
    it then.  ``validate`` has checked its form."""
    staged = row.get("minhash")
    return bytes.fromhex(staged) if staged is not None else None


def complete_ahead(batch: Sequence[_Prepared], context: _LoadContext) -> None:
    """``complete`` every record of a batch before it is written (signatures in one pass).

    The write calls it for its new and changed records, and a thread beside the previous
    batch's writes calls it ahead for a whole batch; it reads only the records and the load's
    fixed context.  A record it cannot complete is left as it was: the write completes it
    again and rejects it there, where an unchanged record is not looked at."""
    pending = [p for p in batch if not p.done and isinstance(p.row.get("simplified"), str)]
    staged = [_staged_signature(p.row) for p in pending]
    unsigned = [p.row["simplified"] for p, known in zip(pending, staged, strict=True) if known is None]
    computed = iter(minhashes(unsigned))
    for p, signature in zip(pending, staged, strict=True):
        try:
            complete(p, context, signature if signature is not None else next(computed))
        except _RECORD_ERRORS:
            continue


def refresh_counted(session: Session, article_ids: Iterable[int]) -> None:
    """Recompute amount_mention.counted for these articles from their current clusters.

    Two set-based UPDATEs per 500 articles (the rule joined to the article's cluster by a
    correlated EXISTS on the primary key), writing only rows whose flag changes; both find the
    rows through uq_amount_mention_article_position, which leads with article_id.
    """
    a = m.AmountMention
    representative = exists().where(m.Article.id == a.article_id, m.Article.cluster_id == m.Article.id)
    counts = and_(COUNTABLE, representative)
    for chunk in chunks(set(article_ids)):
        session.execute(
            update(a)
            .where(among(session, a.article_id, chunk), a.counted.is_(False), counts)
            .values(counted=True)
        )
        session.execute(
            update(a)
            .where(among(session, a.article_id, chunk), a.counted.is_(True), ~counts)
            .values(counted=False)
        )


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment else None


@dataclass
class _Outcome:
    written: int = 0
    unchanged: int = 0
    compared: int = 0
    rejected: list[tuple[str, Exception]] = field(default_factory=list)


def _processed(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """``process`` applied to each value, once per distinct object.

    A column's values are mostly shared objects (an article's publication datetime on each of
    its mention rows, the two booleans, a default), so each object is converted once and the
    rows take its result by identity; identity, not equality, because equal values may convert
    differently (an aware and a naive datetime, 1 and True).  The objects stay alive in
    ``values`` meanwhile, so no two of them share an id."""
    if len(values) < 2:
        return list(map(process, values))
    distinct = {id(v): v for v in values}
    if len(distinct) * 2 > len(values):  # mostly distinct (amounts): the lookups would cost more
        return list(map(process, values))
    result = {key: process(v) for key, v in distinct.items()}
    return list(map(result.__getitem__, map(id, values)))


def _tuples(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """Rows given as dicts, as tuples of ``columns``' values."""
    return list(zip(*(list(map(itemgetter(column), rows)) for column in columns), strict=True))


def _binary_type(column_type: Any) -> str:
    """The PostgreSQL type a column's values are sent as in a binary COPY."""
    for kind, name in _BINARY_TYPES:
        if isinstance(column_type, kind):
            return name
    raise TypeError(f"no binary COPY type for {column_type!r}")


# Subclasses before their bases (BigInteger and SmallInteger are Integers, Text is a String).
_BINARY_TYPES: tuple[tuple[type, str], ...] = (
    (BigInteger, "int8"),
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (Boolean, "bool"),
    (Numeric, "numeric"),
    (DateTime, "timestamp"),
    (String, "text"),  # varchar receives a text's binary form as is
    (LargeBinary, "bytea"),
    (JSON, "jsonb"),
)


class _BatchWriter:
    """Writes batches of prepared records with multi-row statements (executemany)."""

    def __init__(self, session: Session, context: _LoadContext) -> None:
        self.session = session
        self.context = context
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._added = 0  # articles added since the planner's statistics were last refreshed
        self.mostly_changed = False  # whether most records of the last batch were new or changed
        self._known = 0
        self.loaded = 0  # records this load has written
        self.deferred: list[ForeignKeyConstraint] = []  # key checks dropped until the load's end
        self._may_defer = self.postgres
        if self.postgres:
            estimate = session.scalar(
                text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('article')")
            )
            if estimate is None or estimate < 0:  # never analysed: count
                estimate = session.scalar(select(func.count()).select_from(m.Article))
            self._known = max(int(estimate or 0), 0)
        self._at_start = self._known

    def _insert_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Insert rows given as dicts that all have the same keys (see ``_insert_values``)."""
        if rows:
            columns = list(rows[0])
            self._insert_values(table, columns, _tuples(rows, columns))

    def _insert_values(self, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows given as tuples of ``columns``' values: binary COPY on PostgreSQL,
        executemany on SQLite."""
        if not rows:
            return
        if not self.postgres:
            self._executemany(table, columns, rows)
            return
        names = ", ".join(f'"{column}"' for column in columns)
        # The session's own connection, so the rows are part of the load's transaction.
        cursor = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        # Binary: the server reads numbers, dates and texts as they are, without parsing their
        # text forms or scanning texts for escapes (a third of its COPY work was that).
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_binary_type(table.c[column].type) for column in columns])
            try:
                for row in rows:
                    if len(row) != len(columns):
                        raise ValueError(f"{len(row)} values for {len(columns)} columns")
                    copy.write_row(row)
            except (TypeError, ValueError, OverflowError) as exc:
                # A value of the wrong kind for its column (a text where a number goes, …): the
                # database refuses it, as it would refuse its text form; the COPY is abandoned.
                raise psycopg.DataError(f"{table.name}: {exc}") from exc

    def _insert_integers(self, table: Any, columns: Sequence[str], rows: list[tuple[int, ...]]) -> None:
        """Insert rows of plain integers given as tuples (the band rows, 16 per article).

        Integers need no conversion on either engine, so no dict per row is built: COPY's text
        form is theirs as is (no escaping, one block), and SQLite's driver takes the tuples."""
        if not rows:
            return
        names = ", ".join(f'"{column}"' for column in columns)
        if self.postgres:
            cursor = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                copy.write("".join("\t".join(map(str, row)) + "\n" for row in rows))
            return
        marks = ", ".join("?" * len(columns))
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        self.session.connection().exec_driver_sql(statement, rows)

    def _executemany(
        self, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]], suffix: str = ""
    ) -> None:
        """SQLite: one prepared INSERT run over all rows by the driver's executemany.

        SQLAlchemy's ``execute(insert(table), rows)`` builds a parameter dict per row through
        the compiler, which cost more than SQLite's own work; here each column's bind
        processor (the same conversions of datetimes, decimals, booleans) is looked up once and
        run over the column's values, and rows no column needs converted are passed as they
        are.  Errors still come wrapped (IntegrityError, …), so a refused batch is retried as
        before."""
        dialect = self.session.get_bind().dialect
        defaults = {  # Python-side scalar defaults the ORM would have filled in
            c.name: c.default.arg
            for c in table.columns
            if c.name not in columns and c.default is not None and c.default.is_scalar
        }
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        names = ", ".join(f'"{name}"' for name in [*columns, *defaults])
        marks = ", ".join("?" * (len(columns) + len(defaults)))
        parameters: Sequence[tuple[Any, ...]] = rows
        if any(processors) or defaults:
            # Column by column (map over a column's values is C-speed), then back into rows.
            values = list(zip(*rows, strict=True)) if rows else []
            if len(values) != len(columns):
                raise ValueError(f"{table.name}: rows of {len(values)} values for {len(columns)} columns")
            converted = [
                v if process is None else _processed(v, process)
                for v, process in zip(values, processors, strict=True)
            ]
            converted += [[value] * len(rows) for value in defaults.values()]
            parameters = list(zip(*converted, strict=True))
        self.session.connection().exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks}){suffix}", parameters
        )

    def _insert_ignoring_duplicates(
        self,
        model: type[m.Base],
        rows: list[dict[str, Any]],
        keys: list[str],
        returning: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """Insert rows, skipping those whose ``keys`` are taken; on PostgreSQL, the ``returning``
        columns of the rows inserted (SQLite's executemany returns none: an empty list)."""
        if self.postgres:
            # One statement with one array per column (unnest), sent in binary (%b: psycopg
            # builds a list's text form element by element in Python, at a fifth of the speed),
            # on the session's own connection.
            table, dialect = model.__table__, self.session.get_bind().dialect
            columns = list(rows[0])
            arrays = ", ".join(f"%b::{table.c[c].type.compile(dialect)}[]" for c in columns)
            back = f" RETURNING {', '.join(returning)}" if returning else ""
            cursor = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(
                f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({', '.join(keys)}) DO NOTHING{back}",
                [[row[c] for row in rows] for c in columns],
            )
            return cursor.fetchall() if returning else []
        # The driver's executemany, as for the other tables (the ORM's bulk insert cost more).
        columns = list(rows[0])
        self._executemany(
            model.__table__, columns, _tuples(rows, columns), f" ON CONFLICT ({', '.join(keys)}) DO NOTHING"
        )
        return []

    def organization_ids(self, batch: Sequence[_Prepared]) -> dict[str, int]:
        """Ids of the organizations the batch names, created where new (get-or-create in bulk)."""
        wanted: dict[str, str] = {}
        for prepared in batch:
            for name, kind in prepared.organizations.items():
                wanted.setdefault(name, kind)
        cache = self.context.organization_ids
        if len(cache) > _ORGANIZATION_CACHE:
            cache.clear()
            self.context.aliases.clear()
        missing = sorted(name for name in wanted if name not in cache)
        if missing:
            # ON CONFLICT DO NOTHING, then the names not inserted read back: a name another
            # writer added meanwhile is reused.
            cache.update(
                self._insert_ignoring_duplicates(
                    m.Organization,
                    [{"name": n, "type": wanted[n]} for n in missing],
                    ["name"],
                    returning=("name", "id"),
                )
            )
            for chunk in chunks([name for name in missing if name not in cache]):
                found = self.session.execute(
                    select(m.Organization.name, m.Organization.id).where(
                        among(self.session, m.Organization.name, chunk)
                    )
                )
                cache.update((name, org_id) for name, org_id in found)
        aliases = {
            (cache[name], surface) for p in batch for name, surface in p.aliases
        } - self.context.aliases
        if aliases:
            self._insert_ignoring_duplicates(
                m.OrganizationAlias,
                [{"organization_id": i, "alias": alias} for i, alias in sorted(aliases)],
                ["organization_id", "alias"],
            )
            self.context.aliases |= aliases
        return {name: cache[name] for name in wanted}

    def _new_ids(self, count: int) -> list[int]:
        if not count:
            return []
        if self.postgres:
            taken = self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('article', 'id')) FROM generate_series(1, :n)"),
                {"n": count},
            )
            return sorted(taken)
        # SQLite: the load holds the write lock, so no one else takes ids meanwhile.
        top = self.session.scalar(select(func.max(m.Article.id))) or 0
        return list(range(top + 1, top + count + 1))

    def write(self, batch: Sequence[_Prepared]) -> _Outcome:
        session, outcome = self.session, _Outcome()
        existing: dict[str, Any] = {}
        for chunk in chunks(p.url for p in batch):
            for row in session.execute(
                select(
                    m.Article.id,
                    m.Article.url,
                    m.Article.load_digest,
                    m.Article.cluster_id,
                    m.Article.minhash,
                    m.Article.published_at,
                ).where(among(session, m.Article.url, chunk))
            ):
                existing[row.url] = row
        todo = []
        changed = [p for p in batch if not (p.url in existing and _unchanged(existing[p.url].load_digest, p))]
        outcome.unchanged += len(batch) - len(changed)
        self.mostly_changed = len(changed) * 2 > len(batch)
        # The batch's signatures in one pass (most are done already when computed ahead); a
        # record that cannot be completed is completed again here, which rejects it alone.
        complete_ahead(changed, self.context)
        for p in changed:
            try:
                complete(p, self.context)
            except _RECORD_ERRORS as exc:
                outcome.rejected.append((p.url, exc))
                continue
            todo.append(p)
        if not todo:
            return outcome
        organization_ids = self.organization_ids(todo)
        new = [p for p in todo if p.url not in existing]
        rewritten = [p for p in todo if p.url in existing]
        article_id = dict(zip((p.url for p in new), self._new_ids(len(new)), strict=True))
        incoming = [Incoming(article_id[p.url], p.signature, p.published, None, True) for p in new]
        for p in rewritten:
            old = existing[p.url]
            article_id[p.url] = old.id
            moved = (
                old.cluster_id is None
                or bytes(old.minhash or b"") != p.signature
                or _naive(old.published_at) != _naive(p.published)
            )
            incoming.append(Incoming(old.id, p.signature, p.published, old.cluster_id, moved))
        plan = plan_clusters(session, incoming)
        outcome.compared = plan.compared

        # Foreign keys decide the order: clusters exist before articles point at them, articles
        # before clusters name them as representative, and nothing points at a dropped cluster.
        cluster = m.SyndicationCluster.__table__
        article = m.Article.__table__
        if plan.new_clusters:
            self._insert_rows(
                cluster,
                [
                    {"id": c, "representative_article_id": None, "size": n}
                    for c, n in sorted(plan.new_clusters.items())
                ],
            )
        if plan.resized:
            session.execute(
                update(cluster).where(cluster.c.id == bindparam("b_id")).values(size=bindparam("b_size")),
                [{"b_id": c, "b_size": n} for c, n in sorted(plan.resized.items())],
            )
        if rewritten:
            ids = [article_id[p.url] for p in rewritten]
            for table in (m.AmountMention, m.OrganizationMention, m.RegionMention):
                for chunk in chunks(ids):
                    session.execute(delete(table).where(among(session, table.article_id, chunk)))
            moved_ids = [a.article_id for a in incoming if a.recluster and a.previous_cluster is not None]
            for chunk in chunks(moved_ids):
                session.execute(
                    delete(m.SyndicationBand).where(among(session, m.SyndicationBand.article_id, chunk))
                )
            session.execute(
                update(m.Article),
                [
                    {"id": article_id[p.url], "cluster_id": plan.cluster_of[article_id[p.url]], **p.article}
                    for p in rewritten
                ],
            )
        if new:
            self._insert_rows(
                article,
                [
                    {"id": article_id[p.url], "cluster_id": plan.cluster_of[article_id[p.url]], **p.article}
                    for p in new
                ],
            )
        if plan.merged:
            session.execute(
                update(article)
                .where(article.c.cluster_id == bindparam("b_old"))
                .values(cluster_id=bindparam("b_new")),
                [{"b_old": old, "b_new": into} for old, into in sorted(plan.merged.items())],
            )
        if plan.reassigned:
            session.execute(
                update(article)
                .where(article.c.id == bindparam("b_id"))
                .values(cluster_id=bindparam("b_cluster")),
                [{"b_id": a, "b_cluster": c} for a, c in sorted(plan.reassigned.items())],
            )
        for chunk in chunks(plan.new_clusters):
            session.execute(
                update(cluster)
                .where(among(session, cluster.c.id, chunk))
                .values(representative_article_id=cluster.c.id)
            )
        for chunk in chunks(plan.dropped):
            session.execute(delete(cluster).where(among(session, cluster.c.id, chunk)))
        self._insert_integers(m.SyndicationBand.__table__, ("article_id", "band", "key"), plan.bands)

        amounts: list[tuple[Any, ...]] = []
        organizations: list[tuple[Any, ...]] = []
        regions: list[tuple[Any, ...]] = []
        ids = {None: None, **organization_ids}.__getitem__  # a name of None: no organization
        for p in todo:
            aid = article_id[p.url]
            representative = plan.cluster_of[aid] == aid
            amounts.extend(
                (*a[:_AMOUNT_VALUES], ids(a[-4]), ids(a[-3]), ids(a[-2]), representative and a[-1], aid)
                for a in p.amounts
            )
            organizations.extend(
                (*o[:_ORGANIZATION_VALUES], organization_ids[o[-1]], aid) for o in p.organization_mentions
            )
            regions.extend((*row, aid) for row in p.region_mentions)
        for model, columns, rows in (
            (m.AmountMention, AMOUNT_WRITTEN, amounts),
            (m.OrganizationMention, ORGANIZATION_MENTION_WRITTEN, organizations),
            (m.RegionMention, REGION_MENTION_WRITTEN, regions),
        ):
            self._insert_values(model.__table__, columns, rows)
        refresh_counted(session, plan.status_changed)
        outcome.written = len(todo)
        self._added += len(new)
        self.loaded += len(todo)
        return outcome

    def defer_key_checks(self) -> None:
        """PostgreSQL, once this load has written as many articles as the warehouse held at its
        start (a backfill): the mention tables' foreign keys are dropped and added back before
        the commit (``check_deferred_keys``), validated then in one pass per key.

        Checked per row, each mention row runs a lookup of its article and organizations:
        about a third of the server's work on a first load.  Validating a key on adding it is
        one join over the table, and the table then holds at most twice this load's rows, so
        the cost stays proportional to the load.  The keys are the schema's own (their names
        and rules from warehouse/models.py), dropped and added inside the load's transaction:
        a killed load leaves them as they were.  Dropping them locks the mention tables,
        ``article`` and ``organization`` against readers until the commit, so it is tried with
        a short lock timeout, and skipped (checks stay per row) when a reader holds them or
        when the load's role does not own the tables (only an owner may alter them)."""
        if not self._may_defer or self.loaded < max(BATCH, self._at_start):
            return
        self._may_defer = False
        keys = [
            constraint
            for table in _DEFERRED_KEY_TABLES
            for constraint in table.constraints
            if isinstance(constraint, ForeignKeyConstraint)
        ]
        timeout = self.session.scalar(text("SELECT current_setting('lock_timeout')"))
        try:
            with self.session.begin_nested():
                self.session.execute(text(f"SET LOCAL lock_timeout = '{_DEFER_LOCK_TIMEOUT}'"))
                for key in keys:
                    self.session.execute(DropConstraint(key))
        except DBAPIError as exc:  # a reader held a table past the timeout, or the role owns none
            log.info("key checks stay per row: %s", _reason(exc))
            return
        finally:
            self.session.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": timeout})
        self.deferred = keys

    def check_deferred_keys(self) -> None:
        """Add back the keys ``defer_key_checks`` dropped; each validates every row of its table."""
        for key in self.deferred:
            try:
                with self.session.begin_nested():
                    self.session.execute(AddConstraint(key))
            except IntegrityError as exc:
                # Nothing a record can cause: the loader wrote a row naming an id it never made.
                raise RuntimeError(
                    f"the load wrote {key.table.name} rows that break {key.name}; nothing was committed"
                ) from exc
        self.deferred = []

    def refresh_statistics(self) -> None:
        """ANALYZE the tables a load grows once they have doubled since the planner last looked.

        Inside the load's transaction PostgreSQL's autovacuum cannot see the new rows, so on a
        first load the planner would take every table for empty and scan where it should probe
        an index.  ANALYZE in the transaction counts its own rows; doubling keeps it to
        log2(articles) runs on a first load and none on a daily one.  Only the columns the
        load's own lookups filter on are sampled (row counts are refreshed whatever the list):
        sampling the texts and sentences cost a third of the server's work on a first load, and
        autovacuum analyses every column once the load has committed."""
        if not self.postgres or self._added < max(1_000, self._known):
            return
        for table, columns in _ANALYZED.items():
            self.session.execute(text(f"ANALYZE {table} ({', '.join(columns)})"))
        self._known += self._added
        self._added = 0


# The tables a load grows → the columns its lookups (and refresh_counted) filter or join on.
_ANALYZED = {
    "article": ("id", "url", "cluster_id"),
    "syndication_band": ("key", "article_id"),
    "syndication_cluster": ("id",),
    "amount_mention": ("article_id", "counted", "restates_position", "value_cny"),
    "organization_mention": ("article_id",),
    "region_mention": ("article_id",),
    "organization": ("name",),
}


# The tables whose foreign keys a backfill checks once at its end instead of row by row: the
# mention tables (their rows name articles and organizations the same load wrote or looked up).
_DEFERRED_KEY_TABLES = (
    m.AmountMention.__table__,
    m.OrganizationMention.__table__,
    m.RegionMention.__table__,
)
_DEFER_LOCK_TIMEOUT = "2s"


def _lock_for_load(session: Session) -> None:
    """Wait for any other load of this warehouse to finish (see the module's docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(current_schema()))"),
            {"lock_class": _LOAD_LOCK_CLASS},
        )
    # SQLite: the session's engine begins with BEGIN IMMEDIATE (warehouse.db), which is the lock.


SQLITE_LOAD_CACHE_KIB = 65_536  # page cache of a SQLite load's connection (the default is 2 MiB)


def _bulk_settings(session: Session) -> None:
    """Settings of the load's own transaction or connection for the lookups a load makes.

    SQLite: a page cache large enough for the indexes a load updates.  With the default 2 MiB,
    a load of thousands of articles keeps evicting the index pages it is about to touch again.
    Only the cache changes: the journal stays WAL and ``synchronous`` as configured, because a
    killed load must leave the previous state, which the transaction guarantees by itself (the
    uncommitted pages in the WAL are ignored by readers and discarded on recovery); turning the
    journal off would lose that.  The cache is per connection and holds only pages, so leaving
    it larger for the pooled connection changes no result.

    PostgreSQL (for this transaction only): the planner's default cost of a random page read
    (4, a spinning disk's) made it scan the whole band-key table for each batch's 8,000 keys
    rather than probe its index: 88 ms a batch at 100,000 articles against 15 ms probing
    (and a parallel scan, taking the other core from the partitions being extracted).  A
    load's lookups are all by key, so the load plans them as on an SSD or a cached database
    (1.1) and without parallel workers."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{SQLITE_LOAD_CACHE_KIB}"))
        return
    session.execute(text("SET LOCAL random_page_cost = 1.1"))
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _reason(exc: Exception) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {message}"


class _Refused(Exception):
    """The database refused a batch written without a savepoint of its own (see load_extracted)."""

    def __init__(self, reason: str, read: int) -> None:
        super().__init__(reason)
        self.read = read  # records read up to the refused batch's end


def load_extracted(
    engine: Engine,
    sites: Sequence[Site],
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load extracted articles in one transaction, batch by batch, updating clusters as it goes.

    ``rows`` is consumed as a stream (held ``BATCH`` at a time).  ``progress`` is called with the
    number of records handled so far after each batch is written.  The load lock is held from
    the start to the commit, so feed it records already extracted (a partition's staging file):
    a generator that extracts as it yields would make other partitions' loads wait for its
    extraction too.

    When ``rows`` can be read again (an iterable that is not itself an iterator: a list, or
    ``pipelines.staging.staged_records``), batches are written without a savepoint each; should
    the database refuse one, the whole load is rolled back and run again from the first record
    with a savepoint per batch, which finds and rejects the article alone (``progress`` then
    counts from the start again).  A savepoint costs SQLite a copy of every page a batch
    touches for the first time since it opened, and once the warehouse is large its random-key
    indexes (band keys, a mention's organization, URLs) put most entries on a page of their
    own: into a warehouse of 60,000 articles, a 10,000-record load took 10-16 % less CPU
    without them.  A one-pass iterator (a generator) is loaded with savepoints from the start.
    """
    logged: set[tuple[str, str]] = set()  # rejections already logged, not logged again on a re-run
    if not isinstance(rows, Iterator):
        try:
            return _load(engine, sites, rows, progress, savepoints=False, logged=logged)
        except _Refused as refused:
            log.warning(
                "the warehouse refused a batch (%s): loading again batch by batch, "
                "to reject only the article it refuses",
                refused,
            )
            return _load(engine, sites, rows, progress, savepoints=True, logged=logged, at_least=refused.read)
    return _load(engine, sites, rows, progress, savepoints=True, logged=logged)


def _load(
    engine: Engine,
    sites: Sequence[Site],
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None,
    *,
    savepoints: bool,
    logged: set[tuple[str, str]],
    at_least: int = 0,
) -> LoadReport:
    """One attempt of ``load_extracted``; without ``savepoints`` a refused batch raises _Refused.

    ``at_least``: the records an earlier attempt read; a reading that gives fewer (an iterable
    that cannot in fact be read again) fails before the commit instead of loading part of them."""
    rejected: list[Rejected] = []
    totals = _Outcome()
    with (
        fewer_collections(),
        Session(engine.execution_options(sqlite_write_lock=True)) as session,
        session.begin(),
    ):
        _lock_for_load(session)
        _bulk_settings(session)
        ensure_regions(session)
        context = _LoadContext(
            source_ids=ensure_sources(session, sites),
            province_of=dict(session.execute(select(m.Region.code, m.Region.province_code)).all()),
        )
        writer = _BatchWriter(session, context)

        def reject(url: str, exc: Exception) -> None:
            reason = _reason(exc)
            if (url, reason) not in logged:
                logged.add((url, reason))
                log.warning("article rejected: %s: %s", url, reason.split(": ", 1)[-1])
            rejected.append(Rejected(url, reason))

        def add(outcome: _Outcome) -> None:
            totals.written += outcome.written
            totals.unchanged += outcome.unchanged
            totals.compared += outcome.compared
            for url, exc in outcome.rejected:
                reject(url, exc)

        def flush(batch: list[_Prepared], handled: int) -> None:
            if savepoints:
                write_under_savepoints(batch)
            else:
                try:
                    add(writer.write(batch))
                except _DB_ERRORS as exc:
                    raise _Refused(_reason(exc), handled) from exc
            writer.refresh_statistics()
            writer.defer_key_checks()

        def write_under_savepoints(batch: list[_Prepared]) -> None:
            try:
                with session.begin_nested():
                    add(writer.write(batch))
            except _DB_ERRORS:
                # Validation let through something the database refuses: find it article by article.
                context.organization_ids.clear()  # ids made inside the rolled-back savepoint
                context.aliases.clear()
                for prepared in batch:
                    try:
                        with session.begin_nested():
                            add(writer.write([prepared]))
                    except _DB_ERRORS as exc:
                        context.organization_ids.clear()
                        context.aliases.clear()
                        reject(prepared.url, exc)

        def write_in_turn(batch: list[_Prepared], computing: Future[None] | None, handled: int) -> None:
            if computing is not None:
                computing.result()
            if batch:
                flush(batch, handled)
            if progress is not None:
                progress(handled)

        def batches() -> Iterator[tuple[list[_Prepared], int]]:
            """The records, validated, in batches of BATCH with no URL twice, and the count read."""
            batch: list[_Prepared] = []
            urls: set[str] = set()
            handled = 0
            for row in rows:
                handled += 1
                if not isinstance(row, dict):
                    reject("?", BadArticle(f"not a staging record: {type(row).__name__}"))
                    continue
                try:
                    prepared = prepare(row, context)
                except _RECORD_ERRORS as exc:
                    reject(str(row.get("url", "?")), exc)
                    continue
                if prepared.url in urls:  # the same URL again: the later record replaces the earlier
                    yield batch, handled - 1
                    batch, urls = [], set()
                batch.append(prepared)
                urls.add(prepared.url)
                if len(batch) >= BATCH:
                    yield batch, handled
                    batch, urls = [], set()
            if batch or not handled:
                yield batch, handled

        # On PostgreSQL, while a batch is written (most of it waiting for the server), the next
        # batch's rows and signatures are computed beside it in a thread, once the load has shown
        # that its records are mostly new or changed (a re-run of unchanged records computes
        # none).  Not on SQLite: its driver releases the interpreter lock around each row's
        # insert, so the thread only takes turns with the writer, and the switches cost more
        # than they overlap (3 % more CPU, no less wall time, over three 3,700-article loads).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-ahead") as ahead:
            written: tuple[list[_Prepared], Future[None] | None, int] | None = None
            for batch, handled in batches():
                beside = writer.postgres and writer.mostly_changed
                computing = ahead.submit(complete_ahead, batch, context) if beside else None
                if written is not None:
                    write_in_turn(*written)
                written = (batch, computing, handled)
            if written is not None:
                write_in_turn(*written)
        read = written[2] if written is not None else 0
        if read < at_least:  # raised inside the transaction: it is rolled back
            raise RuntimeError(
                f"the records read again for the load were {read:,}, fewer than the {at_least:,} read "
                "before the refused batch (an iterable that cannot be read twice); nothing was committed"
            )
        writer.check_deferred_keys()

        def count(model: type[m.Base]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        cluster_sizes = session.execute(
            select(func.count(), func.count().filter(m.SyndicationCluster.size > 1))
        ).one()
        return LoadReport(
            articles=count(m.Article),
            amount_mentions=count(m.AmountMention),
            organization_mentions=count(m.OrganizationMention),
            region_mentions=count(m.RegionMention),
            clusters=int(cluster_sizes[0]),
            multi_article_clusters=int(cluster_sizes[1] or 0),
            written=totals.written,
            unchanged=totals.unchanged,
            compared=totals.compared,
            rejected=tuple(rejected),
        )
