"""The digest a subscriber trips on nowhere (issue 17, points 8–13): no empty digest sent by
mistake, a data note that says what was fetched, previews as sent, a chart on every machine with
an "others" bar, new organizations as a list, weeks given as ISO week or Monday."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, replace
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from PIL import ImageFont
from sqlalchemy.orm import Session

from pipelines.assets.digest import digest_week
from pipelines.digest import chart
from pipelines.digest.delivery import PREVIEW_TOKEN, EmptyWeek, send_week, write_previews
from pipelines.digest.render import render_digest
from pipelines.digest.subscriptions import add_subscriber, new_subscription
from pipelines.mail import MailResource
from pipelines.partitions import describe_week, digest_week_of
from spiders.raw_store import FetchRecord, RawStore
from tests.digest_rows import SITES, WEEK, rows
from tests.smtp_server import SmtpTestServer
from transforms.gazetteer import load_gazetteer
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.weekly import ProvinceTotal, week_digest

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "charitynews")
FUTURE = "2030-W10"


@pytest.fixture
def warehouse(db_url: str):  # type: ignore[no-untyped-def]
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session, session.begin():
        add_subscriber(session, new_subscription("zhang@example.org", "张三", provinces=["云南"]))
    yield engine, db_url
    engine.dispose()


@pytest.fixture(scope="module")
def rendered_from(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """For what is about rendering only, one SQLite warehouse for the module (the queries behind it
    run on both engines in tests/test_digest_content.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('digest') / 'warehouse.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session, session.begin():
        add_subscriber(session, new_subscription("zhang@example.org", "张三", provinces=["云南"]))
    yield engine
    engine.dispose()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, **env}
    )


