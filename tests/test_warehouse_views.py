"""The researcher views on SQLite and PostgreSQL: their columns, and their numbers recomputed by hand."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Engine, inspect, text

from tests.warehouse_rows import ORGANIZATIONS, SITE, article_row
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.views import VIEWS

PROVINCE_OF = {"433100": "430000", "520100": "520000", "620000": "620000", "440300": "440000"}


def _rows() -> list[dict]:
    """Eight reports over two months, one syndicated twice, one running total, one without a
    role, one threshold (a limit such as 单笔5万元以上, not a gift)."""
    rows = [
        article_row(
            i, amounts=(100 * (i + 1), 3 + i), published=f"2026-{10 + i % 2:02d}-{5 + i:02d}T08:00:00"
        )
        for i in range(8)
    ]
    # A running total, an amount of no giving role and a limit: counted by role, not as gifts.
    rows[5]["amounts"][1] |= {"cumulative": True, "gift": False}
    rows[6]["amounts"][0] |= {"role": "other", "gift": False}
    rows[4]["amounts"][1] |= {"role": "threshold", "gift": False}
    for n, day in ((1, "20"), (2, "21")):  # two later copies of report 3, elsewhere
        copy = article_row(3, amounts=(400, 6), published=f"2026-11-{day}T08:00:00")
        copy["url"] = f"http://mirror{n}.example/news/3"
        copy["text"] = copy["simplified"] = copy["text"]
        rows.append(copy)
    return rows


def _query(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql))]


def test_the_views_have_the_documented_columns(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as connection:
        inspector = inspect(connection)
        assert set(inspector.get_view_names()) >= {v.name for v in VIEWS}
        for view in VIEWS:
            assert [c["name"] for c in inspector.get_columns(view.name)] == view.column_names, view.name
    engine.dispose()


def test_totals_count_each_gift_once(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = _rows()
    load_extracted(engine, [SITE], rows)
    # Expected, from the staging rows: the copies (rows 8, 9) are left out, gifts have a role and
    # are not running totals.
    by_province: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    by_org: dict[str, list[Decimal]] = defaultdict(list)
    by_role: dict[tuple[str, bool, bool], list[Decimal]] = defaultdict(list)
    for row in rows[:8]:
        month = row["published"][:7]
        for amount in row["amounts"]:
            value = Decimal(amount["value"])
            by_role[(amount["role"], amount["cumulative"], amount["gift"])].append(value)
            if amount["gift"]:
                by_province[(PROVINCE_OF[amount["recipient"]["code"]], month)].append(value)
                by_org[amount["giver"]["name"]].append(value)
    province = _query(engine, "SELECT province_code, month, gifts, total_cny FROM totals_by_province_month")
    assert sorted((p, mo, g, Decimal(t)) for p, mo, g, t in province) == sorted(
        (p, mo, len(v), sum(v)) for (p, mo), v in by_province.items()
    )
    organization = _query(engine, "SELECT organization, gifts, total_cny FROM totals_by_organization")
    assert sorted((o, g, Decimal(t)) for o, g, t in organization) == sorted(
        (o, len(v), sum(v)) for o, v in by_org.items()
    )
    assert {o for o, _, _ in organization} == set(ORGANIZATIONS)
    role = _query(engine, "SELECT role, cumulative, gift, amounts, total_cny FROM totals_by_role")
    assert sorted((r, bool(c), bool(g), n, Decimal(t)) for r, c, g, n, t in role) == sorted(
        (r, c, g, len(v), sum(v)) for (r, c, g), v in by_role.items()
    )
    copies = _query(engine, "SELECT copies FROM gift WHERE value_cny = 4000000")
    assert copies == [(3,)]  # report 3's gift, counted once, carried by three sites
    engine.dispose()


def test_top_gifts_and_new_organizations_in_a_window(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], _rows())
    top = _query(
        engine,
        "SELECT value_cny, url FROM gift WHERE published_at >= '2026-11-01' AND published_at < '2026-12-01' "
        "ORDER BY value_cny DESC LIMIT 3",
    )
    # November holds reports 1, 3, 5, 7 (odd i), and the two copies of 3, which do not count again
    assert [(int(Decimal(v)), u) for v, u in top] == [
        (8_000_000, "http://demo.example/news/7"),
        (6_000_000, "http://demo.example/news/5"),
        (4_000_000, "http://demo.example/news/3"),
    ]
    october = _query(engine, "SELECT COUNT(*) FROM gift WHERE published_month = '2026-10'")
    # reports 0, 2, 4, 6 × two amounts, less 6's amount of no giving role and 4's threshold
    assert october == [(6,)]
    first_seen = _query(
        engine,
        "SELECT organization FROM organization_first_seen "
        "WHERE first_seen_at >= '2026-10-07' AND first_seen_at < '2026-10-09' ORDER BY organization",
    )
    # reports 2 (Oct 7) and 3 (Nov 8): only 2's donor is first named in the window
    assert first_seen == [(ORGANIZATIONS[2],)]
    engine.dispose()


def _drive_report() -> dict:
    """A drive's total and its breakdown, a gift through a channel to a named place, and a
    sentence whose first organization is the reporter's source, not the giver."""
    row = article_row(20, amounts=(500, 300, 200, 90))
    total, online, offline, gift = row["amounts"]
    online |= {"restates": 0, "gift": False}  # 其中线上300万元…
    offline |= {"restates": 0, "gift": False}  # …线下200万元
    # The sentence names 青禾公益基金会 first (as the source), but the giver is a company and
    # the money goes to 贵阳市, not to the place the sentence's first region stands for.
    gift["giver"] = {"kind": "organization", "name": "华禾控股集团有限公司", "code": None}
    gift["recipient"] = {"kind": "region", "name": "贵阳市", "code": "520100"}
    row["organizations"].append(
        {**row["organizations"][0], "name": "华禾控股集团有限公司", "surface": "华禾"}
    )
    total["giver"] = {"kind": "group", "name": "市民", "code": None}
    return row


