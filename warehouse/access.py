"""Read-only access for researchers: ``charitynews sql`` and ``charitynews export``.

Every query runs in a read-only transaction (PostgreSQL ``BEGIN READ ONLY``; SQLite with
``PRAGMA query_only``), one statement at a time (PostgreSQL prepares it, which refuses a second
statement; SQLite's driver refuses one too), so ``SELECT 1; COMMIT; DELETE …`` cannot slip a
write past the guard.  A write is refused with :class:`WriteRefused`.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import psycopg
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from warehouse.db import make_engine

BATCH = 10_000
FORMATS = ("csv", "jsonl", "parquet")


class AccessError(Exception):
    """A query or export that cannot run; the message says why, in the user's terms."""


class WriteRefused(AccessError):
    pass


@dataclass
class QueryResult:
    columns: list[str]
    batches: Iterator[list[tuple[Any, ...]]]


def _is_write_refusal(exc: Exception) -> bool:
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return True
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "readonly" in message or "read-only" in message or "query_only" in message
    )


def _sqlite_datetime(raw: bytes) -> datetime:
    return datetime.fromisoformat(raw.decode())


def _register_sqlite_types() -> None:
    """SQLite stores values untyped; read columns back as the types the schema declares.

    Converters are global to the sqlite3 module but apply only to connections opened with
    ``detect_types``, which only this module uses.
    """
    sqlite3.register_converter("NUMERIC", lambda raw: Decimal(raw.decode()))
    sqlite3.register_converter("BOOLEAN", lambda raw: raw not in (b"0", b""))
    sqlite3.register_converter("DATETIME", _sqlite_datetime)


@contextmanager
def read_only_query(db_url: str, sql: str) -> Iterator[QueryResult]:
    """Run one SQL statement read-only; rows come in batches while the context is open."""
    if not sql.strip():
        raise AccessError("empty SQL statement")
    url = make_url(db_url)
    try:
        if url.get_backend_name() == "sqlite":
            if not url.database or not Path(url.database).is_file():
                raise AccessError(f"no SQLite warehouse at {url.database!r} (run the pipeline first)")
            _register_sqlite_types()
            connection: Any = sqlite3.connect(
                url.database, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
            )
            connection.execute("PRAGMA query_only = ON")
            connection.execute("BEGIN")
            cursor = connection.cursor()
            cursor.execute(sql)
        elif url.get_backend_name() == "postgresql":
            conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            connection = psycopg.connect(conninfo, connect_timeout=10)
            connection.read_only = True  # every transaction on it starts READ ONLY
            cursor = connection.cursor()
            cursor.execute(sql.strip().rstrip(";"), prepare=True)  # type: ignore[arg-type]
        else:
            raise AccessError(f"unsupported database {url.get_backend_name()!r}")
    except (sqlite3.Error, psycopg.Error) as exc:
        if _is_write_refusal(exc):
            raise WriteRefused(
                "refused: the warehouse is opened read-only here and this statement writes "
                f"({str(exc).strip().splitlines()[0]}). Use SELECT (or WITH … SELECT)."
            ) from None
        raise AccessError(f"query failed: {str(exc).strip().splitlines()[0]}") from None
    try:
        if cursor.description is None:
            raise AccessError("the statement returns no rows (only queries are run here)")
        columns = [d[0] for d in cursor.description]

        def batches() -> Iterator[list[tuple[Any, ...]]]:
            while rows := cursor.fetchmany(BATCH):
                yield [tuple(r) for r in rows]

        yield QueryResult(columns, batches())
    finally:
        connection.rollback()
        connection.close()


def known_relations(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return sorted(set(inspector.get_table_names()) | set(inspector.get_view_names()))
    finally:
        engine.dispose()


def table_query(db_url: str, name: str) -> str:
    """``SELECT * FROM name`` for a table or view that exists (names are checked, not quoted in)."""
    known = known_relations(db_url)
    if name not in known:
        raise AccessError(f"no table or view named {name!r}; known: {', '.join(known)}")
    return f'SELECT * FROM "{name}"'


# ---- output ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(result: QueryResult, out: TextIO, max_rows: int) -> int:
    """An aligned text table of at most ``max_rows`` rows; returns the rows shown."""
    rows: list[list[str]] = []
    more = False
    for batch in result.batches:
        for row in batch:
            if len(rows) == max_rows:
                more = True
                break
            rows.append([_text(v).replace("\n", " ") for v in row])
        if more:
            break
    widths = [max([_width(c)] + [_width(r[i]) for r in rows]) for i, c in enumerate(result.columns)]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    out.write(line(result.columns) + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    suffix = "; more not shown, use --format csv for all" if more else ""
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{suffix})\n")
    return len(rows)


def write_csv(result: QueryResult, out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(result.columns)
    count = 0
    for batch in result.batches:
        writer.writerows([_text(v) for v in row] for row in batch)
        count += len(batch)
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | bytes | memoryview):
        return _text(value)
    return value


def write_jsonl(result: QueryResult, out: TextIO) -> int:
    count = 0
    for batch in result.batches:
        for row in batch:
            record = {c: _json_value(v) for c, v in zip(result.columns, row, strict=True)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += len(batch)
    return count


def _arrow_type(values: list[Any]) -> Any:
    import pyarrow as pa

    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    if isinstance(sample, Decimal):
        # Every NUMERIC in the warehouse is money with two decimals; SQLite hands back whole
        # amounts as integers, so two is the floor.
        scale = max([-int(v.as_tuple().exponent) for v in values if v is not None] + [2])
        return pa.decimal128(38, min(scale, 9))
    if isinstance(sample, datetime):
        return pa.timestamp("us")
    if isinstance(sample, date):
        return pa.date32()
    if isinstance(sample, bytes | memoryview):
        return pa.binary()
    return pa.string()  # text, JSON, and columns with no value in the first batch


def _arrow_values(values: list[Any], kind: Any) -> list[Any]:
    import pyarrow as pa

    if pa.types.is_string(kind):
        return [None if v is None else (v if isinstance(v, str) else _text(v)) for v in values]
    if pa.types.is_decimal(kind):
        quantum = Decimal(1).scaleb(-kind.scale)
        return [None if v is None else Decimal(v).quantize(quantum) for v in values]
    if pa.types.is_binary(kind):
        return [None if v is None else bytes(v) for v in values]
    return values


def write_parquet(result: QueryResult, path: Path) -> int:
    """Parquet with column types taken from the first batch (a column empty there is text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    schema = None
    count = 0
    try:
        for batch in result.batches:
            columns = list(zip(*batch, strict=True))
            if schema is None:
                schema = pa.schema(
                    [(c, _arrow_type(list(col))) for c, col in zip(result.columns, columns, strict=True)]
                )
                writer = pq.ParquetWriter(path, schema)
            arrays = [
                pa.array(_arrow_values(list(col), field.type), type=field.type)
                for col, field in zip(columns, schema, strict=True)
            ]
            assert writer is not None
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(batch)
        if writer is None:  # no rows: an empty file with text columns
            schema = pa.schema([(c, pa.string()) for c in result.columns])
            writer = pq.ParquetWriter(path, schema)
    finally:
        if writer is not None:
            writer.close()
    return count


def export(db_url: str, sql: str, fmt: str, out: Path) -> int:
    """Write the query's rows to ``out`` (replaced only when complete); returns the row count."""
    if fmt not in FORMATS:
        raise AccessError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        with read_only_query(db_url, sql) as result:
            if fmt == "parquet":
                count = write_parquet(result, partial)
            else:
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    count = write_csv(result, handle) if fmt == "csv" else write_jsonl(result, handle)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return count
