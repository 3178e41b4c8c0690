"""Read-only access for researchers: ``charitynews sql`` and ``charitynews export``.

Every query runs in a read-only transaction (PostgreSQL ``BEGIN READ ONLY``; SQLite with
``PRAGMA query_only``), one statement at a time (PostgreSQL prepares it, which refuses a second
statement; SQLite's driver refuses one too), so ``SELECT 1; COMMIT; DELETE …`` cannot slip a
write past the guard.  A write is refused with :class:`WriteRefused`.

Money keeps every digit.  NUMERIC columns come back as :class:`~decimal.Decimal` on both
engines; SQLite keeps NUMERIC values as binary doubles, so its ``SUM`` would add them with
rounding noise (810207495.5799999): on the read-only connection ``SUM`` and ``TOTAL`` add the
decimal values exactly instead.  Parquet columns are typed from the result description (on
PostgreSQL) and from the whole column (SQLite describes no types), never from the first row.
"""

from __future__ import annotations

import csv
import decimal
import json
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import psycopg
from sqlalchemy import inspect

from warehouse.db import WarehouseUrlError, check_url, first_line, open_warehouse, sqlite_path

BATCH = 10_000
FORMATS = ("csv", "jsonl", "parquet")
# Every NUMERIC of the warehouse is money with two decimals (models.Money): the scale of a money
# column whose description gives none (a SUM on PostgreSQL, any column on SQLite).
MONEY_SCALE = 2
# PostgreSQL type OIDs the export maps (pg_type); others are typed from their values.
_PG_KINDS = {
    16: "bool",
    20: "int",
    21: "int",
    23: "int",
    26: "int",
    700: "float",
    701: "float",
    1700: "decimal",
    1082: "date",
    1114: "timestamp",
    1184: "timestamptz",
    17: "binary",
    25: "text",
    1043: "text",
    18: "text",
    19: "text",
    114: "text",
    3802: "text",
}
_EXACT = decimal.Context(prec=60)


class AccessError(Exception):
    """A query or export that cannot run; the message says why, in the user's terms."""


class WriteRefused(AccessError):
    pass


@dataclass
class ColumnInfo:
    """What the result description says of a column: a kind (see _PG_KINDS) and a scale."""

    kind: str | None = None
    scale: int | None = None


@dataclass
class QueryResult:
    columns: list[str]
    batches: Iterator[list[tuple[Any, ...]]]
    described: list[ColumnInfo] = field(default_factory=list)
    # Runs the statement again in the same transaction (the same snapshot): for a second pass.
    rerun: Callable[[], Iterator[list[tuple[Any, ...]]]] | None = None


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