def test_gifts_count_once_per_article_by_giver_and_recipient(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [_drive_report()])
    gifts = _query(
        engine, "SELECT value_cny, giver_kind, giver_name, recipient_region_code, province_code FROM gift"
    )
    assert sorted((int(Decimal(v)), k, n, r, p) for v, k, n, r, p in gifts) == [
        (900_000, "organization", "华禾控股集团有限公司", "520100", "520000"),
        (5_000_000, "group", "市民", "433100", "430000"),
    ]
    counted = _query(engine, "SELECT COUNT(*) FROM counted_amount")
    assert counted == [(2,)]  # the breakdown's parts restate the total and are not counted
    donors = _query(engine, "SELECT organization, gifts, total_cny FROM totals_by_organization")
    assert sorted((o or "", g, int(Decimal(t))) for o, g, t in donors) == [
        ("", 1, 5_000_000),  # the public's gift: no organization gave it
        ("华禾控股集团有限公司", 1, 900_000),
    ]
    provinces = _query(engine, "SELECT province_code, total_cny FROM totals_by_province_month")
    assert sorted((p, int(Decimal(t))) for p, t in provinces) == [("430000", 5_000_000), ("520000", 900_000)]
    engine.dispose()


def test_records_of_an_older_extractor_load_with_the_old_gift_rule(db_url: str) -> None:
    """A staging record written before meaning fields existed: its headline copy and its
    conversions restate, its giving, non-cumulative amounts are gifts."""
    upgrade(db_url)
    engine = make_engine(db_url)
    row = article_row(21, amounts=(100, 50))
    for amount in row["amounts"]:
        for key in ("restates", "gift", "giver", "recipient"):
            del amount[key]
    row["amounts"][1]["cumulative"] = True
    load_extracted(engine, [SITE], [row])
    # The old rule's giver: the organization its sentence names before it.
    assert _query(engine, "SELECT value_cny, giver_kind, giver_name FROM gift") == [
        (Decimal("1000000.00"), "organization", "松溪市慈善总会")
    ]
    engine.dispose()
