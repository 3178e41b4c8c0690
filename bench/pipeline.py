"""``make bench`` (pipeline part): a generated archive through the real path, raw store →
articles → mentions → warehouse, on SQLite and PostgreSQL.

    python -m bench.pipeline [--sizes 10000,100000] [--new 1000] [--engines sqlite,postgresql]

For each archive size it builds a raw store of generated article pages (bench/archive.py: the
sample sites' templates and encodings, bodies recombined from their sentences with new figures,
3 % syndicated copies), then materializes each site partition's `articles`, `mentions` and
`warehouse_tables` (with their asset checks) exactly as a Dagster run does.  It prints, per
stage, articles/s (articles the stage handled over the step's time inside Dagster, imports
excluded) and each step's peak RSS; end to end; then the cost of a run after adding 1 % new
pages, and after adding ``--new`` pages, as a share of the full pass.

End to end is a full pass's wall time against the parse + extract work in it, with the same
parallelism: the steps time their calls of parse_article, normalize, extract_article and the
fingerprints (SimHash, content hash, MinHash signature; ``work_seconds`` in their metadata), in
the same run, so a busy machine slows both sides alike.  The ratio shows what the pipeline adds:
reading the raw store, staging files, the load (also shown apart: the time inside the loader)
and Dagster.  ``--alone-pass`` also times the same calls in a separate pass without the pipeline
around them.  Steps of the three partitions run one after another (``--jobs`` runs that many
partitions side by side on as many worker processes, started for each pass, as ``charitynews
process --jobs`` and a backfill on several workers do).  Steps run in the bench's process or its
workers, as the in-process executor runs them (each step's peak RSS is measured by resetting the
kernel's high-water mark before it); ``--fresh-process`` starts a process per step.

The machine running it should be quiet: times are wall-clock (CPU seconds are printed beside).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.archive import ArchiveGenerator, build_archive, write_crawl
from spiders.raw_store import RawStore

STAGES = ("articles", "mentions", "warehouse_tables")
SITES = ("shanxing", "gangao", "xiangcun")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/charitynews_bench_pipeline"


@dataclass(frozen=True)
class StepResult:
    stage: str
    site: str
    articles: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    success: bool
    load_seconds: float = 0.0  # warehouse_tables: the time inside warehouse.load.load_extracted
    work_seconds: float = 0.0  # articles, mentions: the time inside the parser / the extractor
    load_wait_seconds: float = 0.0  # of load_seconds: before the loader's first record (its lock)
    check_seconds: float = 0.0  # the step's asset checks (Dagster's step times of the run)
    pid: int = 0  # the process it ran in: a lane of the pass


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux: VmHWM), so the next reading is one step's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(stage: str, site: str, data_dir: Path, db_url: str, fresh_process: bool) -> StepResult:
    """One asset of one partition (with its checks), materialized here, as a run with the
    in-process executor does (the peak is reset before the step), or in a fresh process."""
    if not fresh_process and _reset_peak_rss():
        os.environ["CHARITYNEWS_DATA_DIR"], os.environ["CHARITYNEWS_DB_URL"] = str(data_dir), db_url
        return _materialize_step(stage, site)
    env = {**os.environ, "CHARITYNEWS_DATA_DIR": str(data_dir), "CHARITYNEWS_DB_URL": db_url}
    env.pop("CHARITYNEWS_CELERY_BROKER", None)
    out = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "_step", stage, site],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"step {stage}[{site}] failed:\n{out.stderr[-3000:]}")
    return StepResult(**json.loads(lines[-1]))


def _step_in_this_process(stage: str, site: str) -> None:
    print(json.dumps(_materialize_step(stage, site).__dict__))


_INSTANCE: Any = None


def _materialize_step(stage: str, site: str) -> StepResult:
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore")
    from pipelines.checks import ALL_CHECKS
    from pipelines.definitions import ALL_ASSETS, build_resources

    global _INSTANCE
    if _INSTANCE is None:  # one instance for the bench's steps, as a deployment has one
        _INSTANCE = dg.DagsterInstance.ephemeral()
    instance = _INSTANCE
    started, cpu = time.perf_counter(), time.process_time()
    result = dg.materialize(
        [*ALL_ASSETS, *ALL_CHECKS],
        selection=dg.AssetSelection.assets(stage),
        partition_key=site,
        resources=build_resources(),
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    metadata = result.asset_materializations_for_node(stage)[-1].metadata if result.success else {}
    if stage == "warehouse_tables":
        handled = sum(
            int(metadata[k].value) for k in ("articles_written", "articles_unchanged") if k in metadata
        )  # type: ignore[arg-type]
    else:
        handled = int(metadata["articles"].value) if "articles" in metadata else 0  # type: ignore[arg-type]
    load, work, wait = (
        float(metadata[key].value) if key in metadata else 0.0  # type: ignore[arg-type]
        for key in ("load_seconds", "work_seconds", "load_wait_seconds")
    )
    return StepResult(
        stage,
        site,
        handled,
        seconds,
        cpu_seconds,
        _peak_rss_mib(),
        result.success,
        load,
        work,
        wait,
        _check_seconds(instance, result.run_id, stage),
        os.getpid(),
    )


def _check_seconds(instance: Any, run_id: str, stage: str) -> float:
    """Wall time of the run's check steps (every step but the asset's own), from its events."""
    started: dict[str, float] = {}
    total = 0.0
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key in (None, stage):
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            total += record.timestamp - started.pop(event.step_key)
    return total


@dataclass(frozen=True)
class WorkAlone:
    """The parse + extract work of one site's pages, timed without anything around it."""

    site: str
    articles: int
    seconds: float  # wall time inside parse_article, normalize, extract_article, fingerprints
    cpu_seconds: float