class _ExactSum:
    """SQLite's SUM, adding the decimal values the doubles stand for (each double's shortest
    repr, which is the stored decimal for any amount of 15 significant digits or fewer)."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.inexact = False
        self.count = 0

    def step(self, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, float):
            self.inexact = True
            value = Decimal(repr(value))
        elif isinstance(value, str | bytes):
            try:  # SQLite reads numeric text as its number and other text as 0
                value = Decimal(value.decode() if isinstance(value, bytes) else value)
            except decimal.InvalidOperation:
                value = Decimal(0)
            self.inexact = self.inexact or value != value.to_integral_value()
        self.count += 1
        self.total = _EXACT.add(self.total, value)

    def value(self) -> int | float | None:
        if not self.count:
            return None
        if self.inexact or not -(2**63) <= self.total < 2**63:
            return float(self.total)
        return int(self.total)

    def finalize(self) -> int | float | None:
        return self.value()


class _ExactTotal(_ExactSum):
    def finalize(self) -> float:  # type: ignore[override]
        return float(self.total)


def _open_sqlite(database: Path) -> sqlite3.Connection:
    _register_sqlite_types()
    connection = sqlite3.connect(database, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES)
    connection.create_aggregate("sum", 1, _ExactSum)
    connection.create_aggregate("total", 1, _ExactTotal)
    connection.execute("PRAGMA query_only = ON")
    connection.execute("BEGIN")
    return connection


def _open_postgresql(conninfo: str) -> psycopg.Connection[Any]:
    try:
        connection = psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise WarehouseUrlError(f"cannot connect to the warehouse: {first_line(exc)}") from None
    connection.read_only = True  # every transaction on it starts READ ONLY
    # One snapshot for the whole statement and a second pass over it (Parquet types).
    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return connection


def _described(description: Sequence[Any]) -> list[ColumnInfo]:
    infos = []
    for column in description:
        kind = _PG_KINDS.get(getattr(column, "type_code", None) or -1)
        scale = getattr(column, "scale", None) if kind == "decimal" else None
        infos.append(ColumnInfo(kind, scale))
    return infos


@contextmanager
def read_only_query(db_url: str, sql: str) -> Iterator[QueryResult]:
    """Run one SQL statement read-only; rows come in batches while the context is open."""
    if not sql.strip():
        raise AccessError("empty SQL statement")
    url = check_url(db_url)
    backend = url.get_backend_name()
    connection: Any
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is None:
            raise AccessError("an in-memory SQLite database has no warehouse in it")
        connection = _open_sqlite(path)
    else:
        connection = _open_postgresql(url.set(drivername="postgresql").render_as_string(hide_password=False))

    def execute() -> Any:
        cursor = connection.cursor()
        if backend == "sqlite":
            cursor.execute(sql)
        else:
            cursor.execute(sql.strip().rstrip(";"), prepare=True)
        return cursor

    def batches_of(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
        while rows := cursor.fetchmany(BATCH):
            yield [tuple(r) for r in rows]

    try:
        try:
            cursor = execute()
        except (sqlite3.Error, psycopg.Error) as exc:
            if _is_write_refusal(exc):
                raise WriteRefused(
                    "refused: the warehouse is opened read-only here and this statement writes "
                    f"({first_line(exc)}). Use SELECT (or WITH … SELECT)."
                ) from None
            raise AccessError(f"query failed: {first_line(exc)}") from None
        if cursor.description is None:
            raise AccessError("the statement returns no rows (only queries are run here)")
        columns = [d[0] for d in cursor.description]
        described = _described(cursor.description) if backend == "postgresql" else []
        yield QueryResult(columns, batches_of(cursor), described, rerun=lambda: batches_of(execute()))
    except (sqlite3.Error, psycopg.Error) as exc:  # while reading rows
        raise AccessError(f"query failed: {first_line(exc)}") from None
    finally:
        connection.rollback()
        connection.close()


def known_relations(db_url: str) -> list[str]:
    engine = open_warehouse(db_url)
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


def _decimal_text(value: Decimal) -> str:
    """Fixed point, never exponent notation: 1.0E+15 → 1000000000000000.0."""
    return f"{value:f}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _decimal_text(value)
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


def _json_token(value: Any) -> str:
    """One JSON value; a Decimal is written as the number it is (json would make it a double)."""
    if isinstance(value, Decimal) and value.is_finite():
        return _decimal_text(value)
    if isinstance(value, datetime | date | bytes | memoryview):
        value = _text(value)
    return json.dumps(value, ensure_ascii=False)


def write_jsonl(result: QueryResult, out: TextIO) -> int:
    keys = [json.dumps(c, ensure_ascii=False) + ": " for c in result.columns]
    count = 0
    for batch in result.batches:
        for row in batch:
            out.write("{" + ", ".join(k + _json_token(v) for k, v in zip(keys, row, strict=True)) + "}\n")
        count += len(batch)
    return count


@dataclass
class _Profile:
    """What a whole column holds: the Python types of its values, and their decimal digits."""

    types: set[type] = field(default_factory=set)
    scale: int = 0
    integer_digits: int = 1
    aware: bool = False

    def add(self, value: Any) -> None:
        self.types.add(type(value))
        if isinstance(value, Decimal) and value.is_finite():
            _, digits, exponent = value.as_tuple()
            assert isinstance(exponent, int)
            self.scale = max(self.scale, -exponent)
            self.integer_digits = max(self.integer_digits, len(digits) + exponent)
        elif isinstance(value, int) and not isinstance(value, bool):
            self.integer_digits = max(self.integer_digits, len(str(abs(value))))
        elif isinstance(value, datetime) and value.tzinfo is not None:
            self.aware = True


def _profiles(batches: Iterator[list[tuple[Any, ...]]], width: int) -> list[_Profile]:
    profiles = [_Profile() for _ in range(width)]
    for batch in batches:
        for row in batch:
            for profile, value in zip(profiles, row, strict=True):
                if value is not None:
                    profile.add(value)
    return profiles


def _decimal_type(profile: _Profile, declared_scale: int | None) -> Any:
    import pyarrow as pa

    scale = declared_scale if declared_scale is not None else max(profile.scale, MONEY_SCALE)
    scale = max(scale, profile.scale)  # never drop a digit a value has
    precision = profile.integer_digits + scale
    if precision <= 38:
        return pa.decimal128(38, scale)
    if precision <= 76:
        return pa.decimal256(76, scale)
    return pa.string()


def _arrow_type(profile: _Profile, described: ColumnInfo) -> Any:
    """The column's Arrow type: from the description where it says, else from every value."""
    import pyarrow as pa

    types = profile.types
    kind = described.kind
    if kind == "decimal" or Decimal in types:
        return _decimal_type(profile, described.scale)
    if kind == "float" or (float in types and types <= {float, int}):
        return pa.float64()
    if kind == "int" or (types and types <= {int}):
        return pa.int64() if profile.integer_digits <= 18 else _decimal_type(profile, 0)
    if kind == "bool" or (types and types <= {bool}):
        return pa.bool_()
    if kind in ("timestamp", "timestamptz") or (types and types <= {datetime}):
        return pa.timestamp("us", tz="UTC") if kind == "timestamptz" or profile.aware else pa.timestamp("us")
    if kind == "date" or (types and types <= {date}):
        return pa.date32()
    if kind == "binary" or (types and types <= {bytes, memoryview}):
        return pa.binary()
    return pa.string()  # text, JSON, mixed values, and columns with no value at all


