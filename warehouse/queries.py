"""Questions the digest and the demo summary ask of the warehouse."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, column, func, select, table
from sqlalchemy.orm import Session

from warehouse import models as m

# The `gift` view (SQL in the migrations, columns in warehouse/views.py), as far as read here:
# each amount that moved to a charitable purpose, once per syndication cluster.
_GIFT = table(
    "gift",
    column("amount_mention_id"),
    column("article_id"),
    column("copies"),
    column("value_cny", m.Money),
    column("surface"),
    column("role"),
    column("organization"),
    column("url"),
    column("title"),
)


def iso_week_bounds(iso_week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week such as 2026-W47; ValueError names a malformed week."""
    if not re.fullmatch(r"\d{4}-W\d{2}", iso_week):
        raise ValueError(f"{iso_week!r} is not an ISO week like 2026-W47")
    try:
        monday = datetime.strptime(iso_week + "-1", "%G-W%V-%u").date()
    except ValueError:
        raise ValueError(f"{iso_week!r} is not an ISO week like 2026-W47") from None
    if iso_week_of(monday) != iso_week:
        raise ValueError(f"{iso_week!r} does not exist (that year has fewer weeks)")
    return monday, monday + timedelta(days=6)


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_iso_week(session: Session) -> str | None:
    latest = session.scalar(select(func.max(m.Article.published_at)))
    if latest is None:
        return None
    return iso_week_of(latest.date())


def articles_in_week(session: Session, iso_week: str) -> int:
    """Articles published in the ISO week (the digest's week: publication time, site-local)."""
    monday, _ = iso_week_bounds(iso_week)
    low = datetime.combine(monday, datetime.min.time())
    query = select(func.count()).where(
        m.Article.published_at >= low, m.Article.published_at < low + timedelta(days=7)
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class WarehouseCounts:
    sources: int
    articles: int
    amount_mentions: int
    amount_total_cny: Decimal  # every mention, whatever it is (targets, totals, copies): not giving
    gifts: int  # counted as the `gift` view counts them
    gift_total_cny: Decimal
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
    gifts, gift_total = gift_totals(session)
    return WarehouseCounts(
        sources=count(m.Source),
        articles=count(m.Article),
        amount_mentions=count(m.AmountMention),
        amount_total_cny=Decimal(total or 0),
        gifts=gifts,
        gift_total_cny=gift_total,
        organizations=count(m.Organization),
        regions=int(session.scalar(select(func.count(func.distinct(m.RegionMention.region_code)))) or 0),
        clusters_with_copies=int(
            session.scalar(
                select(func.count()).select_from(m.SyndicationCluster).where(m.SyndicationCluster.size > 1)
            )
            or 0
        ),
    )


@dataclass(frozen=True)
class CountedGift:
    value_cny: Decimal
    surface: str
    role: str | None
    organization: str | None
    copies: int
    url: str
    title: str | None
    site: str


CHUNK = 900  # ids per IN list: below every engine's bound-parameter limit


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def gift_totals(session: Session, article_ids: Sequence[int] | None = None) -> tuple[int, Decimal]:
    """Counted gifts (once per syndication cluster, as the gift view counts them) and their CNY
    total: of the whole warehouse, or of these articles only (read by their indexed ids)."""
    selections = [None] if article_ids is None else [_GIFT.c.article_id.in_(c) for c in chunks(article_ids)]
    gifts, total = 0, Decimal(0)
    for where in selections:
        query = select(func.count(), func.coalesce(func.sum(_GIFT.c.value_cny), 0)).select_from(_GIFT)
        count, value = session.execute(query if where is None else query.where(where)).one()
        gifts, total = gifts + int(count), total + Decimal(str(value or 0))
    return gifts, total


def top_gifts(
    session: Session, limit: int = 10, article_ids: Sequence[int] | None = None
) -> list[CountedGift]:
    """The largest gifts as the views count them (once per syndication cluster), largest first
    (ties by mention id): of the whole warehouse, or of these articles only."""
    if article_ids is None:
        return [gift for _, _, gift in _largest_gifts(session, limit)]
    top: list[tuple[Decimal, int, CountedGift]] = []
    for chunk in chunks(article_ids):
        top = sorted(top + _largest_gifts(session, limit, _GIFT.c.article_id.in_(chunk)), key=_gift_order)[
            :limit
        ]
    return [gift for _, _, gift in top]


def _gift_order(item: tuple[Decimal, int, CountedGift]) -> tuple[Decimal, int]:
    return -item[0], item[1]


def _largest_gifts(
    session: Session, limit: int, where: ColumnElement[bool] | None = None
) -> list[tuple[Decimal, int, CountedGift]]:
    query = (
        select(
            _GIFT.c.value_cny,
            _GIFT.c.amount_mention_id,
            _GIFT.c.surface,
            _GIFT.c.role,
            _GIFT.c.organization,
            _GIFT.c.copies,
            _GIFT.c.url,
            _GIFT.c.title,
            m.Source.name,
        )
        .select_from(_GIFT)
        .join(m.Article, m.Article.id == _GIFT.c.article_id)
        .join(m.Source, m.Source.id == m.Article.source_id)
        .where(_GIFT.c.value_cny.is_not(None))
        .order_by(_GIFT.c.value_cny.desc(), _GIFT.c.amount_mention_id)
        .limit(limit)
    )
    rows = session.execute(query if where is None else query.where(where)).all()
    return [
        (value, int(mention_id), CountedGift(value, surface, role, org, int(copies or 1), url, title, site))
        for value, mention_id, surface, role, org, copies, url, title, site in (
            (Decimal(str(v)), *rest) for v, *rest in rows
        )
    ]