def _work_alone(arguments: tuple[str, str, int]) -> WorkAlone:
    """Parse and extract every article page of ``site`` as the pipeline's steps do (same calls,
    same pages: the newest fetch of each URL), timing only those calls: reading the raw store,
    staging, loading and Dagster are left out.  The pipeline's overhead is what it adds to this."""
    data_dir, site_name, every = arguments
    from spiders.registry import load_registry
    from spiders.sample_server import SAMPLE_ROOT
    from transforms.article import PageError, parse_article
    from transforms.extract import extract_article
    from transforms.fingerprint import content_hash, simhash
    from transforms.normalize import normalize
    from warehouse.syndication import minhash

    site = next(s for s in load_registry(SAMPLE_ROOT / "sites.toml") if s.name == site_name)
    store = RawStore(Path(data_dir) / "raw")
    # The dictionaries load lazily: once here, as once per process in the steps.
    extract_article("预热：某基金会捐赠100万元。", site.locale)
    spans, _ = store.new_articles(site_name, {})
    articles, seconds, cpu = 0, 0.0, 0.0
    hint = {"province": site.region} if site.region else None
    pages = sampled = 0
    for number, record in enumerate(store.latest_article_fetches(site_name, spans)):
        pages += 1
        if number % every:
            continue
        sampled += 1
        assert record.body_sha256 is not None
        body = store.body(record.body_sha256)
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            article = parse_article(record.url, body, record.content_type, site.selectors)
            normalized = normalize(article.text, site.locale)
            result = extract_article(article.text, site.locale, hint, normalized=normalized)
            simhash(result.simplified), content_hash(result.simplified), minhash(normalized.simplified)
            articles += 1
        except PageError:
            pass
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    scale = pages / sampled if sampled else 0.0  # every page's share of the sampled pages' time
    return WorkAlone(site_name, round(articles * scale), seconds * scale, cpu * scale)


def _lanes(durations: list[float], jobs: int) -> float:
    """Wall time of running ``durations`` in order on ``jobs`` workers, each taking the next
    when free (as ``process_all``'s pool does)."""
    lanes = [0.0] * max(jobs, 1)
    for duration in durations:
        lanes[lanes.index(min(lanes))] += duration
    return max(lanes)


def work_alone(data_dir: Path, jobs: int, every: int = 1) -> tuple[int, float, float]:
    """(articles, wall seconds with ``jobs`` partitions side by side, CPU seconds) of the parse
    + extract work alone, each site in its own process (as the pipeline's steps may be).

    ``every`` > 1 times every ``every``-th page only and scales to all pages (generated pages
    cost alike, and a 100k archive's work alone would double the bench's time)."""
    with ProcessPoolExecutor(max_workers=max(jobs, 1)) as pool:
        done = list(pool.map(_work_alone, [(str(data_dir), site, every) for site in SITES]))
    wall = _lanes([w.seconds for w in done], jobs)
    return sum(w.articles for w in done), wall, sum(w.cpu_seconds for w in done)


