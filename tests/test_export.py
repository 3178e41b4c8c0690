"""``charitynews sql`` and ``charitynews export`` on SQLite and PostgreSQL: read-only, all formats."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from pipelines.cli import main
from tests.warehouse_rows import SITE, article_row
from warehouse.access import AccessError, WriteRefused, export, read_only_query, table_query
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted


@pytest.fixture
def warehouse_url(db_url: str) -> str:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i, amounts=(100 + i,)) for i in range(5)])
    engine.dispose()
    return db_url


def _amount_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT COUNT(*) FROM amount_mention")).scalar_one())
    engine.dispose()
    return count


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM amount_mention",
        "UPDATE amount_mention SET value = 0",
        "CREATE TABLE scratch (a integer)",
        "INSERT INTO source (name, title, homepage, locale) VALUES ('x', 'x', 'x', 'mainland')",
    ],
)
def test_a_write_is_refused_and_changes_nothing(warehouse_url: str, statement: str) -> None:
    with pytest.raises(WriteRefused, match="read-only"), read_only_query(warehouse_url, statement):
        pass
    assert _amount_count(warehouse_url) == 5


def test_a_second_statement_cannot_escape_the_read_only_transaction(warehouse_url: str) -> None:
    with (
        pytest.raises(AccessError),
        read_only_query(warehouse_url, "SELECT 1; COMMIT; DELETE FROM amount_mention"),
    ):
        pass
    assert _amount_count(warehouse_url) == 5


def test_sql_prints_a_table_or_csv(warehouse_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT organization, gifts, total_cny FROM totals_by_organization ORDER BY total_cny DESC"
    assert main(["sql", "--db", warehouse_url, query]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].split(" | ")[0].strip() == "organization"
    assert shown[-1] == "(4 rows)"
    # articles 0 and 4 share the first donor: 1,000,000 + 1,040,000, the largest total, first
    assert [c.strip() for c in shown[2].split(" | ")][:2] == ["青禾公益基金会", "2"]
    assert main(["sql", "--db", warehouse_url, "--format", "csv", query]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["organization", "gifts", "total_cny"]
    assert sum(Decimal(r[2]) for r in rows[1:]) == sum((100 + i) * 10000 for i in range(5))


def test_sql_reports_errors_clearly(warehouse_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--db", warehouse_url, "DROP TABLE amount_mention"]) == 2
    assert "refused" in capsys.readouterr().err
    assert main(["sql", "--db", warehouse_url, "SELECT * FROM no_such_table"]) == 2
    assert "query failed" in capsys.readouterr().err
    assert _amount_count(warehouse_url) == 5


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_a_view_in_each_format(warehouse_url: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"gift.{fmt}"
    assert main(["export", "--db", warehouse_url, "--table", "gift", "--format", fmt, "--out", str(out)]) == 0
    if fmt == "csv":
        with out.open(encoding="utf-8") as handle:
            records = list(csv.DictReader(handle))
    elif fmt == "jsonl":
        records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    else:
        records = pq.read_table(out).to_pylist()
    assert len(records) == 5
    assert sorted(Decimal(str(r["value_cny"])) for r in records) == [
        Decimal((100 + i) * 10000) for i in range(5)
    ]
    assert {r["url"] for r in records} == {f"http://demo.example/news/{i}" for i in range(5)}
    assert all("捐赠" in r["sentence"] for r in records)  # provenance travels with the number


def test_export_a_query_to_parquet_keeps_types(warehouse_url: str, tmp_path: Path) -> None:
    out = tmp_path / "q.parquet"
    sql = "SELECT article_id, value_cny, published_at, counted FROM amount_mention ORDER BY article_id"
    assert export(warehouse_url, sql, "parquet", out) == 5
    table = pq.read_table(out)
    assert [str(t) for t in table.schema.types] == ["int64", "decimal128(38, 2)", "timestamp[us]", "bool"]


def test_export_refuses_unknown_tables_and_leaves_no_partial_file(warehouse_url: str, tmp_path: Path) -> None:
    with pytest.raises(AccessError, match="no table or view named"):
        table_query(warehouse_url, "gift; DROP TABLE article")
    out = tmp_path / "exports" / "x.csv"
    with pytest.raises(WriteRefused):
        export(warehouse_url, "DELETE FROM article", "csv", out)
    assert list(out.parent.iterdir()) == []
