"""The ``charitynews`` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from pipelines.settings import load_settings


def _demo(args: argparse.Namespace) -> int:
    import dagster as dg
    from sqlalchemy.orm import Session

    from pipelines.definitions import build_resources
    from pipelines.digest.render import format_amount
    from pipelines.local_run import local_instance, materialize_everything
    from pipelines.resources import SiteRegistryResource
    from warehouse.db import check_url, make_engine
    from warehouse.queries import latest_iso_week, warehouse_counts

    # Dagster's own Pipes internals use a preview API; that is not the user's concern here.
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    settings = load_settings()
    check_url(settings.db_url, create=True)  # a bad CHARITYNEWS_DB_URL stops here, not mid-run
    started = time.monotonic()
    print(f"charity-news demo: crawling the bundled sample sites into {settings.data_dir}", flush=True)
    # The local instance under the data dir: `make dev` afterwards shows the demo's runs.
    with local_instance(settings.data_dir) as instance:
        resources = build_resources()
        resources["site_registry"] = registry = SiteRegistryResource(
            registry=settings.sites, crawler_log_level="WARNING"
        )
        # The crawl runs once per site partition (today's latest day), then the other stages.
        run = materialize_everything(
            resources,
            instance,
            [site.name for site in registry.sites()],
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        if not run.success:
            for result in run.results:
                for event in result.all_events:
                    if event.is_failure and event.step_key:
                        print(f"step {event.step_key} failed: {event.message}", file=sys.stderr)
            return 1
        pages_fetched = sum(
            r.asset_materializations_for_node("raw_pages")[-1].metadata["pages_fetched"].value  # type: ignore[misc]
            for r in run.crawls.values()
        )
        checks = run.check_evaluations()
        failed_checks = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    engine = make_engine(settings.db_url)
    with Session(engine) as session:
        counts = warehouse_counts(session)
        week = latest_iso_week(session)
    engine.dispose()
    digest_dir = settings.digest_dir
    lines = [
        "",
        "charity-news demo finished in %.0f s" % (time.monotonic() - started),
        f"  sites crawled        {counts.sources}",
        f"  pages fetched        {pages_fetched}",
        f"  articles             {counts.articles} "
        f"({counts.clusters_with_copies} syndicated report(s) found on several sites)",
        f"  amount mentions      {counts.amount_mentions} (every amount written, targets and copies too)",
        f"  gifts                {counts.gifts} counted once each, "
        f"total {format_amount(counts.gift_total_cny)} in CNY (the gift view)",
        f"  organizations        {counts.organizations}",
        f"  regions              {counts.regions} distinct GB/T 2260 divisions",
        f"  asset checks         {len(checks) - len(failed_checks)} of {len(checks)} passed"
        + (f" (failed: {', '.join(failed_checks)})" if failed_checks else ""),
        f"  database             {settings.db_url}",
        f"  digest ({week})   {digest_dir / f'digest-{week}.html'}",
        f"                       {digest_dir / f'digest-{week}.txt'}",
        f"  Dagster runs         {instance.root_directory}",
        f"  Dagster UI           make dev   (DAGSTER_HOME={instance.root_directory}; "
        "then open http://127.0.0.1:3000)",
    ]
    print("\n".join(lines))
    return 0


def _extract(args: argparse.Namespace) -> int:
    from transforms.document import extract_file

    locale = None if args.locale == "auto" else args.locale
    failed = 0
    for name in args.paths:
        try:
            record, _ = extract_file(name, locale)
        except Exception as exc:  # a bug on one file must not lose the others' results
            logging.getLogger("charitynews.extract").exception("extraction failed on %s", name)
            record = {"source": name, "error": f"internal error: {type(exc).__name__}: {exc}"}
        failed += "error" in record
        if args.jsonl:
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            _print_table(record)
    if failed and not args.jsonl:
        print(f"{failed} of {len(args.paths)} file(s) could not be read", file=sys.stderr)
    return 1 if failed else 0


def _print_table(record: dict[str, Any]) -> None:
    if "error" in record:
        print(f"== {record['source']}: {record['error']}")
        return
    print(f"== {record['source']}  [{record['variant']}, {record['locale']}]  {record['title'] or ''}")
    if record["published"]:
        print(f"   published {record['published']}")
    for a in record["amounts"]:
        value = f"{a['value']:,}" + (f"–{a['high']:,}" if a["high"] is not None else "")
        flags = " ".join(
            f
            for f in (
                a["qualifier"] if a["approximate"] else "",
                "cumulative" if a["cumulative"] else "",
                "gift" if a["gift"] else "",
                f"restates #{a['restates']}" if a["restates"] is not None else "",
            )
            if f
        )
        parties = " → ".join(p["name"] if p else "?" for p in (a["giver"], a["recipient"]))
        parties = "" if parties == "? → ?" else f"  {parties}"
        print(f"   amount  {a['raw']:<22} {value:>20} {a['currency']}  {a['role']:<10} {flags}{parties}")
    for o in record["organizations"]:
        surfaces = "、".join(s for s in o["surfaces"] if s != o["name"])
        print(f"   org     {o['name']}  ({o['type']})" + (f"  written {surfaces}" if surfaces else ""))
    for r in record["regions"]:
        print(f"   region  {r['code']} {r['name']}  ({r['level']}, {r['role']})")


def _serve_samples(args: argparse.Namespace) -> int:
    from spiders.sample_server import serve_sample_sites

    with serve_sample_sites() as running:
        print(
            f"sample sites served through proxy {running.proxy} "
            f"({', '.join(s.homepage for s in running.sites)}); Ctrl-C stops"
        )
        print(f"try: curl -x {running.proxy} {running.sites[0].start_urls[0]}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from warehouse.db import open_warehouse, upgrade

    url = args.db or load_settings().db_url
    open_warehouse(url, create=True).dispose()  # says what is wrong with the URL in one line
    upgrade(url)
    print(f"warehouse at {url} is at the latest schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="charitynews", description="Chinese charity-news pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "demo",
        help="run the whole pipeline on the bundled sample sites",
        description="Serve the three bundled fictional sample sites on 127.0.0.1, crawl them with "
        "Scrapy, extract, load the warehouse (CHARITYNEWS_DB_URL, created if missing) and write "
        "the latest week's digest under CHARITYNEWS_DATA_DIR; then print a summary. Nothing leaves "
        "the machine; running it again leaves the same row counts.",
    ).set_defaults(func=_demo)
    extract = sub.add_parser("extract", help="extract amounts, organizations and regions from files")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    extract.add_argument("--jsonl", action="store_true", help="one JSON object per file")
    extract.add_argument(
        "--locale",
        default="auto",
        choices=["auto", "mainland", "hk", "mo", "tw"],
        help="the source's place, which decides what a plain 元 means (default: read from the text)",
    )
    extract.set_defaults(func=_extract)
    sub.add_parser(
        "serve-samples",
        help="serve the sample sites on 127.0.0.1",
        description="Serve the bundled sample sites through an HTTP proxy on a free port of "
        "127.0.0.1 (their .example host names never resolve), for a look with curl -x; Ctrl-C stops.",
    ).set_defaults(func=_serve_samples)
    upgrade = sub.add_parser(
        "db-upgrade",
        help="create or migrate the warehouse to the latest schema",
        description="Create the warehouse if it does not exist (a SQLite file, or the tables in a "
        "PostgreSQL database) and apply the Alembic migrations it lacks. The other commands refuse "
        "a SQLite warehouse that does not exist yet.",
    )
    upgrade.add_argument("--db", help="SQLAlchemy URL (default: CHARITYNEWS_DB_URL)")
    upgrade.set_defaults(func=_db_upgrade)
    from spiders.cli_crawl import add_parser as add_crawl_parser

    add_crawl_parser(sub)
    from warehouse.cli_access import add_export_parser, add_sql_parser

    add_sql_parser(sub)
    add_export_parser(sub)
    # Weekly digest: subscriptions and sending (pipelines/cli_digest.py).
    from pipelines.cli_digest import add_digest_parser, add_subscribers_parser

    add_subscribers_parser(sub)
    add_digest_parser(sub)
    from pipelines.cli_process import add_process_parser

    add_process_parser(sub)
    return parser


def _command(args: argparse.Namespace) -> str:
    return " ".join(p for p in ("charitynews", args.command, getattr(args, "action", None)) if p)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    # The one place a user's configuration mistake becomes one line and exit code 2.
    from warehouse.db import WarehouseUrlError

    try:
        return int(args.func(args))
    except WarehouseUrlError as exc:
        print(f"{_command(args)}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `charitynews … | head`: the reader stopped, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
