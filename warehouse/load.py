"""Idempotent, transactional loads into the warehouse.

A load is one transaction: a process killed half-way leaves the previous state.  Inside it each
article is written under a savepoint, so one bad article is rejected (logged, counted, named in
the report) without stopping the others.  Articles are keyed by URL: an article whose staging
record is unchanged is not written again, so re-running a partition leaves identical rows (ids
included); a changed record, e.g. from a new extractor version, replaces the article's mentions
in the same savepoint.  Syndication clusters are then brought up to date for the whole warehouse.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from spiders.registry import Site
from transforms.currency import CURRENCIES, to_cny
from transforms.gazetteer import load_gazetteer
from warehouse import models as m
from warehouse.syndication import ClusterMember, clusters, minhash

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
_CHUNK = 500  # ids per IN (...) list


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
    rejected: tuple[Rejected, ...] = field(default_factory=tuple)


@dataclass
class _LoadContext:
    source_ids: dict[str, int]
    province_of: dict[str, str]  # region code → province-level code
    organization_ids: dict[str, int] = field(default_factory=dict)
    aliases: set[tuple[int, str]] = field(default_factory=set)


def ensure_regions(session: Session) -> int:
    """Fill the GB/T 2260 reference table (parents before children); returns rows added."""
    existing = dict(session.execute(select(m.Region.code, m.Region.province_code)).all())
    gazetteer = load_gazetteer()
    order = {"province": 0, "city": 1, "county": 2}
    added = 0
    for region in sorted(gazetteer.regions.values(), key=lambda r: (order[r.level], r.code)):
        top = region
        while top.parent:
            top = gazetteer.regions[top.parent]
        if region.code not in existing:
            session.add(
                m.Region(
                    code=region.code,
                    name=region.name,
                    level=region.level,
                    short_names="|".join(region.short_names),
                    parent_code=region.parent,
                    province_code=top.code,
                )
            )
            added += 1
            session.flush()  # a child's parent must exist before the child
        elif existing[region.code] != top.code:
            session.execute(
                update(m.Region).where(m.Region.code == region.code).values(province_code=top.code)
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


def _digest(row: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _provenance(article_id: int, text: str, mention: dict[str, Any], version: str) -> dict[str, Any]:
    """The columns every mention table shares: where in which article, and by which extractor."""
    return {
        "article_id": article_id,
        "surface": (mention.get("surface") or mention["raw"])[:300],
        "start": mention["start"],
        "end": mention["end"],
        "sentence": text[mention["sentence_start"] : mention["sentence_end"]].strip(),
        "extractor_version": version,
    }


def _organization_id(session: Session, context: _LoadContext, name: str, kind: str, surface: str) -> int:
    org_id = context.organization_ids.get(name)
    if org_id is None:
        org_id = session.scalar(select(m.Organization.id).where(m.Organization.name == name))
        if org_id is None:
            org = m.Organization(name=name, type=kind)
            session.add(org)
            session.flush()
            org_id = org.id
        context.organization_ids[name] = org_id
    if surface != name and (org_id, surface) not in context.aliases:
        exists = session.scalar(
            select(m.OrganizationAlias.id).where(
                m.OrganizationAlias.organization_id == org_id, m.OrganizationAlias.alias == surface
            )
        )
        if exists is None:
            session.add(m.OrganizationAlias(organization_id=org_id, alias=surface))
            session.flush()
        context.aliases.add((org_id, surface))
    return org_id


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
    article_province = provinces.most_common(1)[0][0] if provinces else None
    links = []
    for amount in row["amounts"]:
        orgs = sorted(
            (o["start"], org_id)
            for o, org_id in zip(row["organizations"], org_ids, strict=True)
            if _sentence(o) == _sentence(amount) and o["start"] < amount["start"]
        )
        places = sorted(
            (r["role"] != "beneficiary", r["start"], r["code"])
            for r in row["regions"]
            if _sentence(r) == _sentence(amount) and r["role"] != "seat"
        )
        if places:
            region, basis = places[0][2], "sentence"
        elif article_province:
            region, basis = article_province, "article"
        else:
            region, basis = None, None
        links.append((orgs[0][1] if orgs else None, region, basis))
    return links


def _headline_restatements(row: dict[str, Any]) -> list[int | None]:
    """For each amount in the headline, the position of the body amount it restates (the same
    value and currency), else None.  A report's headline usually repeats its main gift
    (华衍集团承诺捐赠5亿元 …, then 「华衍集团承诺捐赠5亿元，用于…」): counting both would double it.
    The body's mention is the one counted: its sentence says more."""
    title = (row.get("title") or "").strip()
    text = row["text"]

    def in_headline(amount: dict[str, Any]) -> bool:
        # The text's first sentence, and the title: a body sentence worded as the title is not it.
        start, end = amount["sentence_start"], amount["sentence_end"]
        return bool(title) and not text[:start].strip() and text[start:end].strip() == title

    headline = [in_headline(a) for a in row["amounts"]]
    body = {}
    for position, amount in enumerate(row["amounts"]):
        if not headline[position]:
            body.setdefault((Decimal(str(amount["value"])), amount["currency"]), position)
    return [
        body.get((Decimal(str(a["value"])), a["currency"])) if headline[position] else None
        for position, a in enumerate(row["amounts"])
    ]