def test_an_empty_week_is_not_sent_and_its_preview_warns(warehouse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, url = warehouse
    with SmtpTestServer() as server:
        env = {
            "CHARITYNEWS_DATA_DIR": str(tmp_path / "data"),
            "CHARITYNEWS_SMTP_HOST": "127.0.0.1",
            "CHARITYNEWS_SMTP_PORT": str(server.port),
            "CHARITYNEWS_SMTP_FROM": "公益慈善周报 <digest@charity.example>",
        }
        refused = _cli("digest", "--week", FUTURE, "--send", "--db", url, env=env)
        assert refused.returncode == 2, refused.stderr
        assert f"{FUTURE} has no articles" in refused.stderr and "--allow-empty" in refused.stderr
        assert "Traceback" not in refused.stderr
        preview = _cli("digest", "--week", FUTURE, "--preview", str(tmp_path / "out"), "--db", url, env=env)
        assert preview.returncode == 0 and f"warning: {FUTURE} has no articles" in preview.stderr
        assert server.received == []
        # The library refuses too (the Dagster asset sends through it), unless asked.
        mail = MailResource(host="127.0.0.1", port=server.port, sender=env["CHARITYNEWS_SMTP_FROM"])
        with pytest.raises(EmptyWeek):
            send_week(engine, FUTURE, mail)
        assert server.received == []
        assert send_week(engine, FUTURE, mail, allow_empty=True).sent == 1


def test_a_week_is_given_as_iso_week_or_its_monday(warehouse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert digest_week_of("2026-W47") == digest_week_of("2026-11-16") == "2026-W47"
    with pytest.raises(ValueError, match=r"2026-11-18 is a Wednesday.*2026-11-16, 2026-W47"):
        digest_week_of("2026-11-18")
    assert describe_week("2026-W47") == "2026-W47 · 2026-11-16 – 2026-11-22"
    engine, url = warehouse
    with Session(engine) as session:
        for key in ("2026-11-16", "2026-W47"):
            assert digest_week(dg.build_asset_context(partition_key=key), session) == "2026-W47"  # type: ignore[arg-type]
    env = {"CHARITYNEWS_DATA_DIR": str(tmp_path / "data")}
    by_monday = _cli(
        "digest", "--week", "2026-11-16", "--preview", str(tmp_path / "out"), "--db", url, env=env
    )
    assert by_monday.returncode == 0, by_monday.stderr
    assert (tmp_path / "out" / "digest-2026-W47.html").is_file()
    not_monday = _cli(
        "digest", "--week", "2026-11-18", "--preview", str(tmp_path / "x"), "--db", url, env=env
    )
    assert not_monday.returncode == 2 and "its Monday (2026-11-16, 2026-W47)" in not_monday.stderr


def _fetch_log(store: RawStore, *when: str) -> None:
    store.fetches.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(asdict(FetchRecord(f"http://demo.example/{i}", "demo", "list", 200, w, "c1")))
        for i, w in enumerate(when)
    ]
    (store.fetches / "c1.jsonl").write_text("\n".join(lines) + "\n", "utf-8")


def test_the_data_note_says_what_was_fetched_or_that_nothing_was(rendered_from, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = rendered_from
    store = RawStore(tmp_path / "raw")
    _fetch_log(store, "2026-10-01T02:00:00+00:00")  # a fetch log, but nothing fetched in 2026-W47
    write_previews(engine, WEEK, tmp_path / "none", store)
    _fetch_log(store, "2026-11-17T02:00:00+00:00", "2026-11-18T02:00:00+00:00")
    write_previews(engine, WEEK, tmp_path / "two", store)
    for suffix in ("html", "txt"):
        nothing = (tmp_path / "none" / f"digest-{WEEK}.{suffix}").read_text("utf-8")
        fetched = (tmp_path / "two" / f"digest-{WEEK}.{suffix}").read_text("utf-8")
        assert "本周没有进行抓取" in nothing and "全部成功" not in nothing
        assert "本周抓取 1 个来源共 2 次，全部成功" in fetched
        assert "所有来源抓取正常" not in nothing + fetched


def test_a_preview_is_the_message_a_subscriber_gets(rendered_from, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = rendered_from
    paths = write_previews(engine, WEEK, tmp_path, public_url="https://news.charity.example")
    assert len(paths) == 4  # the general digest and the subscriber's, HTML and text each
    link = f"https://news.charity.example/unsubscribe?token={PREVIEW_TOKEN}"
    for path in paths:
        assert link in path.read_text("utf-8") and "退订周报" in path.read_text("utf-8"), path
    # Without a public URL the footer holds the mailto link the message would carry.
    mailto = write_previews(engine, WEEK, tmp_path / "mailto")[0].read_text("utf-8")
    assert f"mailto:digest@localhost?subject=unsubscribe%20{PREVIEW_TOKEN}" in mailto


def _total(i: int, province: str) -> ProvinceTotal:
    return ProvinceTotal(None, province, Decimal(1000 * (20 - i)), 1, Decimal(100), 1)


def test_the_chart_folds_the_rest_into_others_and_the_digest_says_so(rendered_from) -> None:  # type: ignore[no-untyped-def]
    provinces = [r.name for r in load_gazetteer().regions.values() if r.level == "province"][:14]
    totals = [_total(i, p) for i, p in enumerate(provinces)]
    bars = chart.chart_rows(totals)
    assert len(bars) == 12 and bars[:11] == totals[:11]
    assert bars[-1].province == "其他" and bars[-1].total_cny == sum(t.total_cny for t in totals[11:])
    assert bars[-1].previous_cny == Decimal(300)
    engine = rendered_from
    with Session(engine) as session:
        digest = replace(week_digest(session, WEEK), province_totals=totals)
    html = render_digest(digest, chart_src="chart.png").html
    assert "图中为前 11 个地区，其余 3 个合为“其他”；下表列出全部 14 个。" in html
    assert "“其他”" not in render_digest(replace(digest, province_totals=totals[:12]), chart_src="c.png").html


def test_new_organizations_are_a_list(rendered_from) -> None:  # type: ignore[no-untyped-def]
    engine = rendered_from
    with Session(engine) as session:
        digest = week_digest(session, WEEK)
    assert len(digest.new_organizations) > 1
    html = render_digest(digest).html
    section = html.split("首次出现的机构</h2>", 1)[1].split("数据说明", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]+) <span", section)
    assert cells == [name for name, _ in digest.new_organizations]  # one row each, no 、-joined paragraph


def _missing(font: ImageFont.FreeTypeFont, character: str) -> bool:
    """A character the font lacks is drawn as .notdef, like a private-use one."""
    return bytes(font.getmask(character)) == bytes(font.getmask("\ue000"))


def test_the_chart_font_ships_with_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CHARITYNEWS_CJK_FONT", raising=False)
    chart.cjk_font_path.cache_clear()
    try:
        assert chart.cjk_font_path() == str(chart.BUNDLED_FONT)
        font = ImageFont.truetype(chart.cjk_font_path(), 28)
        labels = {
            chart._short_name(ProvinceTotal(r.code, r.name, Decimal(0), 0, Decimal(0), 0))
            for r in load_gazetteer().regions.values()
            if r.level == "province"
        }
        drawn = "".join(labels) + "本周上周其他未标明地区万亿元0123456789.,…±−+%"
        assert [c for c in drawn if _missing(font, c)] == []
        assert _missing(font, "𠀀")  # the check can fail: a character outside the subset
        png = chart.province_chart_png([_total(0, "云南省"), _total(1, "贵州省")])
        assert png is not None and png.startswith(b"\x89PNG")
        # CHARITYNEWS_CJK_FONT still overrides; a path that is not a file falls back to ours.
        monkeypatch.setenv("CHARITYNEWS_CJK_FONT", str(chart.BUNDLED_FONT))
        chart.cjk_font_path.cache_clear()
        other = tmp_path / "other.otf"
        other.write_bytes(chart.BUNDLED_FONT.read_bytes())
        monkeypatch.setenv("CHARITYNEWS_CJK_FONT", str(other))
        chart.cjk_font_path.cache_clear()
        assert chart.cjk_font_path() == str(other)
        monkeypatch.setenv("CHARITYNEWS_CJK_FONT", str(tmp_path / "nope.otf"))
        chart.cjk_font_path.cache_clear()
        assert chart.cjk_font_path() == str(chart.BUNDLED_FONT)
    finally:
        chart.cjk_font_path.cache_clear()
