"""Subscriptions: our address validator, province names, and the `charitynews subscribers` and
`charitynews digest` commands against a real warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.digest.subscriptions import (
    SubscriptionError,
    clean_name,
    normalize_email,
    parse_min_amount,
    resolve_provinces,
)
from tests.digest_rows import SITES, rows
from tests.smtp_server import SmtpTestServer
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "charitynews")

VALID = [
    ("reader@example.org", "reader@example.org"),
    ("  Reader.Name+digest@Example.ORG ", "Reader.Name+digest@example.org"),
    ("o'brien@news.example.co.uk", "o'brien@news.example.co.uk"),
    ("zhang@例子.中国", "zhang@xn--fsqu00a.xn--fiqs8s"),  # an internationalised domain, sent as ASCII
    ("a@b-c.example", "a@b-c.example"),
]
INVALID = [
    ("", "empty"),
    ("reader.example.org", "exactly one @"),
    ("a@b@example.org", "exactly one @"),
    ("reader @example.org", "spaces or control characters"),
    ("reader@example.org\r\nBcc: evil@example.org", "spaces or control characters"),
    ("reader@localhost", "needs a dot"),
    ("@example.org", "1 to 64 characters"),
    ("x" * 65 + "@example.org", "1 to 64 characters"),
    (".reader@example.org", "cannot start or end with a dot"),
    ("re..ader@example.org", "two in a row"),
    ("读者@example.org", "only ASCII letters"),
    ("reader@exa_mple.org", "letters, digits and hyphens"),
    ("reader@-example.org", "hyphen"),
    ("reader@example.123", "ends in a number"),
    ("reader@" + "a" * 64 + ".org", "1 to 63 characters"),
    ("reader@example..org", "1 to 63 characters"),
    ("r@" + ".".join(["abcdefghij"] * 23) + ".org", "longer than 254"),
]


@pytest.mark.parametrize(("address", "stored"), VALID)
def test_valid_addresses_are_normalized(address: str, stored: str) -> None:
    assert normalize_email(address) == stored


@pytest.mark.parametrize(("address", "reason"), INVALID)
def test_invalid_addresses_are_refused_saying_why(address: str, reason: str) -> None:
    with pytest.raises(SubscriptionError, match=reason):
        normalize_email(address)


def test_province_names_short_full_or_code() -> None:
    assert resolve_provinces(["云南省", "云南", "贵州", "530000", "广西壮族自治区"]) == [
        "530000",
        "520000",
        "450000",
    ]
    with pytest.raises(SubscriptionError, match="'昆明市' is not a province-level division"):
        resolve_provinces(["昆明市"])


def test_names_lose_line_breaks_and_amounts_must_be_numbers() -> None:
    assert clean_name("张三\r\nBcc: evil@example.org") == "张三 Bcc: evil@example.org"
    assert clean_name("李\u2028四\t") == "李 四"
    assert parse_min_amount("1,000,000") == 1_000_000
    for bad in ("一百万", "-5", "NaN"):
        with pytest.raises(SubscriptionError, match="--min-amount"):
            parse_min_amount(bad)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _subscribers(url: str) -> list[tuple[str, str, list | None, bool]]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = [
            (s.email, s.name, s.provinces, s.active)
            for s in session.scalars(select(m.Subscriber).order_by(m.Subscriber.id))
        ]
    engine.dispose()
    return found


def test_subscribers_commands(tmp_path: Path) -> None:
    # Through the CLI on SQLite (a process per command is slow); the same functions run on both
    # engines in tests/test_digest_delivery.py.
    db_url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    db = ["--db", db_url]
    assert _cli("db-upgrade", *db).returncode == 0  # the other commands never create a warehouse
    added = _cli(
        "subscribers",
        "add",
        "zhang@example.org",
        "--name",
        "张三",
        "--province",
        "云南",
        "--province",
        "贵州省",
        "--min-amount",
        "100000",
        *db,
    )
    assert added.returncode == 0, added.stderr
    assert _subscribers(db_url) == [("zhang@example.org", "张三", ["530000", "520000"], True)]
    # Bad input: a clear error naming it, and nothing written.
    for args, message in (
        (("bad address@example.org",), "is not a valid email address"),
        (("li@example.org", "--province", "火星"), "'火星' is not a province-level division"),
        (("li@example.org", "--type", "charity"), "unknown organization type"),
        (("zhang@example.org",), "already subscribed"),
    ):
        refused = _cli("subscribers", "add", *args, *db)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
    assert len(_subscribers(db_url)) == 1
    listed = _cli("subscribers", "list", *db)
    assert listed.stdout.splitlines() == [
        "1\tzhang@example.org\t张三\tprovinces=530000,520000 min=10万元\tactive"
    ]
    removed = _cli("subscribers", "remove", "zhang@example.org", *db)
    assert removed.returncode == 0 and _subscribers(db_url)[0][3] is False  # kept, inactive
    assert _cli("subscribers", "list", *db).stdout == ""
    assert "unsubscribed" in _cli("subscribers", "list", "--all", *db).stdout
    assert _cli("subscribers", "remove", "nobody@example.org", *db).returncode == 2
    # Back again (new token), then out by the token of the link in the email.
    assert _cli("subscribers", "add", "zhang@example.org", *db).returncode == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        token = session.scalars(select(m.Subscriber.unsubscribe_token)).one()
    assert _cli("subscribers", "unsubscribe", "not-a-token", *db).returncode == 2
    assert _cli("subscribers", "unsubscribe", token, *db).returncode == 0
    assert _subscribers(db_url)[0][3] is False
    assert _cli("subscribers", "remove", "zhang@example.org", "--delete", *db).returncode == 0
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Subscriber)) == 0
    engine.dispose()


def test_digest_command_previews_and_sends_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    load_extracted(engine, SITES, rows())
    engine.dispose()
    db = ["--db", url]
    env = {"CHARITYNEWS_DATA_DIR": str(tmp_path / "data")}
    assert (
        _cli(
            "subscribers", "add", "zhang@example.org", "--name", "张三", "--province", "云南", *db
        ).returncode
        == 0
    )
    assert _cli("subscribers", "add", "li@example.org", *db).returncode == 0
    preview = _cli("digest", "--week", "2026-W47", "--preview", str(tmp_path / "out"), *db, env=env)
    assert preview.returncode == 0, preview.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "digest-2026-W47.html" in names and "digest-2026-W47.txt" in names
    assert (
        "digest-2026-W47-1-zhang@example.org.txt" in names
        and "digest-2026-W47-2-li@example.org.html" in names
    )
    zhang = (tmp_path / "out" / "digest-2026-W47-1-zhang@example.org.txt").read_text("utf-8")
    assert "张三，您好" in zhang and "地区：云南省" in zhang
    bad_week = _cli("digest", "--week", "2026-47", "--preview", str(tmp_path / "out"), *db, env=env)
    assert bad_week.returncode == 2 and "not an ISO week like 2026-W47" in bad_week.stderr
    no_smtp = _cli("digest", "--week", "2026-W47", "--send", *db, env={**env, "CHARITYNEWS_SMTP_HOST": ""})
    assert no_smtp.returncode == 2 and "CHARITYNEWS_SMTP_HOST is not set" in no_smtp.stderr
    with SmtpTestServer() as server:
        smtp_env = {
            **env,
            "CHARITYNEWS_SMTP_HOST": "127.0.0.1",
            "CHARITYNEWS_SMTP_PORT": str(server.port),
            "CHARITYNEWS_SMTP_FROM": "公益慈善周报 <digest@charity.example>",
            "CHARITYNEWS_PUBLIC_URL": "https://news.charity.example",
        }
        first = _cli("digest", "--week", "2026-W47", "--send", *db, env=smtp_env)
        second = _cli("digest", "--week", "2026-W47", "--send", *db, env=smtp_env)
        assert first.returncode == 0, first.stderr
        assert "2 sent, 0 already sent, 0 failed" in first.stdout
        assert "0 sent, 2 already sent, 0 failed" in second.stdout
        assert sorted(r.envelope_to[0] for r in server.received) == ["li@example.org", "zhang@example.org"]