def _partition_steps(site: str, data_dir: Path, db_url: str, fresh: bool) -> list[StepResult]:
    """The three steps of one site partition, one after another (in this process unless
    ``fresh``), each printed as it ends: a long run shows what it has done so far."""
    steps = []
    for stage in STAGES:
        steps.append(run_step(stage, site, data_dir, db_url, fresh))
        step = steps[-1]
        print(
            f"    {stage}[{site}]: {step.articles:,} articles, {step.seconds:.1f} s, "
            f"{step.cpu_seconds:.1f} CPU s, peak {step.peak_rss_mib:.0f} MiB",
            flush=True,
        )
    return steps


def _partition_star(arguments: tuple[str, Path, str, bool]) -> list[StepResult]:
    return _partition_steps(*arguments)


def process_all(data_dir: Path, db_url: str, jobs: int, fresh: bool) -> list[StepResult]:
    """Every stage of every site partition.  ``jobs`` > 1: partitions side by side on that many
    worker processes, each running whole partitions in process, as ``charitynews process --jobs``
    does (pipelines/processing.py: a pool of ``jobs`` processes, the run's steps inside) and as
    long-lived backfill workers do; ``fresh``: a new process for every step instead."""
    work = [(site, data_dir, db_url, fresh) for site in SITES]
    if jobs <= 1:
        return [step for item in work for step in _partition_star(item)]
    if fresh:
        with ThreadPoolExecutor(max_workers=jobs) as threads:
            return [step for steps in threads.map(_partition_star, work) for step in steps]
    # A pool per pass: its processes' start (imports included) counts in the pass, and they are
    # reaped at its end, so their CPU time is in the pass's children's times.
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [step for steps in pool.map(_partition_star, work) for step in steps]


