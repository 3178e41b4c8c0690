"""``charitynews process``: run whatever processing is pending, through Dagster.

A site partition is pending when it was never processed, when its raw pages were processed by
an older extractor version, or when it has fetches not processed yet.  Each pending partition
is one run of the ``process_news`` job on the local Dagster instance (DAGSTER_HOME, else
``<data dir>/dagster_home``), so `dagster dev` shows the runs, materializations and checks.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings


def add_process_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "process",
        help="process raw pages not yet processed (or processed by an older extractor) into the warehouse",
        description=(
            "Run the process_news job for every site partition with pending raw pages: never "
            "processed, processed by an older extractor version, or fetched since.  Prints what "
            "each run did."
        ),
    )
    parser.add_argument("--site", action="append", metavar="NAME", help="only these sites (repeatable)")
    parser.add_argument(
        "--all",
        action="store_true",
        help="process every site's whole archive again (a backfill), pending or not",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="partitions run side by side (default 1)"
    )
    parser.add_argument("--dry-run", action="store_true", help="only list what is pending")
    parser.set_defaults(func=_process)


def _process(args: argparse.Namespace) -> int:
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    from pipelines.local_run import local_instance
    from pipelines.partitions import processing_sites
    from pipelines.processing import PartitionRun, pending_sites, run_partitions
    from pipelines.resources import StorageResource
    from pipelines.settings import load_settings

    settings = load_settings()
    known = processing_sites.get_partition_keys()
    wanted = args.site or known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        print(
            f"not a site of the registry ({settings.sites}): {', '.join(unknown)}; "
            f"its sites are {', '.join(known) or 'none'}",
            file=sys.stderr,
        )
        return 2
    if args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    storage = StorageResource(data_dir=str(settings.data_dir))
    if args.all:
        todo = [(site, "whole archive asked (--all)") for site in wanted]
    else:
        todo = pending_sites(storage, wanted)
    if not todo:
        print(f"nothing to process: every site's raw pages are processed ({len(wanted)} site(s))")
        return 0
    for site, reason in todo:
        print(f"pending  {site:<16} {reason}")
    if args.dry_run:
        return 0
    instance = local_instance(settings.data_dir)  # sets DAGSTER_HOME for the runs' processes
    print(f"running {len(todo)} partition(s) of process_news on the instance in {instance.root_directory}")
    instance.dispose()
    started = time.monotonic()

    def report(run: PartitionRun) -> None:
        state = "ok    " if run.success else "FAILED"
        line = (
            f"{state}   {run.site:<16} {run.articles} article(s) read"
            f"{' (whole archive)' if run.whole_archive else ''}, {run.written} written, "
            f"{run.rejected} rejected   run {run.run_id[:8]}"
        )
        if run.checks_failed:
            line += f"   checks failed: {', '.join(run.checks_failed)}"
        print(line, flush=True)
        if run.error:
            print(f"         {run.error}", file=sys.stderr)

    outcomes = run_partitions(todo, everything=args.all, jobs=args.jobs, done=report)
    failed = [o.site for o in outcomes if not o.success]
    print(
        f"processed {len(outcomes) - len(failed)} of {len(outcomes)} partition(s) in "
        f"{time.monotonic() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
