"""The weekly_digest asset: its week from a partition key or the data, previews always, mail
through the delivery log when SMTP is configured."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.assets.digest import digest_week, weekly_digest
from pipelines.digest.subscriptions import add_subscriber, new_subscription
from pipelines.mail import MailResource
from pipelines.resources import StorageResource, WarehouseResource
from tests.digest_rows import SITES, rows
from tests.smtp_server import SmtpTestServer
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted


def test_the_week_comes_from_the_partition_key_or_the_latest_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session:
        partitioned = dg.build_asset_context(partition_key="2026-11-09")
        assert digest_week(partitioned, session) == "2026-W46"  # type: ignore[arg-type]
        assert digest_week(dg.build_asset_context(), session) == "2026-W47"  # type: ignore[arg-type]
    engine.dispose()


def _materialize(data_dir: Path, url: str, mail: MailResource) -> dict:
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [weekly_digest],
            resources={
                "storage": StorageResource(data_dir=str(data_dir)),
                "warehouse": WarehouseResource(db_url=url),
                "mail": mail,
            },
            instance=instance,
        )
        assert result.success
        return {
            k: v.value for k, v in result.asset_materializations_for_node("weekly_digest")[0].metadata.items()
        }


def test_the_asset_previews_then_sends_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session, session.begin():
        add_subscriber(session, new_subscription("zhang@example.org", "张三", provinces=["云南"]))
        add_subscriber(session, new_subscription("li@example.org"))
    engine.dispose()
    data = tmp_path / "data"
    off = _materialize(data, url, MailResource(enabled=False))
    assert off["iso_week"] == "2026-W47" and "sent" not in off
    assert (data / "digest" / "digest-2026-W47.html").exists()
    assert off["preview_files"] == 6  # the general digest and two subscribers, HTML and text each
    with SmtpTestServer() as server:
        mail = MailResource(host="127.0.0.1", port=server.port, attempts=1, backoff_seconds=0.0)
        first = _materialize(data, url, mail)
        second = _materialize(data, url, mail)
        assert (first["subscribers"], first["sent"], first["skipped"], first["failed"]) == (2, 2, 0, 0)
        assert (second["sent"], second["skipped"]) == (0, 2)
        assert sorted(r.envelope_to[0] for r in server.received) == ["li@example.org", "zhang@example.org"]