def _pg_admin(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    return admin, str(parsed.database)


def fresh_postgres(url: str) -> None:
    admin, name = _pg_admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    admin, name = _pg_admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@dataclass
class Pass:
    steps: list[StepResult]
    seconds: float  # wall time of the whole pass (partitions side by side when jobs > 1)
    cpu_seconds: float = 0.0  # CPU of the whole pass: this process's and its steps' processes

    def by_stage(self) -> dict[str, tuple[int, float, float, float]]:
        """stage → (articles, seconds, cpu seconds, peak RSS MiB of its worst step)."""
        totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
        for step in self.steps:
            t = totals[step.stage]
            t[0] += step.articles
            t[1] += step.seconds
            t[2] += step.cpu_seconds
            t[3] = max(t[3], step.peak_rss_mib)
        return {s: (int(v[0]), v[1], v[2], v[3]) for s, v in totals.items()}

    @property
    def step_seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    @property
    def step_cpu_seconds(self) -> float:
        return sum(step.cpu_seconds for step in self.steps)


def timed_pass(data_dir: Path, db_url: str, jobs: int, fresh: bool) -> Pass:
    started, cpu = time.perf_counter(), _cpu_with_children()
    steps = process_all(data_dir, db_url, jobs, fresh)
    failed = [f"{s.stage}[{s.site}]" for s in steps if not s.success]
    if failed:
        raise RuntimeError(f"failed steps: {', '.join(failed)}")
    return Pass(steps, time.perf_counter() - started, _cpu_with_children() - cpu)


def _cpu_with_children() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def bench_size(
    size: int, new: int, engine: str, work: Path, jobs: int, pg_url: str, fresh: bool, alone_pass: bool
) -> dict[str, object]:
    data_dir = work / f"{engine}-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    if engine == "sqlite":
        db_url = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    else:
        db_url = pg_url
        fresh_postgres(db_url)
    started = time.perf_counter()
    build_archive(data_dir / "raw", size, crawls=10)
    print(f"  {engine} {size:,}: archive generated in {time.perf_counter() - started:.0f} s", flush=True)
    full = timed_pass(data_dir, db_url, jobs, fresh)
    print(f"  {engine} {size:,}: full pass {full.seconds:.0f} s", flush=True)
    every = max(size // 10_000, 1)
    if alone_pass:
        alone = work_alone(data_dir, jobs, every)
        sample = f" (every {every}th page timed, scaled)" if every > 1 else ""
        print(f"  {engine} {size:,}: parse + extract alone {alone[1]:.0f} s{sample}", flush=True)
    else:
        alone = None
    store, generator = RawStore(data_dir / "raw"), ArchiveGenerator()
    one_percent = max(size // 100, 1)
    write_crawl(store, generator, size, size + one_percent, "one-percent")
    plus_one = timed_pass(data_dir, db_url, jobs, fresh)
    write_crawl(store, generator, size + one_percent, size + one_percent + new, "fixed-new")
    plus_new = timed_pass(data_dir, db_url, jobs, fresh)
    if engine != "sqlite":
        drop_postgres(db_url)
    return {
        "size": size,
        "engine": engine,
        "full": full,
        "alone": alone,
        "plus_one": plus_one,
        "plus_new": plus_new,
    }


def report(results: list[dict[str, object]], new: int, jobs: int) -> None:
    print("\nper stage (full pass; articles/s over the steps' time in Dagster; peak RSS: worst step)")
    header = f"{'engine':<11}{'archive':>9}  {'stage':<17}{'articles':>9}{'s':>8}{'CPU s':>8}"
    print(header + f"{'art/s':>8}{'peak MiB':>10}{'load s':>8}")
    for r in results:
        full = r["full"]
        assert isinstance(full, Pass)
        for stage, (articles, seconds, cpu, peak) in full.by_stage().items():
            rate = articles / seconds if seconds else 0.0
            load = sum(s.load_seconds for s in full.steps if s.stage == stage)
            print(
                f"{r['engine']:<11}{r['size']:>9,}  {stage:<17}{articles:>9,}{seconds:>8.1f}{cpu:>8.1f}"
                f"{rate:>8.0f}{peak:>10.0f}{f'{load:.1f}' if load else '':>8}"
            )
    print(
        f"\nend to end (--jobs {jobs}): a full pass's wall time (every step of every partition, "
        "Dagster included) against\nthe parse + extract work in it (the time inside the parser "
        "and the extractor, measured by the steps themselves in the same run; with --jobs N,\n"
        "partitions' work laid out on N lanes).  Overhead = raw-store reading, staging, loading "
        "(also shown: time in the loader), Dagster.\nRatio w/o load: the pass less the load "
        "on its longest lane."
    )
    print(
        f"{'engine':<11}{'archive':>9}{'e2e s':>8}{'e2e/s':>7}{'work s':>8}{'work/s':>7}{'ratio':>7}"
        f"{'load s':>8}{'load share':>11}{'ratio w/o load':>15}{'alone pass s':>13}"
    )
    for r in results:
        full, alone = r["full"], r["alone"]
        assert isinstance(full, Pass)
        size = int(r["size"])  # type: ignore[call-overload]
        per_site: dict[str, float] = defaultdict(float)
        for step in full.steps:
            per_site[step.site] += step.work_seconds
        work = _lanes([per_site[site] for site in SITES if site in per_site], jobs)
        load = sum(s.load_seconds for s in full.steps)
        # Without the load: the pass less the load on its longest lane (the lanes' loads added
        # up would take away time that ran beside the lane the pass waited for).
        lane_load = _parts(_longest_lane(full.steps))["load"] + _parts(_longest_lane(full.steps))["wait"]
        separate = f"{alone[1]:.1f}" if isinstance(alone, tuple) else "-"
        print(
            f"{r['engine']:<11}{size:>9,}{full.seconds:>8.1f}{size / full.seconds:>7.0f}{work:>8.1f}"
            f"{size / work:>7.0f}{work / full.seconds:>7.0%}{load:>8.1f}{load / full.seconds:>11.0%}"
            f"{work / (full.seconds - lane_load):>15.0%}{separate:>13}"
        )
    breakdown(results)
    print("\nincremental runs (share: of the full pass's wall time; CPU: of its CPU seconds)")
    print(
        f"{'engine':<11}{'archive':>9}{'+1% s':>8}{'+1% share':>10}{'+1% CPU':>9}"
        f"{f'+{new} s':>9}{f'+{new} CPU s':>12}{f'+{new} share':>11}"
    )
    for r in results:
        full, plus_one, plus_new = r["full"], r["plus_one"], r["plus_new"]
        assert isinstance(full, Pass) and isinstance(plus_one, Pass) and isinstance(plus_new, Pass)
        print(
            f"{r['engine']:<11}{r['size']:>9,}{plus_one.seconds:>8.1f}"
            f"{plus_one.seconds / full.seconds:>10.1%}"
            f"{plus_one.cpu_seconds / full.cpu_seconds:>9.1%}{plus_new.seconds:>9.1f}"
            f"{plus_new.cpu_seconds:>12.1f}{plus_new.seconds / full.seconds:>11.1%}"
        )
    print(
        "\ntargets: ratio >= 80 %; a +1 % run <= 5 % of a full pass; the same new pages cost "
        "within 2x on the smaller and the larger archive (compare the +new s column); peak RSS "
        "<= 1 GiB and within 20 % between sizes",
        flush=True,
    )


def _parts(steps: list[StepResult]) -> dict[str, float]:
    """Where the steps' wall time went: parse + extract, the load (apart: before its first
    record, i.e. the load lock and its setup), the asset checks, and the rest of the steps
    (raw store, staging files, migration check, load summary, Dagster inside the step)."""
    total = sum(s.seconds for s in steps)
    work = sum(s.work_seconds for s in steps)
    wait = sum(s.load_wait_seconds for s in steps)
    load = sum(s.load_seconds for s in steps) - wait
    checks = sum(s.check_seconds for s in steps)
    return {
        "steps": total,
        "work": work,
        "load": load,
        "wait": wait,
        "checks": checks,
        "other": total - work - load - wait - checks,
    }


def _longest_lane(steps: list[StepResult]) -> list[StepResult]:
    """The steps of the process (a lane of the pass) whose steps took longest."""
    lanes: dict[int, list[StepResult]] = defaultdict(list)
    for step in steps:
        lanes[step.pid].append(step)
    return max(lanes.values(), key=lambda lane: sum(s.seconds for s in lane))


def breakdown(results: list[dict[str, object]]) -> None:
    """The full pass's time, on its longest lane (the worker whose steps took longest: the
    pass waits for it) and summed over all lanes.  "outside" is the pass's wall time beyond that
    lane's steps: starting the workers (imports), Dagster's run setup, a lane's idle end."""
    print(
        "\nwhere a full pass's time goes (s; longest lane, then every lane's steps added up; "
        "wait: the loader before its first record, i.e. the load lock and its setup)"
    )
    names = ("steps", "work", "load", "wait", "checks", "other")
    header = f"{'engine':<11}{'archive':>9}  {'lane':<8}{'e2e s':>8}" + "".join(f"{n:>8}" for n in names)
    print(header + f"{'outside':>9}")
    for r in results:
        full = r["full"]
        assert isinstance(full, Pass)
        longest = _longest_lane(full.steps)
        for label, steps in (("longest", longest), ("all", full.steps)):
            parts = _parts(steps)
            outside = f"{full.seconds - parts['steps']:.1f}" if label == "longest" else "-"
            print(
                f"{r['engine']:<11}{r['size']:>9,}  {label:<8}{full.seconds:>8.1f}"
                + "".join(f"{parts[n]:>8.1f}" for n in names)
                + f"{outside:>9}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_step"]:
        _step_in_this_process(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes, comma-separated")
    parser.add_argument("--size", type=int, help="one archive size (instead of --sizes)")
    parser.add_argument("--new", type=int, default=1000, help="new pages of the fixed-size incremental run")
    parser.add_argument("--engines", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--jobs", type=int, default=1, help="partitions processed side by side")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL database to create and drop")
    parser.add_argument("--work", type=Path, help="where archives go (default: a temporary dir)")
    parser.add_argument(
        "--fresh-process",
        action="store_true",
        help="each step in a new process (as Celery or the multiprocess executor)",
    )
    parser.add_argument(
        "--alone-pass",
        action="store_true",
        help="also time parse + extract alone in a separate pass (the default times it inside the steps)",
    )
    args = parser.parse_args(argv)
    sizes = [args.size] if args.size else [int(s) for s in args.sizes.split(",")]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="charitynews-bench-pipeline-"))
    results = []
    import dagster  # noqa: F401  (imported once here, not inside the first timed pass)

    import pipelines.definitions  # noqa: F401

    try:
        for engine in engines:
            for size in sizes:
                results.append(
                    bench_size(
                        size, args.new, engine, work, args.jobs, args.pg, args.fresh_process, args.alone_pass
                    )
                )
                report(results, args.new, args.jobs)  # so far: a long run shows its sizes as they finish
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
