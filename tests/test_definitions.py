import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.partitions import DAY_DIMENSION, SITE_DIMENSION
from transforms.extract import EXTRACTOR_VERSION

ROOT = Path(__file__).resolve().parents[1]


def test_every_stage_is_an_asset_with_a_description() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"raw_pages", "articles", "mentions", "warehouse_tables", "weekly_digest"}
    for key in graph.get_all_asset_keys():
        assert len(graph.get(key).description or "") > 80, key
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {
        "raw_pages": "crawl",
        "articles": "transform",
        "mentions": "transform",
        "warehouse_tables": "warehouse",
        "weekly_digest": "digest",
    }


def test_crawl_is_partitioned_by_day_and_site_digest_by_monday() -> None:
    graph = defs.resolve_asset_graph()
    crawl = graph.get(dg.AssetKey("raw_pages")).partitions_def
    assert isinstance(crawl, dg.MultiPartitionsDefinition)
    dims = {d.name: d.partitions_def for d in crawl.partitions_defs}
    assert isinstance(dims[SITE_DIMENSION], dg.DynamicPartitionsDefinition)
    assert dims[SITE_DIMENSION].name == SITE_DIMENSION
    assert isinstance(dims[DAY_DIMENSION], dg.DailyPartitionsDefinition)
    assert dims[DAY_DIMENSION].timezone == "Asia/Shanghai"
    assert dims[DAY_DIMENSION].get_first_partition_key() <= "2026-10-12"  # the oldest sample article
    digest = graph.get(dg.AssetKey("weekly_digest")).partitions_def
    assert isinstance(digest, dg.WeeklyPartitionsDefinition) and digest.timezone == "Asia/Shanghai"
    keys = digest.get_partition_keys()
    assert "2026-11-16" in keys
    assert {date.fromisoformat(k).weekday() for k in keys} == {0}  # every key is a Monday
    # Processing is partitioned by site: every site of the registry, without adding any.
    for key in ("articles", "mentions", "warehouse_tables"):
        processing = graph.get(dg.AssetKey(key)).partitions_def
        assert isinstance(processing, dg.StaticPartitionsDefinition)
        assert processing.get_partition_keys() == ["shanxing", "gangao", "xiangcun"]
        assert graph.get(dg.AssetKey(key)).code_version == EXTRACTOR_VERSION  # stale on a new extractor


def test_steps_run_in_the_run_process_unless_celery_is_configured() -> None:
    # A subprocess per step cost more than the processing work itself.
    assert defs.resolve_job_def("process_news").executor_def.name == dg.in_process_executor.name
    assert defs.resolve_job_def("crawl").executor_def.name == dg.in_process_executor.name


def test_crawls_are_retried_and_take_a_crawl_pool_slot() -> None:
    raw_pages = defs.resolve_assets_def("raw_pages")
    node = raw_pages.node_def
    assert node.retry_policy is not None and node.retry_policy.max_retries >= 1
    assert node.retry_policy.backoff == dg.Backoff.EXPONENTIAL
    assert node.pool == "crawl"


def test_every_stage_has_asset_checks() -> None:
    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {
        ("raw_pages", "pages_fetched_per_site"),
        ("articles", "body_share"),
        ("articles", "date_extraction_rate"),
        ("articles", "unique_article_urls"),
        ("mentions", "every_article_extracted"),
        ("warehouse_tables", "amounts_plausible"),
        ("warehouse_tables", "no_orphan_mentions"),
    }


def test_dagster_cli_validates_the_workspace(tmp_path: Path) -> None:
    # DAGSTER_HOME set: without it the CLI makes a temporary instance in the working directory.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
