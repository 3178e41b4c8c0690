"""The week's giving, as the digest reports it, read from the researcher views.

Gifts come from the ``gift`` view and new names from ``organization_first_seen``, so the digest
counts exactly as a researcher querying the warehouse does: one copy per syndication cluster,
gifts only (no running totals, targets, thresholds, budgets, or parts and copies of another
amount), each with the giver and recipient the extractor read; provinces are the recipient's.  Weeks are ISO
weeks of the articles' publication time (site-local, i.e. China time for mainland sites).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import DateTime, Select, column, func, select, table
from sqlalchemy.orm import Session

from warehouse import models as m
from warehouse.queries import iso_week_bounds, iso_week_of

# The researcher views, as far as the digest reads them (the SQL is in the migrations).
_TYPES: dict[str, Any] = {
    "published_at": DateTime(),
    "value": m.Money,
    "value_cny": m.Money,
    "high": m.Money,
    "first_seen_at": DateTime(),
}
GIFT = table(
    "gift",
    *(
        column(name, _TYPES.get(name))
        for name in (
            "amount_mention_id",
            "article_id",
            "cluster_id",
            "copies",
            "published_at",
            "value",
            "currency",
            "value_cny",
            "qualifier",
            "high",
            "role",
            "giver_kind",
            "giver_name",
            "giver_organization_id",
            "recipient_kind",
            "recipient_name",
            "province_code",
            "province",
            "surface",
            "sentence",
            "url",
            "title",
        )
    ),
)
FIRST_SEEN = table(
    "organization_first_seen",
    *(
        column(name, _TYPES.get(name))
        for name in ("organization_id", "organization", "type", "first_seen_at")
    ),
)
NO_PROVINCE = "未标明地区"
_Query = TypeVar("_Query", bound=Select)  # type: ignore[type-arg]


@dataclass(frozen=True)
class DigestFilter:
    """What one subscriber wants to see; the empty filter is the general digest."""

    provinces: frozenset[str] = frozenset()  # province-level codes
    organization_types: frozenset[str] = frozenset()
    min_amount_cny: Decimal | None = None

    @property
    def is_general(self) -> bool:
        return not self.provinces and not self.organization_types and self.min_amount_cny is None


@dataclass(frozen=True)
class Gift:
    amount_mention_id: int
    value: Decimal
    currency: str
    value_cny: Decimal
    qualifier: str
    high: Decimal | None
    role: str | None
    surface: str
    sentence: str
    donor: str | None  # the giver (organization, place, group or person); None when not said
    donor_type: str | None  # organization.type when the giver is an organization
    recipient: str | None  # the recipient; None when the text does not say
    province_code: str | None  # the province the money goes to
    province: str | None
    published_at: datetime
    article_title: str
    article_url: str
    source_title: str
    copies: int  # articles in its syndication cluster


@dataclass(frozen=True)
class ProvinceTotal:
    province_code: str | None
    province: str
    total_cny: Decimal
    gifts: int
    previous_cny: Decimal  # the previous ISO week's total (0 when none)
    previous_gifts: int

    @property
    def change_cny(self) -> Decimal:
        return self.total_cny - self.previous_cny

    @property
    def change_percent(self) -> Decimal | None:
        """Relative change; None when last week had nothing (shown as 新)."""
        if not self.previous_cny:
            return None
        return (self.change_cny * 100 / self.previous_cny).quantize(Decimal("1"))


@dataclass(frozen=True)
class OrganizationTotal:
    organization: str
    type: str | None
    total_cny: Decimal
    gifts: int


@dataclass(frozen=True)
class SourceProblem:
    """A source the data-quality footnote names: fetches that failed in the week."""

    name: str
    title: str
    failed: int
    fetches: int
    example: str  # one failure's reason, as the crawler recorded it


@dataclass(frozen=True)
class WeekDigest:
    iso_week: str
    start: date
    end: date  # inclusive
    articles: int
    reports: int  # articles less syndicated copies
    sources: int
    gifts: list[Gift]  # the notable ones, largest first
    gifts_total: int  # all gifts of the week passing the filter
    province_totals: list[ProvinceTotal]
    top_organizations: list[OrganizationTotal]
    new_organizations: list[tuple[str, str]]  # (name, type)
    failed_sources: list[SourceProblem] | None = None  # None: no crawl log to read
    silent_sources: list[str] = field(default_factory=list)  # known sources with no article this week
    filter: DigestFilter = field(default_factory=DigestFilter)

    @property
    def previous_week(self) -> str:
        return iso_week_of(self.start - timedelta(days=7))


def _window(start: date) -> tuple[datetime, datetime]:
    monday = datetime.combine(start, datetime.min.time())
    return monday, monday + timedelta(days=7)


def _filtered(query: _Query, digest_filter: DigestFilter, *, types: bool, minimum: bool) -> _Query:
    if digest_filter.provinces:
        query = query.where(GIFT.c.province_code.in_(sorted(digest_filter.provinces)))
    if types and digest_filter.organization_types:
        query = query.where(m.Organization.type.in_(sorted(digest_filter.organization_types)))
    if minimum and digest_filter.min_amount_cny is not None:
        query = query.where(GIFT.c.value_cny >= digest_filter.min_amount_cny)
    return query


def _in_week(start: date) -> tuple[Any, Any]:
    low, high = _window(start)
    return GIFT.c.published_at >= low, GIFT.c.published_at < high


def _province_totals(session: Session, start: date, digest_filter: DigestFilter) -> list[ProvinceTotal]:
    def week(monday: date) -> dict[str | None, tuple[str, Decimal, int]]:
        query = _filtered(
            select(GIFT.c.province_code, GIFT.c.province, func.sum(GIFT.c.value_cny), func.count())
            .where(*_in_week(monday))
            .group_by(GIFT.c.province_code, GIFT.c.province),
            digest_filter,
            types=False,
            minimum=False,
        )
        return {
            code: (name or NO_PROVINCE, Decimal(total), n) for code, name, total, n in session.execute(query)
        }

    this, previous = week(start), week(start - timedelta(days=7))
    totals = [
        ProvinceTotal(code, name, total, n, *(previous.get(code, ("", Decimal(0), 0))[1:]))
        for code, (name, total, n) in this.items()
    ]
    # Provinces given to last week but not this one still appear, at zero, so a drop shows.
    totals += [
        ProvinceTotal(code, name, Decimal(0), 0, total, n)
        for code, (name, total, n) in previous.items()
        if code not in this
    ]
    return sorted(totals, key=lambda t: (-t.total_cny, -t.previous_cny, t.province))


def _top_organizations(
    session: Session, start: date, digest_filter: DigestFilter, limit: int
) -> list[OrganizationTotal]:
    query = _filtered(
        select(m.Organization.name, m.Organization.type, func.sum(GIFT.c.value_cny), func.count())
        .join(m.Organization, m.Organization.id == GIFT.c.giver_organization_id)
        .where(*_in_week(start))
        .group_by(m.Organization.id, m.Organization.name, m.Organization.type)
        .order_by(func.sum(GIFT.c.value_cny).desc(), m.Organization.name)
        .limit(limit),
        digest_filter,
        types=True,
        minimum=False,
    )
    return [
        OrganizationTotal(name, kind, Decimal(total), n) for name, kind, total, n in session.execute(query)
    ]


def _new_organizations(session: Session, start: date, digest_filter: DigestFilter) -> list[tuple[str, str]]:
    low, high = _window(start)
    query = (
        select(FIRST_SEEN.c.organization, FIRST_SEEN.c.type)
        .where(FIRST_SEEN.c.first_seen_at >= low, FIRST_SEEN.c.first_seen_at < high)
        .order_by(FIRST_SEEN.c.organization)
    )
    if digest_filter.organization_types:
        query = query.where(FIRST_SEEN.c.type.in_(sorted(digest_filter.organization_types)))
    return [(name, kind) for name, kind in session.execute(query)]


def _gifts(
    session: Session, start: date, digest_filter: DigestFilter, notable: int
) -> tuple[list[Gift], int]:
    base = _filtered(
        select(GIFT, m.Source.title.label("source_title"), m.Organization.type.label("giver_type"))
        .join(m.Article, m.Article.id == GIFT.c.article_id)
        .join(m.Source, m.Source.id == m.Article.source_id)
        .outerjoin(m.Organization, m.Organization.id == GIFT.c.giver_organization_id)
        .where(*_in_week(start)),
        digest_filter,
        types=True,
        minimum=True,
    )
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    # Copies and parts of another amount (a headline, a breakdown, a tranche) are not gifts of
    # their own: the gift view holds the one amount they restate, so each gift is listed once.
    rows = session.execute(
        base.order_by(GIFT.c.value_cny.desc(), GIFT.c.amount_mention_id).limit(notable)
    ).all()
    gifts = [
        Gift(
            amount_mention_id=row.amount_mention_id,
            value=Decimal(row.value),
            currency=row.currency,
            value_cny=Decimal(row.value_cny),
            qualifier=row.qualifier,
            high=None if row.high is None else Decimal(row.high),
            role=row.role,
            surface=row.surface,
            sentence=row.sentence,
            donor=row.giver_name,
            donor_type=row.giver_type,
            recipient=row.recipient_name,
            province_code=row.province_code,
            province=row.province,
            published_at=row.published_at,
            article_title=row.title,
            article_url=row.url,
            source_title=row.source_title,
            copies=row.copies or 1,
        )
        for row in rows
    ]
    return gifts, total


def week_digest(
    session: Session,
    iso_week: str,
    digest_filter: DigestFilter | None = None,
    *,
    notable: int = 10,
    top: int = 5,
    failed_sources: Iterable[SourceProblem] | None = None,
) -> WeekDigest:
    """Everything one digest shows, for the general reader or one subscriber's filter."""
    digest_filter = digest_filter or DigestFilter()
    start, end = iso_week_bounds(iso_week)
    low, high = _window(start)
    in_window = (m.Article.published_at >= low, m.Article.published_at < high)
    articles, reports, sources = session.execute(
        select(
            func.count(),
            func.count(func.distinct(func.coalesce(m.Article.cluster_id, -m.Article.id))),
            func.count(func.distinct(m.Article.source_id)),
        ).where(*in_window)
    ).one()
    publishing = select(m.Article.source_id).where(*in_window)
    silent = session.scalars(
        select(m.Source.title).where(m.Source.id.not_in(publishing)).order_by(m.Source.title)
    ).all()
    gifts, gifts_total = _gifts(session, start, digest_filter, notable)
    return WeekDigest(
        iso_week=iso_week,
        start=start,
        end=end,
        articles=int(articles),
        reports=int(reports),
        sources=int(sources),
        gifts=gifts,
        gifts_total=gifts_total,
        province_totals=_province_totals(session, start, digest_filter),
        top_organizations=_top_organizations(session, start, digest_filter, top),
        new_organizations=_new_organizations(session, start, digest_filter),
        failed_sources=None if failed_sources is None else list(failed_sources),
        silent_sources=list(silent),
        filter=digest_filter,
    )
