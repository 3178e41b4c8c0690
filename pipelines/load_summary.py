"""What one load brought to the warehouse, for the warehouse_tables step's metadata.

Queried by the load's own article ids (indexed: amount mentions lead with article_id), so the
step costs what the load brought, not what the warehouse has gathered: the whole-warehouse
totals (warehouse.queries.warehouse_counts, and gift_totals and top_gifts without article ids)
scan every mention, which made a small daily run pay for the whole archive after each load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.staging import Rereadable, replace_atomically
from warehouse import models as m
from warehouse.queries import CountedGift, chunks, gift_totals, top_gifts

MENTION_TABLES = (m.AmountMention, m.OrganizationMention, m.RegionMention)


class LoadedUrls:
    """The URLs of the rows streaming to the loader (one string per article, not the rows)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.first_asked: float | None = None  # perf_counter when the loader first asked for a row

    def track(self, rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """``rows`` as the loader reads them, noting their URLs.  Rows that can be read again
        (``staged_records``) stay so, each reading noting the URLs afresh; a one-pass iterator
        gives a one-pass iterator."""
        if isinstance(rows, Iterator):
            return self._reading(rows)
        return Rereadable(lambda: self._reading(rows))

    def _reading(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        if self.first_asked is None:
            self.first_asked = time.perf_counter()
        self.urls = []
        for row in rows:
            self.urls.append(row["url"])
            yield row


@dataclass(frozen=True)
class LoadSummary:
    gifts: int  # counted gifts (as the gift view counts them) in the load's articles
    gift_total_cny: Decimal
    amount_total_cny: Decimal  # every amount mention of the load's articles, conversions aside
    top_gifts: list[CountedGift]


def article_ids(session: Session, urls: list[str]) -> list[int]:
    ids: list[int] = []
    for chunk in chunks(urls):
        ids += session.scalars(select(m.Article.id).where(m.Article.url.in_(chunk)))
    return ids


def load_summary(session: Session, ids: list[int], limit: int = 10) -> LoadSummary:
    """Counted gifts, their total, the raw mention total and the largest gifts of these articles."""
    gifts, gift_total = gift_totals(session, ids)
    amount_total = Decimal(0)
    for chunk in chunks(ids):
        raw = session.scalar(
            select(func.coalesce(func.sum(m.AmountMention.value_cny), 0)).where(
                m.AmountMention.article_id.in_(chunk), m.AmountMention.conversion_of_position.is_(None)
            )
        )
        amount_total += Decimal(str(raw or 0))
    return LoadSummary(gifts, gift_total, amount_total, top_gifts(session, limit, ids))


# -- the mention rows a load inserted ----------------------------------------------------------


def mention_marks(session: Session) -> dict[str, int]:
    """The highest id of each mention table (0 when empty): a load inserts its mention rows
    above these (a load changes articles in place and replaces their mentions by new rows), so
    a check can look at what one load wrote without reading the whole warehouse.  One
    primary-key lookup per table."""
    return {
        table.__tablename__: int(session.scalar(select(func.max(table.id))) or 0) for table in MENTION_TABLES
    }


def save_marks(path: Path, marks: Mapping[str, int]) -> None:
    replace_atomically(path, json.dumps({"mention_ids_above": dict(marks)}, sort_keys=True) + "\n")


def load_marks(path: Path) -> dict[str, int] | None:
    """The marks a site's latest warehouse_tables run saved before its load (None: none, or
    unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(name): int(mark) for name, mark in data["mention_ids_above"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
