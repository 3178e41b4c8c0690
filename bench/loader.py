"""The pipeline's own loader (``warehouse.load.load_extracted``) on realistic records, both engines.

    python -m bench.loader [--articles N] [--base B] [--db URL] [--sqlite PATH]

Records come from ``bench.loader_rows`` (the sample sites through the real extractor, then
varied; about 5 amounts, 4 organizations and 7 regions each, 3% exact copies).  They are made
before the clock starts.  Each engine gets a fresh warehouse migrated with the Alembic chain;
a one-record load fills the reference tables first (untimed), and with ``--base B`` a load of
B other records makes the warehouse an older one (untimed: how the rates grow with it).  Then, timed:

- a first load of N records into the empty warehouse, as a backfill would;
- a daily load: 1% new records (N/100) into the warehouse of N;
- the same N records again (nothing changes: the idempotent re-run).

Rates are articles per second of wall time and per CPU second (this process plus, on
PostgreSQL, the server backend doing the load, read from /proc): the machine is shared, so wall
time stretches with its load while CPU seconds stay the work done.  It also prints the candidate
pairs compared per new article and the band buckets' sizes, which must stay bounded as the
archive grows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from bench.loader_rows import SITE, variants
from warehouse.db import make_engine, upgrade
from warehouse.load import LoadReport, load_extracted
from warehouse.syndication import BUCKET_CAP

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/charitynews_bench_loader"


def _server_cpu(pids: set[int]) -> float:
    """CPU seconds used so far by these PostgreSQL backends (0 when /proc cannot tell)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Meter:
    """Wall time, this process's CPU time and the engine's backends' CPU time of one load."""

    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _remember(dbapi_connection, _record):  # type: ignore[no-untyped-def]
                self.pids.add(dbapi_connection.info.backend_pid)

    def run(self, work) -> tuple[float, float, LoadReport]:  # type: ignore[no-untyped-def]
        server = _server_cpu(self.pids)
        wall, cpu = time.perf_counter(), time.process_time()
        report = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu + _server_cpu(self.pids) - server, report


def bucket_stats(engine: Engine) -> tuple[int, int, int, float]:
    """(band rows, largest bucket, full buckets, articles per bucket on average)."""
    with engine.connect() as connection:
        rows, largest, full, mean = connection.execute(
            text(
                "SELECT COALESCE(SUM(n), 0), COALESCE(MAX(n), 0), COUNT(*) FILTER (WHERE n >= :cap), "
                "COALESCE(AVG(n), 0) "
                "FROM (SELECT key, COUNT(*) AS n FROM syndication_band GROUP BY key) buckets"
            ).bindparams(cap=BUCKET_CAP)
        ).one()
    return int(rows), int(largest), int(full), float(mean)


BASE_FIRST = 10_000_000  # numbering of the records already in the warehouse (--base): other URLs


def measure(url: str, articles: int, base: int = 0) -> list[str]:
    rows = list(variants(articles))
    daily = list(variants(max(articles // 100, 1), first=articles))
    upgrade(url)
    engine = make_engine(url)
    meter = Meter(engine)
    load_extracted(engine, [SITE], rows[:1])  # the reference tables: once, untimed
    lines = []
    if base:  # a warehouse that already holds ``base`` other articles, loaded untimed
        load_extracted(engine, [SITE], variants(base, first=BASE_FIRST))
        lines.append(f"    (warehouse already holding {base:,} other articles)")
    first = f"load into {base // 1000}k" if base else "first load"
    for name, batch in ((first, rows[1:]), ("daily +1%", daily), ("re-run, unchanged", rows[1:])):
        wall, cpu, report = meter.run(lambda batch=batch: load_extracted(engine, [SITE], batch))
        per_new = report.compared / report.written if report.written else 0.0
        lines.append(
            f"    {name:<20}{len(batch):>8,}{len(batch) / wall:>10,.0f}{len(batch) / cpu:>10,.0f}"
            f"{report.written:>9,}{per_new:>10.2f}{len(report.rejected):>9}"
        )
    band_rows, largest, full, mean = bucket_stats(engine)
    lines.append(
        f"    after: {report.articles:,} articles, {report.multi_article_clusters:,} clusters with copies; "
        f"{band_rows:,} band rows, largest bucket {largest} (cap {BUCKET_CAP}), {full} full, "
        f"{mean:.2f} articles per bucket"
    )
    engine.dispose()
    return lines


def _admin(url: str) -> str:
    return (
        make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loader", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--db", default=DEFAULT_DB, help=f"PostgreSQL scratch database ({DEFAULT_DB})")
    parser.add_argument("--sqlite", default="data/bench-loader.sqlite", help="SQLite scratch file")
    parser.add_argument(
        "--base",
        type=int,
        default=0,
        help="articles already in the warehouse before the timed loads (untimed)",
    )
    args = parser.parse_args(argv)
    name = make_url(args.db).database
    if name in ("test", "postgres"):
        parser.error("use a scratch database: this one is dropped and re-created")
    sample = list(variants(200))
    mentions = [sum(len(r[k]) for r in sample) / len(sample) for k in ("amounts", "organizations", "regions")]
    print(
        f"loader bench (load_extracted), realistic records: {mentions[0]:.1f} amounts, "
        f"{mentions[1]:.1f} organizations, {mentions[2]:.1f} regions per article"
    )
    widths = (-20, 8, 10, 10, 9, 10, 9)
    header = ("load", "records", "/s wall", "/s CPU", "written", "pairs/new", "rejected")
    print(
        "    " + "".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w in zip(header, widths, strict=True))
    )
    sqlite_path = Path(args.sqlite)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    print(f"  SQLite ({sqlite_path})")
    for line in measure(f"sqlite:///{sqlite_path}", args.articles, args.base):
        print(line)
    try:
        with psycopg.connect(_admin(args.db), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"  PostgreSQL not reachable at {args.db}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        print(f"  PostgreSQL ({name})")
        for line in measure(args.db, args.articles, args.base):
            print(line)
    finally:
        with psycopg.connect(_admin(args.db), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
