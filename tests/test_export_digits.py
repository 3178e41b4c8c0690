"""Exports and ``charitynews sql`` keep every digit of money, on SQLite and PostgreSQL (issue 17,
points 1–2): Parquet is typed from the description or the whole column, never the first row; a
SUM is the decimal it is; pandas and pyarrow read money as numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest

from tests.warehouse_rows import SITE, article_row
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "charitynews")
# Gifts in 万元 by article number; article i's region is tests/warehouse_rows.REGIONS[i % 4].
GIFTS = {
    0: Decimal(100),  # 湖南省: a whole amount, and the smallest total: the first row
    1: Decimal("45886.542718"),  # 贵州省: 458865427.18
    2: Decimal("27006.916519"),  # 甘肃省: three gifts whose float sum is 810207495.5799999
    6: Decimal("27006.91652"),
    10: Decimal("27006.916519"),
}
EXPECTED = {
    "湖南省": Decimal("1000000.00"),
    "贵州省": Decimal("458865427.18"),
    "甘肃省": Decimal("810207495.58"),
}
BY_PROVINCE = "SELECT province, SUM(value_cny) AS total FROM gift GROUP BY province ORDER BY total"


@pytest.fixture
def warehouse_url(db_url: str) -> str:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i, amounts=(a,)) for i, a in GIFTS.items()])
    engine.dispose()
    return db_url


def test_the_float_sum_would_add_noise() -> None:
    """The fixture is chosen so that binary floating point gets it wrong."""
    gansu = [float(GIFTS[i] * 10000) for i in (2, 6, 10)]
    assert repr(sum(gansu)) == "810207495.5799999"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=300, env=os.environ)


def _as_decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_an_exported_sum_keeps_every_digit_and_reads_as_numbers(
    warehouse_url: str, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"totals.{fmt}"
    done = _cli("export", "--db", warehouse_url, "--query", BY_PROVINCE, "--format", fmt, "--out", str(out))
    assert done.returncode == 0, done.stderr
    if fmt == "parquet":
        table = pq.read_table(out)
        # pandas turns decimal128 into Python objects unless asked for Arrow dtypes.
        frame = pd.read_parquet(out, dtype_backend="pyarrow")
    elif fmt == "csv":
        table = pa_csv.read_csv(out)
        frame = pd.read_csv(out)
    else:
        table = pa_json.read_json(out)
        frame = pd.read_json(out, lines=True)
    total_type = table.schema.field("total").type
    assert str(total_type).startswith(("decimal", "double")), total_type
    assert pd.api.types.is_numeric_dtype(frame["total"]), frame.dtypes
    got = dict(zip(table.column("province").to_pylist(), table.column("total").to_pylist(), strict=True))
    assert {p: _as_decimal(v) for p, v in got.items()} == EXPECTED
    by_pandas = dict(zip(frame["province"], frame["total"], strict=True))
    assert {p: _as_decimal(v) for p, v in by_pandas.items()} == EXPECTED


def test_parquet_money_columns_are_decimals_with_the_schemas_scale(
    warehouse_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "gift.parquet"
    done = _cli("export", "--db", warehouse_url, "--table", "gift", "--format", "parquet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    schema = pq.read_table(out).schema
    for name in ("value", "value_cny"):
        assert str(schema.field(name).type) == "decimal128(38, 2)"
    values = sorted(pq.read_table(out).column("value_cny").to_pylist())
    assert values == sorted(a * 10000 for a in GIFTS.values())


def test_sql_prints_money_as_the_decimal_it_is(warehouse_url: str) -> None:
    shown = _cli("sql", "--db", warehouse_url, BY_PROVINCE)
    assert shown.returncode == 0, shown.stderr
    totals = {
        line.split(" | ")[0].strip(): line.split(" | ")[1].strip() for line in shown.stdout.splitlines()[2:-1]
    }
    assert {p: Decimal(t) for p, t in totals.items()} == EXPECTED
    assert "810207495.58" in totals["甘肃省"] and "99999" not in shown.stdout
