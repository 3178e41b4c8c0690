"""``make bench`` (warehouse part): a synthetic warehouse in the real PostgreSQL, load rate, view times.

    python -m bench.warehouse [--articles N] [--db URL] [--keep]

Builds a fresh database (default ``charitynews_bench`` on 127.0.0.1:5432, dropped afterwards
unless ``--keep``), migrates it with the Alembic chain, then bulk-loads N synthetic articles
with their amount, organization and region mentions through COPY, in batches of 20,000
articles, each batch one transaction, two loader connections at a time, into the migrated
schema with every index, check and unique constraint in place; foreign keys are checked per
batch with one query each instead of one trigger call per row.  One article in ten is a
syndicated copy of the one before it (its amounts are stored, not counted).  The rows are
generated in memory before the clock starts (as a loader would read staged files).  The load
rate counts articles with all their mentions, until the last commit; VACUUM ANALYZE
(which PostgreSQL's autovacuum would do after a bulk load, and which index-only scans need) is
timed apart.  Then each researcher view's query runs five times; the table shows the first run,
the median and the indexes PostgreSQL's plan used.

The COPY figure is the database's ceiling, not what a pipeline run gets: the bench then runs
``bench.loader``, the pipeline's own loader (``warehouse.load.load_extracted``: validation,
batches, clusters) on realistic extracted records, on SQLite and PostgreSQL, and prints the
syndication measurement of ``bench.syndication``.  Texts are synthetic: a donor
sentence per amount, from a pool of fictional organizations and the real GB/T 2260 codes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench import loader, syndication
from transforms.gazetteer import load_gazetteer
from warehouse.db import make_engine, upgrade
from warehouse.load import ensure_regions

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/charitynews_bench"
BATCH = 20_000
ORGANIZATIONS = 40_000
EPOCH = datetime(2020, 1, 1)
SPAN_SECONDS = 7 * 365 * 86400  # 2020–2026
ROLES = (
    ("donated",) * 8
    + ("raised",) * 4
    + ("pledged",) * 2
    + ("disbursed",) * 3
    + (
        "fund_size",
        "in_kind",
        None,
    )
)
_KINDS = ("公益基金会", "慈善总会", "红十字会", "控股集团有限公司", "慈善协会", "教育基金会")
_PURPOSES = ("助学", "助医", "养老", "救灾", "乡村振兴", "饮水工程", "图书室", "助残")

# The questions the views answer, as a researcher would ask them over the synthetic 2020–2026 span.
QUERIES: dict[str, str] = {
    "totals_by_province_month": "SELECT * FROM totals_by_province_month",
    "totals_by_organization": "SELECT * FROM totals_by_organization ORDER BY total_cny DESC LIMIT 50",
    "totals_by_role": "SELECT * FROM totals_by_role",
    "organization_first_seen (a month)": "SELECT * FROM organization_first_seen "
    "WHERE first_seen_at >= '2026-06-01' AND first_seen_at < '2026-07-01'",
    "gift: top 20 of a month": "SELECT * FROM gift WHERE published_at >= '2026-06-01' "
    "AND published_at < '2026-07-01' ORDER BY value_cny DESC LIMIT 20",
}


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(url: str) -> str:
    return _conninfo(str(make_url(url).set(database="postgres")))


def create_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


class Synthetic:
    """Rows for COPY, generated deterministically (seeded)."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        gazetteer = load_gazetteer()
        provinces = {}
        for region in gazetteer.regions.values():
            top = region
            while top.parent:
                top = gazetteer.regions[top.parent]
            provinces[region.code] = top.code
        self.regions = [(r.code, r.name, provinces[r.code]) for r in gazetteer.regions.values()]
        self.organizations = [
            f"{self.rng.choice(self.regions)[1]}第{i}{self.rng.choice(_KINDS)}"
            for i in range(1, ORGANIZATIONS + 1)
        ]
        self.seed = seed

    def organization_copy(self) -> bytes:
        return "".join(f"{i}\t{name}\tfoundation\n" for i, name in enumerate(self.organizations, 1)).encode()

    def batch(self, first: int, last: int) -> tuple[dict[str, bytes], int]:
        """COPY data for articles first..last and the number of mentions of each kind.

        Batches are independent (own seed, ids derived from the article id: at most 3 mentions
        of a kind per article), so several loaders can take them at once.
        """
        rng = random.Random(self.seed * 1_000_003 + first)
        mentions = 0
        clusters, articles, amounts, org_mentions, region_mentions = [], [], [], [], []
        for article_id in range(first, last + 1):
            is_copy = article_id % 10 == 0
            representative = article_id - 1 if is_copy else article_id
            if not is_copy:
                size = 2 if (article_id + 1) % 10 == 0 else 1
                clusters.append(f"{article_id}\t\\N\t{size}\n")
            offset_seconds = rng.randrange(SPAN_SECONDS)
            published = EPOCH + timedelta(seconds=offset_seconds)
            # Organizations enter the news over time (some are new every month), as in real data.
            known_organizations = max(50, ORGANIZATIONS * offset_seconds // SPAN_SECONDS)
            stamp = published.isoformat(sep=" ")
            month = stamp[:7]
            sentences = []
            offset = 0
            for position in range(rng.choice((1, 2, 2, 3))):
                org_id = rng.randrange(1, known_organizations + 1)
                org = self.organizations[org_id - 1]
                code, region, province = rng.choice(self.regions)
                wan = rng.choice((1, 2, 5, 10, 20, 50, 100, 300, 1000)) * rng.randrange(1, 10)
                amount_text = f"{wan}万元"
                sentence = f"{org}向{region}捐赠{amount_text}，用于{rng.choice(_PURPOSES)}项目。"
                org_start = offset
                region_start = org_start + len(org) + 1
                amount_start = region_start + len(region) + 2
                role = rng.choice(ROLES) or "\\N"  # \N is COPY's NULL
                cumulative = rng.random() < 0.1
                value = f"{wan * 10000}.00"
                counted = "t" if not is_copy else "f"
                mention_id = article_id * 4 + position
                mentions += 1
                amounts.append(
                    f"{mention_id}\t{article_id}\t{position}\t{value}\tCNY\t{value}\texact\t\\N\t"
                    f"{role}\t{'t' if cumulative else 'f'}\t\\N\t\\N\t{org_id}\t{code}\t"
                    f"sentence\t{province}\t{stamp}\t{month}\t{counted}\t{amount_text}\t{amount_start}\t"
                    f"{amount_start + len(amount_text)}\t{sentence}\tbench\n"
                )
                org_mentions.append(
                    f"{mention_id}\t{article_id}\t{org_id}\tf\t{stamp}\t{org}\t{org_start}\t"
                    f"{org_start + len(org)}\t{sentence}\tbench\n"
                )
                region_mentions.append(
                    f"{mention_id}\t{article_id}\t{code}\tbeneficiary\t{region}\t{region_start}\t"
                    f"{region_start + len(region)}\t{sentence}\tbench\n"
                )
                sentences.append(sentence)
                offset += len(sentence)
            text = "".join(sentences)
            articles.append(
                f"{article_id}\thttp://bench.example/{article_id}\t1\t第{article_id}号报道\t{stamp}\t{stamp}\t"
                f"simplified\tutf-8\t{text}\t{text}\t{article_id:064x}\t{article_id}\t{representative}\t"
                f"\\N\tbench\n"
            )
        return {
            "clusters": "".join(clusters).encode(),
            "articles": "".join(articles).encode(),
            "amounts": "".join(amounts).encode(),
            "org_mentions": "".join(org_mentions).encode(),
            "region_mentions": "".join(region_mentions).encode(),
        }, mentions


_COPY = {
    "clusters": "COPY syndication_cluster (id, representative_article_id, size) FROM STDIN",
    "articles": "COPY article (id, url, source_id, title, published_at, fetched_at, script_variant, "
    "encoding, original_text, simplified_text, content_hash, fingerprint, cluster_id, source_line, "
    "extractor_version) FROM STDIN",
    "amounts": "COPY amount_mention (id, article_id, position, value, currency, value_cny, qualifier, high, "
    "role, cumulative, conversion_of_position, details, organization_id, region_code, region_basis, "
    'province_code, published_at, published_month, counted, surface, start, "end", sentence, '
    "extractor_version) FROM STDIN",
    "org_mentions": "COPY organization_mention (id, article_id, organization_id, expanded_from_context, "
    'published_at, surface, start, "end", sentence, extractor_version) FROM STDIN',
    "region_mentions": 'COPY region_mention (id, article_id, region_code, role, surface, start, "end", '
    "sentence, extractor_version) FROM STDIN",
}


PHASES: dict[str, float] = {}
_PHASE_LOCK = threading.Lock()


def _add_phase(name: str, started: float) -> None:
    with _PHASE_LOCK:
        PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started


def _copy(cursor: psycopg.Cursor, table: str, data: bytes) -> None:
    started = time.perf_counter()
    _copy_untimed(cursor, table, data)
    _add_phase(table, started)


def _copy_untimed(cursor: psycopg.Cursor, table: str, data: bytes) -> None:
    with cursor.copy(_COPY[table]) as copy:
        view = memoryview(data)
        for i in range(0, len(data), 1 << 20):
            copy.write(view[i : i + (1 << 20)])


# (child table, column, parent table, parent key): every foreign key the COPY above fills.
_FOREIGN_KEYS = (
    ("article", "source_id", "source", "id"),
    ("article", "cluster_id", "syndication_cluster", "id"),
    ("syndication_cluster", "representative_article_id", "article", "id"),
    ("amount_mention", "article_id", "article", "id"),
    ("amount_mention", "organization_id", "organization", "id"),
    ("amount_mention", "region_code", "region", "code"),
    ("amount_mention", "province_code", "region", "code"),
    ("organization_mention", "article_id", "article", "id"),
    ("organization_mention", "organization_id", "organization", "id"),
    ("region_mention", "article_id", "article", "id"),
    ("region_mention", "region_code", "region", "code"),
)


def check_foreign_keys(cur: psycopg.Cursor, first: int, last: int) -> None:
    """Raise if any row of the batch (articles first..last) references a missing parent."""
    for child, column, parent, key in _FOREIGN_KEYS:
        batch_rows = "id" if child in ("article", "syndication_cluster") else "article_id"
        cur.execute(
            f"SELECT count(*) FROM {child} c WHERE c.{batch_rows} BETWEEN %s AND %s "
            f"AND c.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})",
            (first, last),
        )
        broken = cur.fetchone()[0]  # type: ignore[index]
        if broken:
            raise RuntimeError(f"{broken} row(s) of {child}.{column} point to no {parent}: batch rolled back")


def _load_batch(url: str, batch: dict[str, bytes], first: int, last: int) -> None:
    """COPY one prepared batch in its own connection and transaction."""
    with psycopg.connect(_conninfo(url)) as conn, conn.cursor() as cur:
        # Foreign keys are checked set-wise for the batch (below) instead of by one trigger call
        # per row, as pg_restore --disable-triggers does; unique and check constraints are
        # enforced by COPY itself.  Needs a superuser (the bench server's postgres).
        cur.execute("SET LOCAL session_replication_role = replica")
        # Clusters and articles refer to each other: clusters first without their
        # representative, then articles, then the representative (= the cluster's id).
        _copy(cur, "clusters", batch["clusters"])
        _copy(cur, "articles", batch["articles"])
        cur.execute(
            "UPDATE syndication_cluster SET representative_article_id = id WHERE id BETWEEN %s AND %s",
            (first, last),
        )
        for table in ("amounts", "org_mentions", "region_mentions"):
            _copy(cur, table, batch[table])
        checking = time.perf_counter()
        check_foreign_keys(cur, first, last)
        _add_phase("foreign key checks", checking)
        conn.commit()


def bulk_load(url: str, articles: int, loaders: int) -> tuple[float, dict[str, int]]:
    """COPY ``articles`` synthetic articles with their mentions; returns (seconds, row counts)."""
    synthetic = Synthetic()
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        ensure_regions(session)  # the GB/T 2260 reference table, as every load fills it
    engine.dispose()
    with psycopg.connect(_conninfo(url)) as conn:
        with conn.cursor() as cur:  # reference rows: not part of the timed load
            cur.execute(
                "INSERT INTO source (id, name, title, homepage, locale) "
                "VALUES (1, 'bench', '基准站', 'http://bench.example/', 'mainland')"
            )
            with cur.copy("COPY organization (id, name, type) FROM STDIN") as copy:
                copy.write(synthetic.organization_copy())
        conn.commit()
    # A copy is always in its original's batch (batches start at an id ending in 1).
    bounds = [(first, min(first + BATCH - 1, articles)) for first in range(1, articles + 1, BATCH)]
    # The rows are made before the clock starts, as a loader reads staged files: the rate is
    # the database's, not this generator's.
    generating = time.perf_counter()
    batches = []
    mentions = 0
    for first, last in bounds:
        batch, count = synthetic.batch(first, last)
        batches.append(batch)
        mentions += count
        print(f"\r  generated {last:,} / {articles:,} articles", end="", file=sys.stderr)
    print(f"\n  rows generated in {time.perf_counter() - generating:.0f} s (not timed)", file=sys.stderr)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=loaders) as executor:
        jobs = [
            executor.submit(_load_batch, url, batch, *b) for batch, b in zip(batches, bounds, strict=True)
        ]
        for done, job in enumerate(jobs, 1):
            job.result()
            print(
                f"\r  loaded {min(done * BATCH, articles):,} / {articles:,} articles", end="", file=sys.stderr
            )
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    with psycopg.connect(_conninfo(url)) as conn, conn.cursor() as cur:
        # later inserts through the ORM must not collide with our ids
        for table in ("article", "amount_mention", "organization_mention", "region_mention", "organization"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
    counts = {"article": articles, "amount_mention": mentions, "organization_mention": mentions}
    counts["region_mention"] = mentions
    return seconds, counts


def vacuum_analyze(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _indexes(plan: dict) -> Iterator[str]:
    if "Index Name" in plan:
        yield f"{plan['Index Name']} ({plan['Node Type'].lower()})"
    for child in plan.get("Plans", []):
        yield from _indexes(child)


def time_views(url: str, runs: int = 5) -> list[tuple[str, float, float, int, list[str]]]:
    results = []
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        for name, sql in QUERIES.items():
            seconds = []
            rows = 0
            for _ in range(runs):
                started = time.perf_counter()
                rows = len(conn.execute(sql).fetchall())
                seconds.append(time.perf_counter() - started)
            plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql).fetchone()[0]  # type: ignore[index]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            used = sorted(set(_indexes(plan[0]["Plan"])))
            results.append((name, seconds[0], statistics.median(seconds), rows, used))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warehouse", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument(
        "--db", default=DEFAULT_DB, help=f"PostgreSQL URL of a scratch database ({DEFAULT_DB})"
    )
    parser.add_argument(
        "--loader-articles",
        type=int,
        default=10_000,
        help="realistic records for the pipeline's own loader on both engines (bench.loader; 0 to skip)",
    )
    parser.add_argument("--loaders", type=int, default=2, help="concurrent COPY connections (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args(argv)
    if make_url(args.db).database in ("test", "postgres"):
        parser.error("use a scratch database: this one is dropped and re-created")
    try:
        create_database(args.db)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {args.db}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        upgrade(args.db)
        print(f"warehouse bench: {args.articles:,} synthetic articles into {make_url(args.db).database}")
        seconds, counts = bulk_load(args.db, args.articles, args.loaders)
        mentions = sum(v for k, v in counts.items() if k != "article")
        print(
            f"  bulk load (COPY, all indexes and constraints): {seconds:.1f} s, "
            f"{args.articles / seconds:,.0f} articles/s with {mentions / args.articles:.1f} mentions each "
            f"({mentions / seconds:,.0f} mentions/s)  [target >= 5,000 articles/s]"
        )
        for table, n in counts.items():
            print(f"    {table:<22}{n:>12,}")
        print(f"    ({args.loaders} loaders; phase times add up over loaders)")
        print("    time by phase: " + ", ".join(f"{k} {v:.1f} s" for k, v in PHASES.items()))
        vacuum = vacuum_analyze(args.db)
        print(
            f"  VACUUM ANALYZE after the load: {vacuum:.1f} s "
            f"(load + vacuum: {args.articles / (seconds + vacuum):,.0f} articles/s)"
        )
        print("  researcher views (5 runs each)  [target < 1 s]")
        print(f"    {'query':<36}{'first s':>9}{'median s':>10}{'rows':>7}  indexes in the plan")
        for name, first, median, rows, used in time_views(args.db):
            print(f"    {name:<36}{first:>9.3f}{median:>10.3f}{rows:>7}  {', '.join(used) or '-'}")
    finally:
        if not args.keep:
            drop_database(args.db)
    if args.loader_articles > 0:
        # What researchers get: the pipeline's own loader, on records shaped like the extractor's.
        loader.main(["--articles", str(args.loader_articles)])
    syndication.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
