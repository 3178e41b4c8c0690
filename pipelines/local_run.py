"""Every stage, in process, in the order the schedules run them: what `charitynews demo` does
on the local instance under the data dir (so `make dev` shows its runs) and the pipeline tests
on an ephemeral one.

The crawl is materialized one site partition at a time (for one day), then processing one site
partition at a time, then the digest for the latest week with dated articles.  Each stage's
asset checks run with it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.checks import ALL_CHECKS
from pipelines.definitions import ALL_ASSETS
from pipelines.partitions import SITE_DIMENSION, crawl_days, monday_of, site_day_key
from warehouse.db import make_engine
from warehouse.queries import latest_iso_week


@dataclass
class LocalRun:
    crawls: dict[str, dg.ExecuteInProcessResult] = field(default_factory=dict)  # by site
    processing: dict[str, dg.ExecuteInProcessResult] = field(default_factory=dict)  # by site
    digest: dg.ExecuteInProcessResult | None = None
    digest_week: str | None = None

    @property
    def results(self) -> list[dg.ExecuteInProcessResult]:
        done = [*self.crawls.values(), *self.processing.values()]
        return done + ([self.digest] if self.digest is not None else [])

    @property
    def success(self) -> bool:
        return bool(self.results) and all(r.success for r in self.results) and self.digest is not None

    def check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [e for r in self.results for e in r.get_asset_check_evaluations()]


def materialize_everything(
    resources: Mapping[str, Any],
    instance: dg.DagsterInstance,
    site_names: list[str],
    day: str | None = None,
    run_config: Mapping[str, Any] | None = None,
) -> LocalRun:
    """Crawl each site for ``day`` (default: the latest complete day), process, digest.

    Stops after the first stage that fails; the returned ``LocalRun`` holds what ran.
    """
    day = day or crawl_days.get_last_partition_key()
    assert day is not None
    known = set(instance.get_dynamic_partitions(SITE_DIMENSION))
    instance.add_dynamic_partitions(SITE_DIMENSION, [n for n in site_names if n not in known])
    everything = [*ALL_ASSETS, *ALL_CHECKS]
    run = LocalRun()

    def stage(selection: list[str], partition_key: str | None = None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            everything,
            selection=dg.AssetSelection.assets(*selection),
            partition_key=partition_key,
            resources=dict(resources),
            instance=instance,
            raise_on_error=False,
            run_config=dict(run_config or {}),
        )

    for name in site_names:
        run.crawls[name] = stage(["raw_pages"], site_day_key(day, name))
        if not run.crawls[name].success:
            return run
    for name in site_names:
        run.processing[name] = stage(["articles", "mentions", "warehouse_tables"], name)
        if not run.processing[name].success:
            return run
    engine = make_engine(resources["warehouse"].db_url)
    with Session(engine) as session:
        run.digest_week = latest_iso_week(session)
    engine.dispose()
    if run.digest_week is not None:
        run.digest = stage(["weekly_digest"], monday_of(run.digest_week))
    return run


DEV_INSTANCE_YAML = Path(__file__).resolve().parents[1] / "deploy" / "dagster-dev.yaml"


def local_dagster_home(data_dir: Path) -> Path:
    """The local Dagster instance's home under the data dir (``make dev`` uses the same), with
    deploy/dagster-dev.yaml as its dagster.yaml when it has none yet."""
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(DEV_INSTANCE_YAML, home / "dagster.yaml")
    return home


def local_instance(data_dir: Path) -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME if set, else the local one under the data dir (DAGSTER_HOME
    is set to it, so runs started from here, e.g. in other processes, use it too)."""
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(local_dagster_home(data_dir))
    return dg.DagsterInstance.get()
