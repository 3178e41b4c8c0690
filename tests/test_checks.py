"""Each asset check passes on good artefacts and fails, with the right severity, on bad ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from pipelines import checks
from pipelines.mail import MailResource
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from pipelines.staging import Batch, ProcessingState
from spiders.raw_store import RawStore
from tests.warehouse_rows import SITE, article_row
from transforms.extract import EXTRACTOR_VERSION
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

REGISTRY = """
[[site]]
name = "alpha"
title = "甲站"
homepage = "http://alpha.example/"
start_urls = ["http://alpha.example/"]
article_url_pattern = '/a/'

[[site]]
name = "beta"
title = "乙站"
homepage = "http://beta.example/"
start_urls = ["http://beta.example/"]
article_url_pattern = '/b/'
"""


def _storage(tmp_path: Path) -> StorageResource:
    return StorageResource(data_dir=str(tmp_path))


def _registry(tmp_path: Path) -> SiteRegistryResource:
    path = tmp_path / "sites.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    return SiteRegistryResource(registry=str(path))


def _fetch(store: RawStore, crawl_id: str, site: str, urls: list[str], status: int | None = 200) -> None:
    writer = store.writer(crawl_id)
    for url in urls:
        body = None if status is None else f"<html>{url}</html>".encode()
        writer.write(url=url, site=site, kind="article", status=status, headers={}, body=body)
    writer.close()


def _stage(
    tmp_path: Path, site: str, name: str, rows: list[dict[str, Any]], pages: int | None = None
) -> None:
    """A site partition's staging file, as its latest run left it (with the batch it read)."""
    path = tmp_path / "staging" / site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    if pages is not None:
        Batch(site, [], ProcessingState(EXTRACTOR_VERSION, {}), False, pages).save(path.parent / "batch.json")


def _article(site: str, n: int, *, published: str | None = "2026-11-17T09:30:00", body: str = "正文") -> dict:
    return {"url": f"http://{site}.example/{site[0]}/{n}", "site": site, "published": published, "text": body}


def _run_check(check: dg.AssetChecksDefinition, *, run_tags: dict[str, str] | None = None, **resources: Any):
    """Run one check alone, as `dagster` does when an operator executes it from the UI."""
    unused = "/nonexistent/charitynews-check-test"  # resources the check does not use
    defaults: dict[str, Any] = {
        "storage": StorageResource(data_dir=unused),
        "site_registry": SiteRegistryResource(registry=f"{unused}/sites.toml"),
        "warehouse": WarehouseResource(db_url=f"sqlite:///{unused}/w.sqlite"),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
        "mail": MailResource(),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*checks.ALL_CHECKS, *_assets()],
            selection=dg.AssetSelection.checks(check),
            resources={**defaults, **resources},
            instance=instance,
            tags=run_tags,
        )
        (evaluation,) = result.get_asset_check_evaluations()
        return evaluation


def _assets() -> list:
    from pipelines.definitions import ALL_ASSETS

    return list(ALL_ASSETS)


