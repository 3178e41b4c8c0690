"""The bulk paths of a load (COPY, executemany, unnest, arrays): what they must keep."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.warehouse_rows import SITE, article_row
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted


def test_a_record_the_database_refuses_is_rejected_alone(db_url: str) -> None:
    """Validation lets an unknown script variant through; the table's check refuses it, in the
    article's bulk insert.  The batch is written again article by article: only it is lost."""
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = [article_row(i) for i in range(4)]
    rows[2]["variant"] = "cuneiform"
    report = load_extracted(engine, [SITE], rows)
    assert [r.url for r in report.rejected] == [rows[2]["url"]]
    assert report.written == 3
    with Session(engine) as session:
        urls = set(session.scalars(select(m.Article.url)))
        mentions = session.scalar(select(func.count()).select_from(m.AmountMention))
    assert urls == {rows[i]["url"] for i in (0, 1, 3)}
    assert mentions == sum(len(rows[i]["amounts"]) for i in (0, 1, 3))
    engine.dispose()


def test_the_first_loads_statistics_let_refresh_counted_probe_its_index(postgres_url: str) -> None:
    """A first load of over 1,000 articles ANALYZEs (the key columns) inside its transaction:
    afterwards the planner knows amount_mention is not empty and probes by article_id."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    load_extracted(engine, [SITE], (article_row(i) for i in range(1_100)))
    with engine.connect() as connection:
        reltuples = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'amount_mention'")
        ).scalar()
        plan = "\n".join(
            connection.execute(
                text(
                    "EXPLAIN UPDATE amount_mention SET counted = true "
                    "WHERE article_id = ANY(ARRAY[3, 5, 7]) AND counted = false"
                )
            ).scalars()
        )
    assert reltuples >= 1_000
    assert "Seq Scan on amount_mention" not in plan, plan
    engine.dispose()
