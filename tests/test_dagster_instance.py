"""The production instance (deploy/dagster.yaml) against the real PostgreSQL: a run, its event
log and a schedule's state are written there and read back, also by a second instance."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")


@pytest.fixture
def dagster_pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh database for Dagster's own storage, dropped afterwards."""
    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    name = f"cn_dagster_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # The driver named as deploy/dagster.yaml asks (psycopg2).
        yield admin.replace("postgresql://", "postgresql+psycopg2://").rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dagster_home(tmp_path: Path, dagster_pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("CHARITYNEWS_DAGSTER_PG_URL", dagster_pg_url)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@dg.op
def count_sites() -> int:
    return 3


@dg.job
def tiny_job() -> None:
    count_sites()


def test_runs_events_and_schedule_state_live_in_postgres(dagster_home: Path, dagster_pg_url: str) -> None:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {
            "key": "dagster/partition/site",
            "value": {"applyLimitPerUniqueValue": True},
            "limit": 1,
        } in limits
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 4
        result = tiny_job.execute_in_process(instance=instance)
        assert result.success
        run_id = result.run_id

    # The operator's command turns a schedule on; its state is stored in the same database.
    started = subprocess.run(
        [DAGSTER, "schedule", "start", "daily_crawl", "-w", "workspace.yaml"],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stderr[-2000:]

    # A second instance (as the webserver or daemon would open) reads it all back.
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "tiny_job"
        events = {e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event}
        assert {"PIPELINE_START", "STEP_SUCCESS", "PIPELINE_SUCCESS"} <= events
        states = {s.instigator_name: s for s in instance.all_instigator_state()}
        assert states["daily_crawl"].status.value == "RUNNING"

    with psycopg.connect(dagster_pg_url.replace("+psycopg2", "")) as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE run_id = %s", (run_id,)).fetchone() == (1,)
        (event_rows,) = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s", (run_id,)
        ).fetchone()
        assert event_rows >= 5
        assert conn.execute(
            "SELECT count(*) FROM instigators"
            " WHERE instigator_body LIKE '%daily_crawl%' AND status = 'RUNNING'"
        ).fetchone() == (1,)