def test_pages_fetched_fails_for_a_site_without_responses(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    _fetch(store, "c1", "alpha", ["http://alpha.example/a/1"])
    # beta's latest crawl got no response at all (every request failed).
    _fetch(store, "c2", "beta", ["http://beta.example/b/1"], status=None)
    storage, registry = _storage(tmp_path), _registry(tmp_path)
    failed = _run_check(checks.pages_fetched_per_site, storage=storage, site_registry=registry)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["sites_without_pages"].value == 1
    assert "| beta | 0 |" in failed.metadata["per_site"].value
    # In a crawl run of alpha, only alpha is judged.
    alpha_run = _run_check(
        checks.pages_fetched_per_site,
        storage=storage,
        site_registry=registry,
        run_tags={"dagster/partition/site": "alpha"},
    )
    assert alpha_run.passed
    _fetch(store, "c3", "beta", ["http://beta.example/b/1"])
    assert _run_check(checks.pages_fetched_per_site, storage=storage, site_registry=registry).passed


def test_body_share_warns_for_the_site_whose_pages_gave_no_text(tmp_path: Path) -> None:
    _stage(tmp_path, "shanxing", "articles.jsonl", [_article("shanxing", n) for n in range(10)], pages=10)
    staged = [_article("gangao", n) for n in range(7)]
    staged += [_article("gangao", n, body="  ") for n in range(7, 10)]  # pages parsed without a body
    _stage(tmp_path, "gangao", "articles.jsonl", staged, pages=12)  # and two pages gave no article
    result = _run_check(checks.body_share, storage=_storage(tmp_path))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "gangao" in (result.description or "") and "shanxing" not in (result.description or "")
    assert result.metadata["body_share"].value == pytest.approx(17 / 22, abs=1e-4)
    assert "| gangao | 7 | 12 | 58.3% |" in result.metadata["per_site"].value
    # In a processing run of shanxing, only shanxing's batch is judged.
    shanxing_run = _run_check(
        checks.body_share, storage=_storage(tmp_path), run_tags={"dagster/partition": "shanxing"}
    )
    assert shanxing_run.passed
    _stage(tmp_path, "gangao", "articles.jsonl", [_article("gangao", n) for n in range(9)], pages=10)
    assert _run_check(checks.body_share, storage=_storage(tmp_path)).passed  # 9 of 10: above 80 %


def test_a_run_that_read_no_new_page_passes(tmp_path: Path) -> None:
    _stage(tmp_path, "shanxing", "articles.jsonl", [], pages=0)
    for check in (checks.body_share, checks.date_extraction_rate, checks.unique_article_urls):
        assert _run_check(
            check, storage=_storage(tmp_path), run_tags={"dagster/partition": "shanxing"}
        ).passed


def test_date_rate_warns_below_ninety_percent(tmp_path: Path) -> None:
    _stage(tmp_path, "shanxing", "articles.jsonl", [_article("shanxing", n) for n in range(10)])
    rows = [_article("gangao", n, published=None if n < 2 else "2026-11-18") for n in range(10)]
    _stage(tmp_path, "gangao", "articles.jsonl", rows)
    result = _run_check(checks.date_extraction_rate, storage=_storage(tmp_path))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "| gangao | 8 | 10 | 80.0% |" in result.metadata["per_site"].value
    _stage(tmp_path, "gangao", "articles.jsonl", [_article("gangao", n) for n in range(10)])
    assert _run_check(checks.date_extraction_rate, storage=_storage(tmp_path)).passed


def test_duplicate_urls_are_an_error(tmp_path: Path) -> None:
    rows = [_article("shanxing", 1), _article("shanxing", 2), _article("shanxing", 1)]
    _stage(tmp_path, "shanxing", "articles.jsonl", rows)
    result = _run_check(checks.unique_article_urls, storage=_storage(tmp_path))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["duplicate_urls"].value == 1
    assert "| shanxing | 1 |" in result.metadata["per_site"].value
    _stage(tmp_path, "shanxing", "articles.jsonl", [_article("shanxing", 1), _article("shanxing", 2)])
    assert _run_check(checks.unique_article_urls, storage=_storage(tmp_path)).passed


def test_articles_missing_from_extraction_warn(tmp_path: Path) -> None:
    _stage(tmp_path, "shanxing", "articles.jsonl", [_article("shanxing", 1)])
    _stage(tmp_path, "shanxing", "mentions.jsonl", [_article("shanxing", 1)])
    _stage(tmp_path, "gangao", "articles.jsonl", [_article("gangao", 2)])
    result = _run_check(checks.every_article_extracted, storage=_storage(tmp_path))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "| gangao | 1 |" in result.metadata["per_site"].value
    _stage(tmp_path, "gangao", "mentions.jsonl", [_article("gangao", 2)])
    assert _run_check(checks.every_article_extracted, storage=_storage(tmp_path)).passed


def test_an_amount_above_1e11_cny_is_an_error(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(0, amounts=(620,)), article_row(1, amounts=(9_000_000,))])
    engine.dispose()
    warehouse = WarehouseResource(db_url=db_url)
    assert _run_check(checks.amounts_plausible, warehouse=warehouse).passed  # 900亿元: large, possible
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(2, amounts=(20_000_000,))])  # 2000亿元
    engine.dispose()
    result = _run_check(checks.amounts_plausible, warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["amounts_above_ceiling"].value == 1
    assert "20000000万元" in result.metadata["implausible"].value


def test_a_processing_run_checks_the_amounts_of_the_articles_it_loaded(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    earlier, loaded = article_row(0, amounts=(20_000_000,)), article_row(1, amounts=(620,))  # 2000亿元
    load_extracted(engine, [SITE], [earlier, loaded])
    engine.dispose()
    resources = {"warehouse": WarehouseResource(db_url=db_url), "storage": _storage(tmp_path)}
    tags = {"dagster/partition": SITE.name}
    _stage(tmp_path, SITE.name, "mentions.jsonl", [loaded])
    assert _run_check(checks.amounts_plausible, run_tags=tags, **resources).passed
    assert not _run_check(checks.amounts_plausible, **resources).passed  # on its own: every article
    _stage(tmp_path, SITE.name, "mentions.jsonl", [loaded, earlier])
    result = _run_check(checks.amounts_plausible, run_tags=tags, **resources)
    assert not result.passed and result.metadata["amounts_above_ceiling"].value == 1


def test_orphan_mentions_are_an_error(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i) for i in range(3)])
    engine.dispose()
    warehouse = WarehouseResource(db_url=db_url)
    assert _run_check(checks.no_orphan_mentions, warehouse=warehouse).passed
    # A SQLite file written by a client without foreign keys: an article deleted under its mentions.
    loose = make_engine(db_url, enforce_foreign_keys=False)
    with loose.begin() as conn:
        conn.execute(text("DELETE FROM article WHERE id = (SELECT min(id) FROM article)"))
    loose.dispose()
    result = _run_check(checks.no_orphan_mentions, warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["orphan_mentions"].value >= 3  # at least an amount, an org and a region


def test_a_warehouse_migrated_once_is_not_migrated_again_while_at_that_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines import resources

    db_url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrades: list[str] = []
    real_upgrade = resources.upgrade
    monkeypatch.setattr(resources, "upgrade", lambda url: (upgrades.append(url), real_upgrade(url)))
    warehouse = WarehouseResource(db_url=db_url)
    warehouse.migrated_engine().dispose()
    warehouse.migrated_engine().dispose()
    assert upgrades == [db_url]
    (tmp_path / "warehouse.sqlite").unlink()  # a new database at the same URL is migrated
    engine = warehouse.migrated_engine()
    assert upgrades == [db_url, db_url]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM article")).scalar() == 0
    engine.dispose()


def test_a_processing_run_checks_the_mentions_its_load_inserted_for_orphans(tmp_path: Path) -> None:
    from pipelines.load_summary import mention_marks, save_marks

    db_url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i) for i in range(3)])
    marks = tmp_path / "staging" / SITE.name / "load.json"
    with Session(engine) as session:
        save_marks(marks, mention_marks(session))  # as the step notes them before its load
    load_extracted(engine, [SITE], [article_row(i) for i in range(3, 5)])
    engine.dispose()
    loose = make_engine(db_url, enforce_foreign_keys=False)
    with loose.begin() as conn:  # an article of the earlier load deleted under its mentions
        conn.execute(text("DELETE FROM article WHERE id = (SELECT min(id) FROM article)"))
    resources = {"warehouse": WarehouseResource(db_url=db_url), "storage": _storage(tmp_path)}
    tags = {"dagster/partition": SITE.name}
    in_run = _run_check(checks.no_orphan_mentions, run_tags=tags, **resources)
    assert in_run.passed and in_run.metadata["scope"].value == "mentions inserted by this run's load"
    on_its_own = _run_check(checks.no_orphan_mentions, **resources)
    assert not on_its_own.passed and on_its_own.metadata["scope"].value == "whole warehouse"
    # A load that wrote a mention for an article that is not there: this run's check fails.
    with loose.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO region_mention (article_id, region_code, role, surface, start, "end",'
                ' sentence, extractor_version) SELECT 999999, region_code, role, surface, start, "end",'
                " sentence, extractor_version FROM region_mention LIMIT 1"
            )
        )
    loose.dispose()
    failed = _run_check(checks.no_orphan_mentions, run_tags=tags, **resources)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["orphan_mentions"].value == 1