def _arrow_values(values: Sequence[Any], kind: Any) -> list[Any]:
    import pyarrow as pa

    if pa.types.is_string(kind):
        return [None if v is None else (v if isinstance(v, str) else _text(v)) for v in values]
    if pa.types.is_decimal(kind):
        quantum = Decimal(1).scaleb(-kind.scale)
        return [
            None if v is None else _EXACT.quantize(Decimal(repr(v) if isinstance(v, float) else v), quantum)
            for v in values
        ]
    if pa.types.is_binary(kind):
        return [None if v is None else bytes(v) for v in values]
    return list(values)


def write_parquet(result: QueryResult, path: Path) -> int:
    """Parquet typed from the result description and a first pass over every row.

    The first pass reads the whole result once without keeping it (the statement runs twice, in
    one read-only snapshot), so a column is never typed from its first rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    described = result.described or [ColumnInfo() for _ in result.columns]
    rows_first_pass = result.batches
    profiles = _profiles(rows_first_pass, len(result.columns))
    schema = pa.schema(
        [
            (name, _arrow_type(profile, info))
            for name, profile, info in zip(result.columns, profiles, described, strict=True)
        ]
    )
    batches = result.rerun() if result.rerun is not None else iter(())
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in batches:
            columns = list(zip(*batch, strict=True))
            arrays = [
                pa.array(_arrow_values(col, f.type), type=f.type)
                for col, f in zip(columns, schema, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(batch)
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