_GIVING_ROLES = frozenset({"donated", "raised", "pledged", "disbursed", "fund_size", "in_kind"})


def amount_meaning_columns(
    amount: dict[str, Any],
    headline_of: int | None,
    organization_ids: dict[str, int],
    province_of: dict[str, str],
    province: str | None,
    linked_organization: int | None,
) -> dict[str, Any]:
    """The meaning columns of one amount row: role, gift, restates_position, giver_* and
    recipient_*, recipient_province_code.

    ``organization_ids`` maps the article's canonical organization names to their ids;
    ``province`` is the amount's own province (province_code), the recipient's when the
    recipient is not a place.  A record from an extractor before 0.3.0 has no meaning fields:
    its headline copy or conversion is what it restates, the old rule (a giving role, not
    cumulative) makes its gift and its sentence's organization (``linked_organization``) gives.
    """
    role = amount.get("role") or "other"
    parties = {side: amount.get(side) or {} for side in ("giver", "recipient")}
    if "gift" in amount:
        restates = amount["restates"] if amount["restates"] is not None else headline_of
        gift = bool(amount["gift"]) and restates is None
    else:
        restates = headline_of if headline_of is not None else amount["conversion_of"]
        gift = role in _GIVING_ROLES and not amount["cumulative"] and restates is None
        name = next((n for n, i in organization_ids.items() if i == linked_organization), None)
        if name is not None:
            parties["giver"] = {"kind": "organization", "name": name}
    columns: dict[str, Any] = {"role": role, "gift": gift, "restates_position": restates}
    for side, party in parties.items():
        kind = party.get("kind")
        code = party.get("code") if kind == "region" and party.get("code") in province_of else None
        columns |= {
            f"{side}_kind": kind,
            f"{side}_name": (party.get("name") or "")[:200] or None,
            f"{side}_organization_id": organization_ids.get(party.get("name", ""))
            if kind == "organization"
            else None,
            f"{side}_region_code": code,
        }
    recipient_region = columns["recipient_region_code"]
    columns["recipient_province_code"] = province_of[recipient_region] if recipient_region else province
    return columns


