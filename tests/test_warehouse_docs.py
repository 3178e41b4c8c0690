"""docs/warehouse.md stays true: the dictionary matches the models, its SQL runs on both engines."""

from __future__ import annotations

import re

from sqlalchemy import text

from pipelines.staging import extract_mentions
from tests.test_syndication import _fixture_rows
from tests.warehouse_rows import SITE, article_row
from transforms.normalize import normalize
from warehouse.access import read_only_query
from warehouse.db import make_engine, upgrade
from warehouse.dictionary import DOC, current, render
from warehouse.load import load_extracted
from warehouse.models import Base
from warehouse.views import VIEWS


def test_the_data_dictionary_is_up_to_date() -> None:
    assert current() == render(), "run: python -m warehouse.dictionary --write"


def test_every_table_column_and_view_column_is_described() -> None:
    undocumented = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if not (column.doc or "").strip()
    ]
    assert undocumented == []
    assert all(meaning.strip() for view in VIEWS for _, meaning in view.columns)


def _research_questions() -> list[str]:
    section = DOC.read_text("utf-8").split("## Research questions", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_five_research_questions_run_and_answer(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = [
        article_row(i, amounts=(100 + i, 20), published=f"2026-11-{3 + i:02d}T09:00:00") for i in range(6)
    ]
    copy = article_row(2, amounts=(102, 20), published="2026-11-20T09:00:00")
    copy["url"] = "http://mirror.example/news/2"
    load_extracted(engine, [SITE], [*rows, copy])
    engine.dispose()
    questions = _research_questions()
    assert len(questions) == 5
    for sql in questions:
        with read_only_query(db_url, sql) as result:
            answers = [row for batch in result.batches for row in batch]
        assert answers, sql


def _fixture_article() -> dict:
    return {
        "url": "http://demo.example/hk-regions",
        "site": "demo",
        "locale": "hk",
        "region": None,
        "fetched_at": "2026-11-21T10:00:00+00:00",
        "encoding": "big5hkscs",
        "replacement_chars": 0,
        "title": "善款",
        "published": "2026-11-15T09:00:00",
        "source_line": None,
        "variant": "traditional",
    }


def test_offsets_give_back_the_surface_text_in_sql(db_url: str) -> None:
    """What the docs promise: substr(original_text, start + 1, end - start) = surface."""
    upgrade(db_url)
    engine = make_engine(db_url)
    # real extraction, traditional texts included, and one text sure to name regions
    text_hk = "華禾公益基金會向甘肅省定西市捐贈善款300萬元，用於鄉村學校建設。貴陽市慈善總會亦撥付50萬元。"
    extra, failures = extract_mentions(
        [{**_fixture_article(), "text": text_hk, "simplified": normalize(text_hk, "hk").simplified}]
    )
    assert failures == []
    load_extracted(engine, [SITE], [*_fixture_rows(), *extra])
    with engine.connect() as connection:
        for table in ("amount_mention", "organization_mention", "region_mention"):
            total, matching = connection.execute(
                text(
                    f'SELECT COUNT(*), SUM(CASE WHEN substr(a.original_text, m.start + 1, m."end" - m.start)'
                    f" = m.surface THEN 1 ELSE 0 END) FROM {table} m JOIN article a ON a.id = m.article_id"
                )
            ).one()
            assert total > 0 and matching == total, table
    engine.dispose()
