"""Which site partitions need processing, and running them through Dagster.

``charitynews process`` and the ``daily_processing`` schedule use this: a site partition is
pending when it was never processed, when its raw pages were processed by an older extractor
version, or when its fetch logs grew since (all read from the raw store's index and the
site's processing state, without opening a fetch log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import dagster as dg

from pipelines.resources import StorageResource
from pipelines.staging import pending_reason

PARTITION_TAG = "dagster/partition"  # how Dagster marks a run of one partition
PENDING_TAG = "charitynews/pending"  # why a processing run was requested
REPROCESS_TAG = "charitynews/reprocess"  # `all`: redo the site's whole archive


def pending_sites(storage: StorageResource, site_names: Iterable[str]) -> list[tuple[str, str]]:
    """(site, why) for each site partition with raw pages not processed by the current extractor."""
    store = storage.raw_store()
    index = store.log_index()  # read once for all the sites, not once per site
    pending = ((name, pending_reason(store, storage.root, name, index)) for name in site_names)
    return [(name, reason) for name, reason in pending if reason is not None]


@dataclass(frozen=True)
class PartitionRun:
    """What one processing run of a site partition did."""

    site: str
    run_id: str
    success: bool
    articles: int  # articles read from the raw store in this run
    written: int  # articles inserted or replaced in the warehouse
    rejected: int
    whole_archive: bool
    checks_failed: tuple[str, ...]
    error: str | None = None


def _value(metadata: dict[str, Any], key: str, default: Any = 0) -> Any:
    entry = metadata.get(key)
    return default if entry is None else getattr(entry, "value", entry)


def summarize(site: str, result: dg.ExecuteInProcessResult | Any) -> PartitionRun:
    """A ``PartitionRun`` from a run's events (in-process or reconstructed execution)."""
    materialized: dict[str, dict[str, Any]] = {}
    failed_checks = []
    error = None
    for event in result.all_events:
        if event.is_step_materialization:
            materialization = event.event_specific_data.materialization
            materialized[materialization.asset_key.to_user_string()] = dict(materialization.metadata)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed_checks.append(evaluation.check_name)
        elif event.is_step_failure and error is None:
            cause = event.step_failure_data.error
            while cause is not None and cause.cause is not None:
                cause = cause.cause  # the user code's own error, not Dagster's wrapper
            error = f"{event.step_key}: {cause.message.strip() if cause else event.message}"
    articles = materialized.get("articles", {})
    loaded = materialized.get("warehouse_tables", {})
    return PartitionRun(
        site=site,
        run_id=result.run_id,
        success=result.success,
        articles=int(_value(articles, "articles")),
        written=int(_value(loaded, "articles_written")),
        rejected=int(_value(loaded, "articles_rejected")),
        whole_archive=bool(_value(articles, "whole_archive", False)),
        checks_failed=tuple(failed_checks),
        error=error,
    )


def run_partition(site: str, *, everything: bool = False, reason: str = "") -> PartitionRun:
    """One process_news run of ``site`` on the instance in DAGSTER_HOME (the job's executor:
    in process, or Celery workers)."""
    from pipelines import definitions

    tags = {PARTITION_TAG: site, PENDING_TAG: reason or "asked"}
    if everything:
        tags[REPROCESS_TAG] = "all"
    with (
        dg.DagsterInstance.get() as instance,
        dg.execute_job(
            dg.reconstructable(definitions.process_news),
            instance=instance,
            tags=tags,
            # The run's full log is in the instance (and the UI); the terminal gets warnings.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        ) as result,
    ):
        return summarize(site, result)


def _run_partition_star(arguments: tuple[str, bool, str]) -> PartitionRun:
    site, everything, reason = arguments
    try:
        return run_partition(site, everything=everything, reason=reason)
    except Exception as exc:  # a run that could not even start must not hide the others' results
        message = f"{type(exc).__name__}: {exc}"
        return PartitionRun(site, "-" * 8, False, 0, 0, 0, everything, (), message)


def run_partitions(
    sites: list[tuple[str, str]],
    *,
    everything: bool = False,
    jobs: int = 1,
    done: Callable[[PartitionRun], None] | None = None,
) -> list[PartitionRun]:
    """Run each (site, why) partition; ``jobs`` > 1 runs that many side by side, each in its own
    process (every run writes to the same instance and warehouse)."""
    work = [(site, everything, reason) for site, reason in sites]
    outcomes: list[PartitionRun] = []
    if jobs <= 1 or len(work) <= 1:
        for item in work:
            outcomes.append(_run_partition_star(item))
            if done:
                done(outcomes[-1])
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for outcome in pool.map(_run_partition_star, work):
            outcomes.append(outcome)
            if done:
                done(outcome)
    return outcomes
