"""The digest's content on SQLite and PostgreSQL: read from the views, one subscriber's filters,
rendered in both parts.  Expected values follow from the texts in tests/digest_rows.py."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from pipelines.digest.render import format_change, gift_amount, render_digest
from pipelines.digest.source_health import failed_sources
from spiders.raw_store import FetchRecord, RawStore
from tests.digest_rows import SITES, WEEK, Report, Sentence, org, place, rows, staging_row
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.weekly import DigestFilter, WeekDigest, week_digest


@pytest.fixture
def fortnight(db_url: str):  # type: ignore[no-untyped-def]
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, SITES, rows())
    yield engine
    engine.dispose()


def _digest(engine, digest_filter: DigestFilter | None = None) -> WeekDigest:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return week_digest(session, WEEK, digest_filter)


def test_the_week_counts_each_syndicated_gift_once_and_names_both_sides(fortnight) -> None:  # type: ignore[no-untyped-def]
    digest = _digest(fortnight)
    assert (digest.articles, digest.reports, digest.sources) == (5, 4, 2)
    assert [(g.value_cny, g.donor, g.recipient, g.province, g.copies) for g in digest.gifts] == [
        (Decimal("12000000.00"), "华禾控股集团有限公司", "定西市", "甘肃省", 1),
        (Decimal("3000000.00"), "青禾公益基金会", "云南省红十字会", "云南省", 2),
        (Decimal("1820000.00"), "港九慈善基金会", "澳门仁爱互助会", "澳门特别行政区", 1),
        # 市民向松溪市慈善总会捐赠: the organization receives; the giver is a group
        (Decimal("50000.00"), "市民", "松溪市慈善总会", "贵州省", 1),
    ]
    assert digest.gifts_total == 4
    assert gift_amount(digest.gifts[2]) == "200万港元（约合182万元）"
    assert digest.gifts[1].article_url == "http://demo.example/news/nujiang"  # the earliest copy


def test_province_totals_against_the_previous_week(fortnight) -> None:  # type: ignore[no-untyped-def]
    totals = {t.province: t for t in _digest(fortnight).province_totals}
    assert {p: (t.total_cny, t.previous_cny) for p, t in totals.items()} == {
        "甘肃省": (Decimal("12000000.00"), Decimal(0)),
        "云南省": (Decimal("3000000.00"), Decimal("1000000.00")),
        "澳门特别行政区": (Decimal("1820000.00"), Decimal(0)),
        "贵州省": (Decimal("50000.00"), Decimal(0)),
        "湖南省": (Decimal(0), Decimal("800000.00")),
    }
    assert format_change(totals["云南省"]) == "+200万元（+200%）"
    assert format_change(totals["甘肃省"]) == "新"
    assert format_change(totals["湖南省"]) == "−80万元（−100%）"


def test_top_and_new_organizations(fortnight) -> None:  # type: ignore[no-untyped-def]
    digest = _digest(fortnight)
    assert [(o.organization, o.total_cny) for o in digest.top_organizations][:2] == [
        ("华禾控股集团有限公司", Decimal("12000000.00")),
        ("青禾公益基金会", Decimal("3000000.00")),
    ]
    # 青禾 and 云南省红十字会 were already named last week; 槐安 only last week.
    assert [name for name, _ in digest.new_organizations] == sorted(
        ["华禾控股集团有限公司", "松溪市慈善总会", "港九慈善基金会", "澳门仁爱互助会"]
    )


def test_a_subscribers_filters(fortnight) -> None:  # type: ignore[no-untyped-def]
    yunnan = _digest(fortnight, DigestFilter(provinces=frozenset({"530000"})))
    assert [g.province for g in yunnan.gifts] == ["云南省"]
    assert [(t.province, t.total_cny) for t in yunnan.province_totals] == [("云南省", Decimal("3000000.00"))]
    assert [o.organization for o in yunnan.top_organizations] == ["青禾公益基金会"]
    large = _digest(fortnight, DigestFilter(min_amount_cny=Decimal(5_000_000)))
    assert [g.donor for g in large.gifts] == ["华禾控股集团有限公司"]
    assert large.gifts_total == 1
    foundations = _digest(fortnight, DigestFilter(organization_types=frozenset({"foundation"})))
    assert [g.donor for g in foundations.gifts] == ["青禾公益基金会", "港九慈善基金会"]
    assert [name for name, _ in foundations.new_organizations] == ["港九慈善基金会"]


def test_both_parts_say_the_same(fortnight) -> None:  # type: ignore[no-untyped-def]
    rendered = render_digest(
        _digest(fortnight), name="李四", unsubscribe_url="https://news.example/unsubscribe?token=t"
    )
    assert rendered.subject == "公益慈善周报 2026年第47周（11月16日—11月22日）"
    for part in (rendered.html, rendered.text):
        assert "李四，您好" in part
        assert "青禾公益基金会 → 云南省红十字会（捐赠）" in part
        assert "市民 → 松溪市慈善总会（捐赠）" in part
        assert "华禾控股集团有限公司 → 定西市（捐赠）" in part
        assert "+200万元（+200%）" in part and "−80万元（−100%）" in part
        assert "2 个网站刊登" in part
        assert "本周收录 5 篇报道" in part
        assert "https://news.example/unsubscribe?token=t" in part
    assert '<a href="http://demo.example/news/nujiang"' in rendered.html
    assert rendered.preheader in rendered.html


def test_names_are_escaped_in_html(fortnight) -> None:  # type: ignore[no-untyped-def]
    rendered = render_digest(_digest(fortnight), name="<b>王五</b>")
    assert "&lt;b&gt;王五&lt;/b&gt;" in rendered.html and "<b>王五</b>" not in rendered.html


def test_sources_that_failed_in_the_week(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = RawStore(tmp_path / "raw")
    assert failed_sources(store, date(2026, 11, 16), date(2026, 11, 22)) is None  # no crawl log at all
    store.fetches.mkdir(parents=True)

    def fetch(site: str, when: str, status: int | None, error: str | None) -> str:
        record = FetchRecord(f"http://{site}.example/", site, "list", status, when, "c1", error=error)
        return json.dumps(asdict(record), ensure_ascii=False)

    lines = [
        fetch("lianhe", "2026-11-17T02:00:00+00:00", 503, "503 Service Unavailable"),
        fetch("lianhe", "2026-11-17T02:01:00+00:00", None, "TCP connection timed out"),
        fetch("lianhe", "2026-11-17T02:02:00+00:00", 200, None),
        fetch("demo", "2026-11-17T02:03:00+00:00", 404, "404 Not Found"),  # gone, not a failure
        fetch("demo", "2026-11-15T15:30:00+00:00", 500, "500"),  # 23:30 Sunday China time: last week
        fetch("demo", "2026-11-22T16:30:00+00:00", 500, "500"),  # 00:30 Monday China time: next week
    ]
    (store.fetches / "20261117-c1.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    problems = failed_sources(store, date(2026, 11, 16), date(2026, 11, 22), {"lianhe": "联合公益报"})
    assert [(p.name, p.title, p.failed, p.fetches, p.example) for p in problems or []] == [
        ("lianhe", "联合公益报", 2, 3, "HTTP 503")
    ]


def test_a_headline_restating_its_body_is_listed_once(db_url: str) -> None:
    """The extractor reads the amount in the headline and again in the body; the warehouse
    counts the body's, which takes the giver the headline names (its own sentence says 该企业)."""
    title = "鹭岛海洋食品有限公司捐资600万元修缮水库"
    report = Report(
        "http://demo.example/news/shuiku",
        "demo",
        "2026-11-21T09:00:00",
        title,
        (
            Sentence(
                title,
                organizations=(("鹭岛海洋食品有限公司", "company"),),
                amounts=(("600万元", 6_000_000, "CNY", "donated"),),
            ),
            Sentence(
                "日前，该企业再次捐资600万元，用于漳州市三座小型水库的除险加固。",
                regions=(("漳州市", "350600", "beneficiary"),),
                amounts=(("600万元", 6_000_000, "CNY", "donated"),),
            ),
        ),
        "工程预计明年汛期前完工。",
    )
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, SITES, [*rows(), staging_row(report)])
    digest = _digest(engine)
    engine.dispose()
    listed = [g for g in digest.gifts if g.article_url == report.url]
    body = "日前，该企业再次捐资600万元，用于漳州市三座小型水库的除险加固。"
    assert [(g.donor, g.sentence) for g in listed] == [("鹭岛海洋食品有限公司", body)]
    assert digest.gifts_total == 5  # the four of the fortnight's week and this one, once