def load_article(session: Session, context: _LoadContext, row: dict[str, Any]) -> tuple[int, bool]:
    """Upsert one article and replace its mentions; returns (article id, whether anything was written)."""
    digest = _digest(row)
    existing = session.execute(
        select(m.Article.id, m.Article.load_digest).where(m.Article.url == row["url"])
    ).first()
    if existing is not None and existing.load_digest == digest:
        return existing.id, False
    text = row["text"]
    published = datetime.fromisoformat(row["published"]) if row.get("published") else None
    values = {
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
        "minhash": minhash(row["simplified"]),
        "source_line": row.get("source_line"),
        "extractor_version": row["extractor_version"],
        "load_digest": digest,
    }
    if existing is None:
        article_id = session.execute(
            insert(m.Article).values(url=row["url"], **values).returning(m.Article.id)
        ).scalar_one()
        representative = False  # clusters are settled after the load; counted is set then
    else:
        article_id = existing.id
        session.execute(update(m.Article).where(m.Article.id == article_id).values(**values))
        for table in (m.AmountMention, m.OrganizationMention, m.RegionMention):
            session.execute(delete(table).where(table.article_id == article_id))
        cluster_id = session.scalar(select(m.Article.cluster_id).where(m.Article.id == article_id))
        representative = cluster_id == article_id
    version = row["extractor_version"]
    month = published.strftime("%Y-%m") if published else None
    org_ids = [
        _organization_id(session, context, o["name"], o["type"], o.get("surface") or o["name"])
        for o in row["organizations"]
    ]
    links = _amount_links(row, org_ids, context.province_of)
    headline_of = _headline_restatements(row)
    for position, body in enumerate(headline_of):
        # 「鹭岛食品捐资600万元修缮水库」 then 「该企业再次捐资600万元…」: the body's amount is the
        # one counted, and its giver is the one the headline names when its own sentence names none.
        if body is not None and links[body][0] is None and links[position][0] is not None:
            links[body] = (links[position][0], *links[body][1:])
    org_by_name = {o["name"]: org_id for o, org_id in zip(row["organizations"], org_ids, strict=True)}
    amounts = []
    for position, (amount, (org_id, region, basis)) in enumerate(zip(row["amounts"], links, strict=True)):
        value = Decimal(str(amount["value"]))
        value_cny = to_cny(value, amount["currency"])
        province = context.province_of[region] if region else None
        meaning = amount_meaning_columns(
            amount, headline_of[position], org_by_name, context.province_of, province, org_id
        )
        amounts.append(
            {
                **_provenance(article_id, text, amount, version),
                "position": position,
                "value": value,
                "currency": amount["currency"],
                "value_cny": value_cny,
                "qualifier": amount["qualifier"],
                "high": Decimal(str(amount["high"])) if amount["high"] is not None else None,
                **meaning,
                "cumulative": amount["cumulative"],
                "conversion_of_position": amount["conversion_of"],
                "organization_id": org_id,
                "region_code": region,
                "region_basis": basis,
                "province_code": province,
                "published_at": published,
                "published_month": month,
                "counted": representative and meaning["restates_position"] is None and value_cny is not None,
            }
        )
    if amounts:
        session.execute(insert(m.AmountMention), amounts)
    organizations = [
        {
            **_provenance(article_id, text, o, version),
            "organization_id": org_id,
            "expanded_from_context": o.get("expanded_from_context", False),
            "published_at": published,
        }
        for o, org_id in zip(row["organizations"], org_ids, strict=True)
    ]
    if organizations:
        session.execute(insert(m.OrganizationMention), organizations)
    regions = [
        {**_provenance(article_id, text, r, version), "region_code": r["code"], "role": r["role"]}
        for r in row["regions"]
    ]
    if regions:
        session.execute(insert(m.RegionMention), regions)
    return article_id, True


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i : i + _CHUNK]


def refresh_counted(session: Session, article_ids: Iterable[int]) -> None:
    """Recompute amount_mention.counted for these articles from their current clusters.

    Only rows whose flag changes are written.
    """
    a = m.AmountMention
    countable = and_(a.restates_position.is_(None), a.value_cny.is_not(None))
    for chunk in _chunks(article_ids):
        representatives = list(
            session.scalars(
                select(m.Article.id).where(m.Article.id.in_(chunk), m.Article.cluster_id == m.Article.id)
            )
        )
        counts = and_(a.article_id.in_(representatives), countable)
        session.execute(update(a).where(counts, a.counted.is_(False)).values(counted=True))
        session.execute(
            update(a).where(a.article_id.in_(chunk), a.counted.is_(True), ~counts).values(counted=False)
        )


