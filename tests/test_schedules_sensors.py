"""Schedules request the right partitions; the registry sensor adds new sites and starts their
first crawl; the failure sensor emails the operator through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.checks import ALL_CHECKS
from pipelines.definitions import ALL_ASSETS, defs
from pipelines.mail import MailResource
from pipelines.partitions import HOST_RUN_TAG, SITE_DIMENSION, site_day_key
from pipelines.processing import PENDING_TAG
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from pipelines.schedules import daily_crawl, daily_processing, weekly_digest_schedule
from pipelines.sensors import email_operator_on_failure, site_registry_sensor
from pipelines.staging import ProcessingState, save_state
from spiders.raw_store import RawStore
from tests.smtp_server import SmtpTestServer
from transforms.extract import EXTRACTOR_VERSION


def _site(name: str, host: str) -> str:
    return f"""
[[site]]
name = "{name}"
title = "{name} 站"
homepage = "http://{host}/"
start_urls = ["http://{host}/news/"]
article_url_pattern = '/news/\\d+\\.html$'
"""


def _registry(tmp_path: Path, *sites: tuple[str, str]) -> SiteRegistryResource:
    path = tmp_path / "sites.toml"
    path.write_text("".join(_site(n, h) for n, h in sites), encoding="utf-8")
    return SiteRegistryResource(registry=str(path))


def test_schedules_and_sensors_are_defined_as_operators_expect() -> None:
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {"daily_crawl", "daily_processing", "weekly_digest_schedule"}
    for schedule in schedules.values():
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
        assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedules["weekly_digest_schedule"].cron_schedule == "0 8 * * 1"  # Monday morning
    sensors = {s.name: s for s in defs.sensors}
    assert set(sensors) == {"email_operator_on_failure", "site_registry_sensor"}
    assert sensors["site_registry_sensor"].default_status == dg.DefaultSensorStatus.STOPPED


def test_daily_crawl_requests_yesterday_for_every_known_site(tmp_path: Path) -> None:
    registry = _registry(tmp_path, ("alpha", "www.alpha.example"), ("beta", "news.beta.example"))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SITE_DIMENSION, ["alpha", "beta"])
        context = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(
                2026, 11, 20, 17, 0, tzinfo=UTC
            ),  # 01:00 on the 21st in Shanghai
            resources={"site_registry": registry},
        )
        requests = list(daily_crawl(context))
    assert [r.partition_key for r in requests] == [
        site_day_key("2026-11-20", "alpha"),
        site_day_key("2026-11-20", "beta"),
    ]
    assert [r.tags[HOST_RUN_TAG] for r in requests] == ["www.alpha.example", "news.beta.example"]


def test_daily_processing_requests_the_sites_with_pending_pages(tmp_path: Path) -> None:
    storage = StorageResource(data_dir=str(tmp_path))
    writer = RawStore(tmp_path / "raw").writer("crawl")
    for site in ("shanxing", "gangao"):
        writer.write(
            url=f"http://{site}.example/1", site=site, kind="article", status=200, headers={}, body=b"x"
        )
    writer.close()
    # gangao was processed up to the end of that log, by the current extractor.
    read = {writer.path.name: writer.path.stat().st_size}
    save_state(tmp_path, "gangao", ProcessingState(EXTRACTOR_VERSION, read))
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 20, 22, 0, tzinfo=UTC), resources={"storage": storage}
    )
    requests = list(daily_processing(context))
    assert [(r.partition_key, r.tags[PENDING_TAG]) for r in requests] == [
        ("shanxing", "never processed"),
        ("xiangcun", "never processed"),
    ]
    assert requests[0].run_key == "2026-11-21|shanxing"
    # A new extractor version makes gangao pending again: its pages are processed anew.
    save_state(tmp_path, "gangao", ProcessingState("0.0.1", read))
    assert "gangao" in [r.partition_key for r in daily_processing(context)]


def test_weekly_digest_runs_monday_for_the_week_before() -> None:
    # Monday 2026-11-23 08:00 in Shanghai is 00:00 UTC.
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    request = weekly_digest_schedule(context)
    assert request.partition_key == "2026-11-16"
    assert request.partition_key in defs.resolve_job_def(
        "weekly_digest_job"
    ).partitions_def.get_partition_keys(current_time=datetime(2026, 11, 23, 0, 0, tzinfo=UTC))


def test_registry_sensor_adds_a_new_site_and_starts_its_crawl(tmp_path: Path) -> None:
    with dg.instance_for_test() as instance:

        def evaluate(registry: SiteRegistryResource) -> dg.SensorResult | dg.SkipReason:
            context = dg.build_sensor_context(instance=instance, resources={"site_registry": registry})
            result = site_registry_sensor(context)
            if isinstance(result, dg.SensorResult):  # the daemon applies these; here we do
                for request in result.dynamic_partitions_requests or []:
                    instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            return result

        first = evaluate(_registry(tmp_path, ("alpha", "www.alpha.example")))
        assert isinstance(first, dg.SensorResult)
        assert [r.partition_key.keys_by_dimension[SITE_DIMENSION] for r in first.run_requests] == ["alpha"]
        assert instance.get_dynamic_partitions(SITE_DIMENSION) == ["alpha"]

        assert isinstance(evaluate(_registry(tmp_path, ("alpha", "www.alpha.example"))), dg.SkipReason)

        # An operator adds a site to the registry file.
        grown = _registry(tmp_path, ("alpha", "www.alpha.example"), ("gamma", "gamma.example"))
        second = evaluate(grown)
        assert isinstance(second, dg.SensorResult)
        (request,) = second.run_requests
        assert request.partition_key.keys_by_dimension[SITE_DIMENSION] == "gamma"
        assert request.tags[HOST_RUN_TAG] == "gamma.example"
        assert request.run_key == "first-crawl|gamma"
        assert sorted(instance.get_dynamic_partitions(SITE_DIMENSION)) == ["alpha", "gamma"]


@pytest.fixture
def failed_crawl(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real failed run: a crawl partition for a site that is not in the registry."""
    registry = _registry(tmp_path, ("alpha", "www.alpha.example"))
    resources = {
        "storage": StorageResource(data_dir=str(tmp_path / "data")),
        "site_registry": registry,
        "warehouse": WarehouseResource(db_url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
        "mail": MailResource(enabled=False),  # the digest is not run; its resource must exist
    }
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SITE_DIMENSION, ["removed"])
        result = dg.materialize(
            [*ALL_ASSETS, *ALL_CHECKS],
            selection=dg.AssetSelection.assets("raw_pages"),
            partition_key=site_day_key("2026-11-20", "removed"),
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        yield instance, result


def test_failure_sensor_emails_run_step_and_error(failed_crawl, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    instance, result = failed_crawl
    monkeypatch.setenv("CHARITYNEWS_OPERATOR_EMAIL", "ops@charity.example")
    monkeypatch.setenv("CHARITYNEWS_DAGSTER_URL", "http://dagster.internal:3000/")
    with SmtpTestServer() as server:
        context = dg.build_run_status_sensor_context(
            sensor_name="email_operator_on_failure",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            resources={"mail": MailResource(host="127.0.0.1", port=server.port, backoff_seconds=0.01)},
        ).for_run_failure()
        email_operator_on_failure(context)
        (received,) = server.received
    assert received.envelope_to == ["ops@charity.example"]
    message = received.message
    assert message["Subject"] == "[charity-news] __ephemeral_asset_job__ failed (raw_pages)"
    body = message.get_content()
    run_id = result.dagster_run.run_id
    assert f"Run {run_id}" in body
    assert "Partition: 2026-11-20|removed" in body
    assert "Step raw_pages failed:" in body
    assert "site 'removed' is no longer in the registry" in body
    assert f"http://dagster.internal:3000/runs/{run_id}" in body


def test_failure_sensor_without_operator_address_sends_nothing(failed_crawl, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    instance, result = failed_crawl
    monkeypatch.delenv("CHARITYNEWS_OPERATOR_EMAIL", raising=False)
    with SmtpTestServer() as server:
        context = dg.build_run_status_sensor_context(
            sensor_name="email_operator_on_failure",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            resources={"mail": MailResource(host="127.0.0.1", port=server.port)},
        ).for_run_failure()
        email_operator_on_failure(context)
        assert server.received == []