def _drive_and_company_report() -> Report:
    """A drive's total with its breakdown, its target and a bracket, a budget, and a gift from
    a Shenzhen company to the drive's county, which its own sentence does not name."""
    return Report(
        "http://demo.example/news/drive",
        "demo",
        "2026-11-21T11:00:00",
        "怒江州慈善总会冬季募捐",
        (
            Sentence(
                "截至11月20日，怒江州慈善总会冬季募捐共募集善款180万元，其中线上120万元，线下60万元。",
                organizations=(("怒江州慈善总会", "charity_federation"),),
                regions=(("怒江", "533300", "beneficiary"),),
                amounts=(
                    ("180万元", 1_800_000, "CNY", "raised"),
                    ("120万元", 1_200_000, "CNY", "raised"),
                    ("60万元", 600_000, "CNY", "raised"),
                ),
                meanings=(
                    {
                        "giver": {"kind": "group", "name": "市民", "code": None},
                        "recipient": org("怒江州慈善总会"),
                    },
                    {"restates": 0, "gift": False},
                    {"restates": 0, "gift": False},
                ),
            ),
            Sentence(
                "此次募捐目标为500万元，单笔1万元以上的捐款有12笔，全州今年教育预算4亿元。",
                amounts=(
                    ("500万元", 5_000_000, "CNY", "target"),
                    ("1万元", 10_000, "CNY", "threshold"),
                    ("4亿元", 400_000_000, "CNY", "other"),
                ),
                meanings=({"gift": False}, {"gift": False}, {"gift": False}),
            ),
            Sentence(
                "来自深圳市的鹏远科技有限公司也捐赠了40万元。",
                organizations=(("鹏远科技有限公司", "company"),),
                # Named in the sentence, so the amount's own province (province_code) is 广东.
                regions=(("深圳市", "440300", "mention"),),
                amounts=(("40万元", 400_000, "CNY", "donated"),),
                meanings=(
                    {
                        "giver": org("鹏远科技有限公司"),
                        "recipient": place("怒江傈僳族自治州", "533300"),
                    },
                ),
            ),
        ),
        "善款将用于山区学校的冬季取暖。",
    )


def test_notable_gifts_are_gifts_and_provinces_follow_the_recipient(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, SITES, [*rows(), staging_row(_drive_and_company_report())])
    listed = [g for g in _digest(engine).gifts if g.article_url.endswith("/drive")]
    # The drive's total once, and the company's gift: no parts, target, bracket or budget.
    assert [(g.value_cny, g.donor, g.recipient, g.province) for g in listed] == [
        (Decimal("1800000.00"), "市民", "怒江州慈善总会", "云南省"),
        (Decimal("400000.00"), "鹏远科技有限公司", "怒江傈僳族自治州", "云南省"),
    ]
    yunnan = _digest(engine, DigestFilter(provinces=frozenset({"530000"})))
    assert Decimal("400000.00") in [g.value_cny for g in yunnan.gifts]
    guangdong = _digest(engine, DigestFilter(provinces=frozenset({"440000"})))
    assert guangdong.gifts == []  # the company's home is not where its money went
    totals = {t.province: t.total_cny for t in yunnan.province_totals}
    assert totals["云南省"] == Decimal("5200000.00")  # 300万 of the fortnight, 180万 and 40万
    engine.dispose()
