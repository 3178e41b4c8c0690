"""Idempotent, transactional loads into the warehouse.

Articles are keyed by URL; loading one replaces its mentions in the same transaction, so a
re-run leaves identical rows and a load that dies half-way leaves the previous state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from spiders.registry import Site
from transforms.currency import to_cny
from transforms.fingerprint import NEAR_DUPLICATE_DISTANCE, hamming
from transforms.gazetteer import load_gazetteer
from warehouse import models as m

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadReport:
    articles: int
    amount_mentions: int
    organization_mentions: int
    region_mentions: int
    clusters: int
    multi_article_clusters: int


def ensure_regions(session: Session) -> int:
    """Fill the GB/T 2260 reference table (parents before children); returns rows added."""
    existing = set(session.scalars(select(m.Region.code)))
    gazetteer = load_gazetteer()
    order = {"province": 0, "city": 1, "county": 2}
    added = 0
    for region in sorted(gazetteer.regions.values(), key=lambda r: (order[r.level], r.code)):
        if region.code not in existing:
            session.add(
                m.Region(
                    code=region.code,
                    name=region.name,
                    level=region.level,
                    short_names="|".join(region.short_names),
                    parent_code=region.parent,
                )
            )
            added += 1
    session.flush()
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


def _organization_id(session: Session, name: str, kind: str, surface: str) -> int:
    org = session.scalar(select(m.Organization).where(m.Organization.name == name))
    if org is None:
        org = m.Organization(name=name, type=kind)
        session.add(org)
        session.flush()
    if surface != name:
        exists = session.scalar(
            select(m.OrganizationAlias.id).where(
                m.OrganizationAlias.organization_id == org.id, m.OrganizationAlias.alias == surface
            )
        )
        if exists is None:
            session.add(m.OrganizationAlias(organization_id=org.id, alias=surface))
    return org.id


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


def load_article(session: Session, source_id: int, row: dict[str, Any]) -> int:
    """Upsert one article and replace its mentions; returns the article id."""
    text = row["text"]
    article = session.scalar(select(m.Article).where(m.Article.url == row["url"]))
    values = {
        "source_id": source_id,
        "title": row["title"],
        "published_at": datetime.fromisoformat(row["published"]) if row["published"] else None,
        "fetched_at": datetime.fromisoformat(row["fetched_at"]).replace(tzinfo=None),
        "script_variant": row["variant"],
        "encoding": row["encoding"],
        "original_text": text,
        "simplified_text": row["simplified"],
        "content_hash": row["content_hash"],
        "fingerprint": row["fingerprint"],
        "source_line": row["source_line"],
        "extractor_version": row["extractor_version"],
    }
    if article is None:
        article = m.Article(url=row["url"], **values)
        session.add(article)
        session.flush()
    else:
        for key, value in values.items():
            setattr(article, key, value)
        for table in (m.AmountMention, m.OrganizationMention, m.RegionMention):
            session.execute(delete(table).where(table.article_id == article.id))
    version = row["extractor_version"]
    for position, amount in enumerate(row["amounts"]):
        value = Decimal(str(amount["value"]))
        session.add(
            m.AmountMention(
                **_provenance(article.id, text, amount, version),
                position=position,
                value=value,
                currency=amount["currency"],
                value_cny=to_cny(value, amount["currency"]),
                qualifier=amount["qualifier"],
                high=Decimal(str(amount["high"])) if amount["high"] is not None else None,
                role=amount["role"],
                cumulative=amount["cumulative"],
                conversion_of_position=amount["conversion_of"],
            )
        )
    for org in row["organizations"]:
        org_id = _organization_id(session, org["name"], org["type"], org["surface"])
        session.add(
            m.OrganizationMention(
                **_provenance(article.id, text, org, version),
                organization_id=org_id,
                expanded_from_context=org["expanded_from_context"],
            )
        )
    for region in row["regions"]:
        session.add(
            m.RegionMention(
                **_provenance(article.id, text, region, version),
                region_code=region["code"],
                role=region["role"],
            )
        )
    return article.id


def assign_syndication_clusters(session: Session) -> tuple[int, int]:
    """Group near-duplicate articles; the earliest-published copy represents its cluster.

    Rebuilt from all fingerprints each time, so the result depends only on the articles.
    Pairwise comparison is fine at sample scale; LSH banding replaces it for large warehouses.
    """
    rows = session.execute(
        select(m.Article.id, m.Article.fingerprint, m.Article.published_at).order_by(m.Article.id)
    ).all()
    parent = {row.id: row.id for row in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if hamming(a.fingerprint, b.fingerprint) <= NEAR_DUPLICATE_DISTANCE:
                parent[find(b.id)] = find(a.id)
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(find(row.id), []).append(row)
    session.execute(update(m.Article).values(cluster_id=None))
    session.execute(delete(m.SyndicationCluster))
    session.flush()
    for members in sorted(groups.values(), key=lambda g: g[0].id):
        first = min(members, key=lambda r: (r.published_at or datetime.max, r.id))
        cluster = m.SyndicationCluster(representative_article_id=first.id, size=len(members))
        session.add(cluster)
        session.flush()
        session.execute(
            update(m.Article).where(m.Article.id.in_([r.id for r in members])).values(cluster_id=cluster.id)
        )
    return len(groups), sum(1 for g in groups.values() if len(g) > 1)


def load_extracted(engine: Engine, sites: Sequence[Site], rows: Iterable[dict[str, Any]]) -> LoadReport:
    """Load every extracted article in one transaction and rebuild syndication clusters."""
    with Session(engine) as session, session.begin():
        ensure_regions(session)
        source_ids = ensure_sources(session, sites)
        for row in rows:
            load_article(session, source_ids[row["site"]], row)
        session.flush()
        clusters, multi = assign_syndication_clusters(session)

        def count(model: type[m.Base]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return LoadReport(
            articles=count(m.Article),
            amount_mentions=count(m.AmountMention),
            organization_mentions=count(m.OrganizationMention),
            region_mentions=count(m.RegionMention),
            clusters=clusters,
            multi_article_clusters=multi,
        )