def assign_syndication_clusters(session: Session, written: Iterable[int] = ()) -> tuple[int, int]:
    """Bring clusters up to date for the whole warehouse; returns (clusters, clusters with copies).

    The result depends only on the articles (cluster id = representative's article id), and only
    rows that differ are written, so a re-run over the same articles changes nothing.
    """
    missing = session.execute(
        select(m.Article.id, m.Article.simplified_text).where(m.Article.minhash.is_(None))
    )
    for article_id, simplified in missing.all():  # rows loaded before signatures existed
        session.execute(
            update(m.Article).where(m.Article.id == article_id).values(minhash=minhash(simplified))
        )
    rows = session.execute(
        select(m.Article.id, m.Article.minhash, m.Article.published_at, m.Article.cluster_id)
    ).all()
    representative_of = clusters(ClusterMember(r.id, r.minhash, r.published_at) for r in rows)
    sizes = Counter(representative_of.values())
    existing = {c.id: c for c in session.scalars(select(m.SyndicationCluster))}
    for rep, size in sorted(sizes.items()):
        cluster = existing.get(rep)
        if cluster is None:
            session.add(m.SyndicationCluster(id=rep, representative_article_id=rep, size=size))
        elif (cluster.representative_article_id, cluster.size) != (rep, size):
            cluster.representative_article_id, cluster.size = rep, size
    session.flush()
    moved = [r.id for r in rows if r.cluster_id != representative_of[r.id]]
    for article_id in moved:
        session.execute(
            update(m.Article)
            .where(m.Article.id == article_id)
            .values(cluster_id=representative_of[article_id])
        )
    stale = [cluster_id for cluster_id in existing if cluster_id not in sizes]
    for chunk in _chunks(stale):
        session.execute(delete(m.SyndicationCluster).where(m.SyndicationCluster.id.in_(chunk)))
    refresh_counted(session, set(moved) | set(written))
    return len(sizes), sum(1 for size in sizes.values() if size > 1)


def load_extracted(
    engine: Engine,
    sites: Sequence[Site],
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load extracted articles in one transaction (one savepoint each) and update clusters.

    ``progress`` is called with the number of records handled so far, after each one.
    """
    rejected: list[Rejected] = []
    written: list[int] = []
    unchanged = 0
    with Session(engine) as session, session.begin():
        ensure_regions(session)
        context = _LoadContext(
            source_ids=ensure_sources(session, sites),
            province_of=dict(session.execute(select(m.Region.code, m.Region.province_code)).all()),
        )
        for handled, row in enumerate(rows, start=1):
            url = str(row.get("url", "?"))
            try:
                validate(row, context)
                with session.begin_nested():
                    article_id, changed = load_article(session, context, row)
            except (BadArticle, IntegrityError, DataError, KeyError, TypeError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("article rejected: %s: %s", url, reason)
                rejected.append(Rejected(url, f"{type(exc).__name__}: {reason}"))
                # The savepoint rolled back what the article wrote; forget cached ids made inside it.
                context.organization_ids.clear()
                context.aliases.clear()
            else:
                if changed:
                    written.append(article_id)
                else:
                    unchanged += 1
            if progress is not None:
                progress(handled)
        clusters_total, multi = assign_syndication_clusters(session, written)

        def count(model: type[m.Base]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return LoadReport(
            articles=count(m.Article),
            amount_mentions=count(m.AmountMention),
            organization_mentions=count(m.OrganizationMention),
            region_mentions=count(m.RegionMention),
            clusters=clusters_total,
            multi_article_clusters=multi,
            written=len(written),
            unchanged=unchanged,
            rejected=tuple(rejected),
        )
