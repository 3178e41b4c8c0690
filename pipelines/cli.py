"""The ``charitynews`` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.settings import load_settings


def _demo(args: argparse.Namespace) -> int:
    import dagster as dg
    from sqlalchemy.orm import Session

    from pipelines.definitions import ALL_ASSETS, build_resources
    from pipelines.digest.render import format_amount
    from pipelines.resources import SiteRegistryResource
    from warehouse.db import make_engine
    from warehouse.queries import latest_iso_week, warehouse_counts

    # Dagster's own Pipes internals use a preview API; that is not the user's concern here.
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    settings = load_settings()
    started = time.monotonic()
    print(f"charity-news demo: crawling the bundled sample sites into {settings.data_dir}", flush=True)
    with dg.instance_for_test() as instance:  # an ephemeral instance: the demo leaves no run history
        resources = build_resources()
        resources["site_registry"] = SiteRegistryResource(
            registry=settings.sites, crawler_log_level="WARNING"
        )
        result = dg.materialize(
            ALL_ASSETS,
            resources=resources,
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        if not result.success:
            for event in result.all_events:
                if event.is_failure and event.step_key:
                    print(f"step {event.step_key} failed: {event.message}", file=sys.stderr)
            return 1
        crawl = result.asset_materializations_for_node("raw_pages")[-1].metadata
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
        f"  pages fetched        {crawl['pages_fetched'].value}",
        f"  articles             {counts.articles} "
        f"({counts.clusters_with_copies} syndicated report(s) found on several sites)",
        f"  amount mentions      {counts.amount_mentions}, "
        f"total {format_amount(counts.amount_total_cny)} in CNY (every mention; conversions not added twice)",
        f"  organizations        {counts.organizations}",
        f"  regions              {counts.regions} distinct GB/T 2260 divisions",
        f"  database             {settings.db_url}",
        f"  digest ({week})   {digest_dir / f'digest-{week}.html'}",
        f"                       {digest_dir / f'digest-{week}.txt'}",
        "  Dagster UI           .venv/bin/dagster dev -w workspace.yaml   (then open http://127.0.0.1:3000)",
    ]
    print("\n".join(lines))
    return 0


def _extract(args: argparse.Namespace) -> int:
    from transforms.article import PageError, parse_article
    from transforms.encoding import decode_text
    from transforms.extract import extract_article

    failed = False
    for name in args.paths:
        path = Path(name)
        record: dict[str, Any] = {"source": name}
        try:
            raw = path.read_bytes()
            if b"<html" in raw[:2000].lower() or b"<body" in raw[:4000].lower():
                article = parse_article(path.resolve().as_uri(), raw)
                title, published, text = article.title, article.published, article.text
            else:
                text, _ = decode_text(raw)
                title, published = None, None
            result = extract_article(text, args.locale)
        except (OSError, PageError, ValueError) as exc:
            failed = True
            record["error"] = f"{type(exc).__name__}: {exc}"
            print(json.dumps(record, ensure_ascii=False)) if args.jsonl else print(
                f"{name}: {record['error']}"
            )
            continue
        record.update(
            variant=result.variant if result.variant != "none" else "simplified",
            title=title,
            published=published.date().isoformat() if published else None,
            amounts=[
                {
                    "value": float(a.value) if a.value % 1 else int(a.value),
                    "currency": a.currency,
                    "raw": a.raw,
                    "start": a.start,
                    "end": a.end,
                    "approximate": a.approximate,
                    "qualifier": a.qualifier,
                    "high": float(a.high) if a.high is not None else None,
                    "role": a.role,
                    "cumulative": a.cumulative,
                }
                for a in result.amounts
            ],
            organizations=_unique_orgs(result.organizations),
            regions=_unique_regions(result.regions),
        )
        if args.jsonl:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"== {name}  [{record['variant']}] {title or ''}")
            for a in record["amounts"]:
                print(f"  amount  {a['raw']:<24} {a['value']:>16,} {a['currency']}  {a['role'] or ''}")
            for o in record["organizations"]:
                print(f"  org     {o['name']}  ({o['type']})")
            for r in record["regions"]:
                print(f"  region  {r['code']} {r['name']}  ({r['level']}, {r['role']})")
    return 1 if failed else 0


def _unique_orgs(orgs: Sequence[Any]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for o in orgs:
        entry = merged.setdefault(o.name, {"name": o.name, "type": o.type, "surfaces": []})
        if o.surface not in entry["surfaces"]:
            entry["surfaces"].append(o.surface)
    return list(merged.values())


def _unique_regions(regions: Sequence[Any]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    rank = {"seat": 0, "mention": 1, "beneficiary": 2}
    for r in regions:
        entry = merged.setdefault(r.code, {"code": r.code, "name": r.name, "level": r.level, "role": r.role})
        if rank[r.role] > rank[entry["role"]]:
            entry["role"] = r.role  # a region that is served anywhere in the article is a beneficiary
    return list(merged.values())


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
    from warehouse.db import upgrade

    url = load_settings().db_url
    upgrade(url)
    print(f"warehouse at {url} is at the latest schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="charitynews", description="Chinese charity-news pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the whole pipeline on the bundled sample sites").set_defaults(func=_demo)
    extract = sub.add_parser("extract", help="extract amounts, organizations and regions from files")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    extract.add_argument("--jsonl", action="store_true", help="one JSON object per file")
    extract.add_argument("--locale", default="mainland", choices=["mainland", "hk", "mo", "tw"])
    extract.set_defaults(func=_extract)
    sub.add_parser("serve-samples", help="serve the sample sites on 127.0.0.1").set_defaults(
        func=_serve_samples
    )
    sub.add_parser("db-upgrade", help="migrate the warehouse to the latest schema").set_defaults(
        func=_db_upgrade
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
