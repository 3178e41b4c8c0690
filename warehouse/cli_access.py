"""The ``charitynews sql`` and ``charitynews export`` subcommands (registered in pipelines/cli.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warehouse.access import (
    FORMATS,
    AccessError,
    export,
    print_table,
    read_only_query,
    table_query,
    write_csv,
)


def _db_url(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    from pipelines.settings import load_settings

    return load_settings().db_url


def _sql(args: argparse.Namespace) -> int:
    try:
        with read_only_query(_db_url(args), args.statement) as result:
            if args.format == "csv":
                write_csv(result, sys.stdout)
            else:
                print_table(result, sys.stdout, args.max_rows)
    except AccessError as exc:
        print(f"charitynews sql: {exc}", file=sys.stderr)
        return 2
    return 0


def _export(args: argparse.Namespace) -> int:
    url = _db_url(args)
    try:
        sql = args.query if args.query is not None else table_query(url, args.table)
        count = export(url, sql, args.format, Path(args.out))
    except AccessError as exc:
        print(f"charitynews export: {exc}", file=sys.stderr)
        return 2
    print(f"{count} row(s) written to {args.out} ({args.format})", file=sys.stderr)
    return 0


def add_sql_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sql = sub.add_parser("sql", help="run one read-only SQL query against the warehouse")
    sql.add_argument("statement", metavar="SQL", help='one statement, e.g. "SELECT * FROM totals_by_role"')
    sql.add_argument("--format", choices=["table", "csv"], default="table")
    sql.add_argument("--max-rows", type=int, default=200, help="rows shown as a table (default 200)")
    sql.add_argument("--db", help="SQLAlchemy URL (default: CHARITYNEWS_DB_URL)")
    sql.set_defaults(func=_sql)


def add_export_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    exp = sub.add_parser("export", help="export a query, table or view to CSV, Parquet or JSON Lines")
    what = exp.add_mutually_exclusive_group(required=True)
    what.add_argument("--query", metavar="SQL", help="one read-only SQL statement")
    what.add_argument("--table", metavar="NAME", help="a table or view, e.g. gift")
    exp.add_argument("--format", choices=FORMATS, required=True)
    exp.add_argument("--out", required=True, metavar="PATH")
    exp.add_argument("--db", help="SQLAlchemy URL (default: CHARITYNEWS_DB_URL)")
    exp.set_defaults(func=_export)
