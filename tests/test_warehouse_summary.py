"""What the warehouse_tables asset reports (issue 17, point 3): the counted total of gifts, as the
views count them, beside the raw mention count; top_amounts lists counted gifts only."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from pipelines.assets.warehouse import top_amounts_table
from pipelines.load_summary import LoadedUrls, article_ids, load_summary
from pipelines.staging import staged_records, write_jsonl
from tests.warehouse_rows import SITE, article_row
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.queries import top_gifts, warehouse_counts


def _rows() -> list[dict]:
    gift = article_row(0, amounts=(620,))
    # A running total, far larger than any gift: a mention, never a gift.
    running = article_row(1, amounts=(3, 98000))
    running["amounts"][1]["cumulative"] = True
    running["amounts"][1]["role"] = "raised"
    running["amounts"][1]["gift"] = False  # as the extractor marks a running total
    return [gift, running, article_row(2, amounts=(45,))]


def test_counts_show_counted_gifts_beside_raw_mentions(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], _rows())
    with Session(engine) as session:
        counts = warehouse_counts(session)
        by_view = session.execute(text("SELECT COUNT(*), SUM(value_cny) FROM gift")).one()
    assert counts.amount_mentions == 4
    assert counts.amount_total_cny == Decimal(620 + 3 + 98000 + 45) * 10000  # raw: every mention
    assert (counts.gifts, counts.gift_total_cny) == (3, Decimal(620 + 3 + 45) * 10000)
    assert (counts.gifts, counts.gift_total_cny) == (by_view[0], Decimal(str(by_view[1])))
    table = top_amounts_table(engine)
    engine.dispose()
    body = table.splitlines()[2:]
    assert len(body) == 3 and "98000万元" not in table  # the running total is not a gift
    assert body[0].startswith("| 620万元 | 620万元 | donated | 青禾公益基金会 | 1 | demo |")


def test_a_load_summary_counts_the_loads_articles_as_the_whole_warehouse_counts_them(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = _rows()
    load_extracted(engine, [SITE], rows[:2])
    loaded = LoadedUrls()
    load_extracted(engine, [SITE], loaded.track(rows[2:]))
    with Session(engine) as session:
        everything = load_summary(session, article_ids(session, [row["url"] for row in rows]))
        counts = warehouse_counts(session)
        this_load = load_summary(session, article_ids(session, loaded.urls))
        whole_top = top_gifts(session)
    engine.dispose()
    assert (everything.gifts, everything.gift_total_cny) == (counts.gifts, counts.gift_total_cny)
    assert everything.amount_total_cny == counts.amount_total_cny
    assert everything.top_gifts == whole_top
    assert loaded.urls == [rows[2]["url"]]
    assert (this_load.gifts, this_load.gift_total_cny) == (1, Decimal(45) * 10000)
    assert [g.value_cny for g in this_load.top_gifts] == [Decimal(45) * 10000]


def test_tracked_staged_records_can_be_read_again_and_note_the_last_readings_urls(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A load that starts again reads the staging file again: the URLs are those of the last
    reading, not both; a one-pass stream stays one pass."""
    path = tmp_path / "mentions.jsonl"
    rows = _rows()
    write_jsonl(path, rows)
    loaded = LoadedUrls()
    tracked = loaded.track(staged_records(path))
    assert [row["url"] for row in tracked] == [row["url"] for row in rows]
    first = loaded.first_asked
    assert [row["url"] for row in tracked] == [row["url"] for row in rows]
    assert loaded.urls == [row["url"] for row in rows] and loaded.first_asked == first
    stream = LoadedUrls().track(row for row in rows)
    assert iter(stream) is stream
