"""Questions the digest and the demo summary ask of the warehouse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warehouse import models as m


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
