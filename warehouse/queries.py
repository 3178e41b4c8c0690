"""Questions the digest and the demo summary ask of the warehouse."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warehouse import models as m


@dataclass(frozen=True)
class Gift:
    value: Decimal
    currency: str
    value_cny: Decimal
    qualifier: str
    role: str | None
    surface: str
    sentence: str
    organization: str | None
    province: str | None
    article_title: str
    article_url: str
    source_title: str
    copies: int  # articles in its syndication cluster
    cumulative: bool  # a running total (累计…), which restates earlier gifts

    @property
    def is_gift(self) -> bool:
        """A single act of giving: a role, not a threshold (a limit), and not a running total."""
        return self.role is not None and self.role != "threshold" and not self.cumulative


@dataclass(frozen=True)
class WeekDigest:
    iso_week: str
    start: date
    end: date  # inclusive
    articles: int
    sources: int
    gifts: list[Gift]
    province_totals: list[tuple[str, Decimal, int]]
    new_organizations: list[tuple[str, str]]
    failed_sources: list[str] = field(default_factory=list)


def iso_week_bounds(iso_week: str) -> tuple[date, date]:
    monday = datetime.strptime(iso_week + "-1", "%G-W%V-%u").date()
    return monday, monday + timedelta(days=6)


def latest_iso_week(session: Session) -> str | None:
    latest = session.scalar(select(func.max(m.Article.published_at)))
    if latest is None:
        return None
    year, week, _ = latest.isocalendar()
    return f"{year}-W{week:02d}"


def _province_names(session: Session) -> dict[str, str]:
    regions = {r.code: r for r in session.scalars(select(m.Region))}
    names = {}
    for code, region in regions.items():
        top = region
        while top.parent_code:
            top = regions[top.parent_code]
        names[code] = top.name
    return names


def week_digest(session: Session, iso_week: str, notable: int = 10) -> WeekDigest:
    """The week's gifts counted once per syndication cluster, totals by province, new names."""
    start, end = iso_week_bounds(iso_week)
    window = (
        m.Article.published_at >= datetime.combine(start, datetime.min.time()),
        m.Article.published_at < datetime.combine(end + timedelta(days=1), datetime.min.time()),
    )
    articles = session.scalars(
        select(m.Article).where(*window).order_by(m.Article.published_at, m.Article.id)
    ).all()
    province_of = _province_names(session)
    cluster_sizes = dict(
        tuple(row) for row in session.execute(select(m.SyndicationCluster.id, m.SyndicationCluster.size))
    )
    seen: set[tuple[int | None, str, Decimal]] = set()
    gifts: list[Gift] = []
    for article in articles:
        regions = session.scalars(
            select(m.RegionMention).where(m.RegionMention.article_id == article.id)
        ).all()
        orgs = session.execute(
            select(m.OrganizationMention.start, m.OrganizationMention.sentence, m.Organization.name)
            .join(m.Organization)
            .where(m.OrganizationMention.article_id == article.id)
        ).all()
        article_province = Counter(province_of[r.region_code] for r in regions).most_common(1)
        amounts = session.scalars(
            select(m.AmountMention).where(
                m.AmountMention.article_id == article.id,
                m.AmountMention.conversion_of_position.is_(None),
            )
        ).all()
        for amount in amounts:
            key = (article.cluster_id or -article.id, amount.currency, amount.value)
            if key in seen or amount.value_cny is None:
                continue  # the same gift reported by another copy of this report
            seen.add(key)
            # The place a gift serves: a beneficiary in its sentence, else a plain mention there,
            # else the article's most named province.
            in_sentence = sorted(
                (r for r in regions if r.sentence == amount.sentence and r.role != "seat"),
                key=lambda r: (r.role != "beneficiary", r.start),
            )
            province = (
                province_of[in_sentence[0].region_code]
                if in_sentence
                else article_province[0][0]
                if article_province
                else None
            )
            organization = next(
                (
                    name
                    for start, sentence, name in orgs
                    if sentence == amount.sentence and start < amount.start
                ),
                None,
            )
            gifts.append(
                Gift(
                    amount.value,
                    amount.currency,
                    amount.value_cny,
                    amount.qualifier,
                    amount.role,
                    amount.surface,
                    amount.sentence,
                    organization,
                    province,
                    article.title,
                    article.url,
                    article.source.title,
                    cluster_sizes.get(article.cluster_id or 0, 1),
                    amount.cumulative,
                )
            )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    for gift in gifts:
        # Running totals restate earlier gifts: adding them to a weekly total would double count.
        if gift.is_gift:
            name = gift.province or "未标明地区"
            totals[name] += gift.value_cny
            counts[name] += 1
    first_seen = (
        select(
            m.Organization.name,
            m.Organization.type,
            func.min(m.Article.published_at).label("first"),
        )
        .join(m.OrganizationMention, m.OrganizationMention.organization_id == m.Organization.id)
        .join(m.Article, m.Article.id == m.OrganizationMention.article_id)
        .group_by(m.Organization.id, m.Organization.name, m.Organization.type)
    ).subquery()
    new_orgs = session.execute(
        select(first_seen.c.name, first_seen.c.type)
        .where(
            first_seen.c.first >= datetime.combine(start, datetime.min.time()),
            first_seen.c.first < datetime.combine(end + timedelta(days=1), datetime.min.time()),
        )
        .order_by(first_seen.c.name)
    )
    return WeekDigest(
        iso_week=iso_week,
        start=start,
        end=end,
        articles=len(articles),
        sources=len({a.source_id for a in articles}),
        gifts=sorted((g for g in gifts if g.is_gift), key=lambda g: g.value_cny, reverse=True)[:notable],
        province_totals=sorted(
            ((p, t, counts[p]) for p, t in totals.items()), key=lambda x: x[1], reverse=True
        ),
        new_organizations=[(name, kind) for name, kind in new_orgs],
    )


@dataclass(frozen=True)
class WarehouseCounts:
    sources: int
    articles: int
    amount_mentions: int
    amount_total_cny: Decimal
    organizations: int
    regions: int
    clusters_with_copies: int


def warehouse_counts(session: Session) -> WarehouseCounts:
    def count(model: type[m.Base]) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    total = session.scalar(
        select(func.coalesce(func.sum(m.AmountMention.value_cny), 0)).where(
            m.AmountMention.conversion_of_position.is_(None)
        )
    )
    return WarehouseCounts(
        sources=count(m.Source),
        articles=count(m.Article),
        amount_mentions=count(m.AmountMention),
        amount_total_cny=Decimal(total or 0),
        organizations=count(m.Organization),
        regions=int(session.scalar(select(func.count(func.distinct(m.RegionMention.region_code)))) or 0),
        clusters_with_copies=int(
            session.scalar(
                select(func.count()).select_from(m.SyndicationCluster).where(m.SyndicationCluster.size > 1)
            )
            or 0
        ),
    )
