"""Sending the digest to a real SMTP server on 127.0.0.1 (aiosmtpd), on SQLite and PostgreSQL:
what arrives, per subscriber, and exactly once across re-runs, SMTP failures and crashes."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipelines.digest.delivery import send_week
from pipelines.digest.subscriptions import add_subscriber, new_subscription
from pipelines.mail import MailResource
from tests.digest_rows import SITES, WEEK, rows
from tests.smtp_server import Received, SmtpTestServer
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

ROOT = Path(__file__).resolve().parent.parent
SENDER = "公益慈善周报 <digest@charity.example>"
PUBLIC_URL = "https://news.charity.example"
SUBJECT = "公益慈善周报 2026年第47周（11月16日—11月22日）"
INJECTED = "王五\r\nBcc: evil@example.org"
# Gift lines as the plain text shows them, to tell which gifts a subscriber got.
YUNNAN_GIFT = "青禾公益基金会 → 云南省红十字会（捐赠）"
DINGXI_GIFT = "华禾控股集团有限公司 → 定西市（捐赠）"
MACAU_GIFT = "港九慈善基金会 → 澳门仁爱互助会（捐赠）"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def warehouse(db_url: str) -> tuple[Engine, str]:  # type: ignore[misc]
    """The fortnight of tests/digest_rows.py and four subscribers, one with a hostile name."""
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session, session.begin():
        add_subscriber(session, new_subscription("zhang@example.org", "张三", provinces=["云南"]))
        add_subscriber(session, new_subscription("li@example.org", "李四", min_amount="5000000"))
        # Stored as typed, bypassing the CLI's cleaning: the message must still be safe.
        wang = add_subscriber(session, new_subscription("wang@example.org"))
        wang.name = INJECTED
        add_subscriber(session, new_subscription("all@example.org", organization_types=["foundation"]))
    yield engine, db_url
    engine.dispose()


def _mail(server: SmtpTestServer) -> MailResource:
    return MailResource(host="127.0.0.1", port=server.port, sender=SENDER, attempts=2, backoff_seconds=0.0)


def _by_recipient(received: list[Received]) -> dict[str, Received]:
    assert all(len(r.envelope_to) == 1 for r in received)
    return {r.envelope_to[0]: r for r in received}


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _deliveries(engine: Engine) -> dict[str, tuple[str, int, str]]:
    with Session(engine) as session:
        return {
            email_: (d.status, d.attempts, d.message_id)
            for d, email_ in session.execute(
                select(m.DigestDelivery, m.Subscriber.email)
                .join(m.Subscriber)
                .where(m.DigestDelivery.iso_week == WEEK)
            )
        }


def test_each_subscriber_gets_their_own_digest(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, _ = warehouse
    report = send_week(engine, WEEK, _mail(smtp), public_url=PUBLIC_URL)
    assert (report.subscribers, report.sent, report.skipped, report.failed) == (4, 4, 0, 0)
    got = _by_recipient(smtp.received)
    assert set(got) == {"zhang@example.org", "li@example.org", "wang@example.org", "all@example.org"}
    for address, received in got.items():
        message, raw = received.message, received.raw
        head = raw.split(b"\r\n\r\n", 1)[0]
        head.decode("ascii")  # every header line is ASCII: Chinese only as RFC 2047 encoded words
        assert message["Subject"] == SUBJECT
        assert re.search(rb"^Subject: =\?utf-8\?", head, re.MULTILINE | re.IGNORECASE)
        assert all(len(word) <= 75 for word in re.findall(rb"=\?[^?]+\?[bqBQ]\?[^?]*\?=", head))  # RFC 2047
        assert message["From"].addresses[0].display_name == "公益慈善周报"
        assert message["From"].addresses[0].addr_spec == "digest@charity.example"
        assert re.search(rb"^From: =\?utf-8\?[bq]\?", head, re.MULTILINE | re.IGNORECASE)
        assert [a.addr_spec for a in message["To"].addresses] == [address]
        assert message["Bcc"] is None and message["Cc"] is None
        assert re.fullmatch(rf"<digest\.{WEEK}\.\d+\.[0-9a-f]{{20}}@charity\.example>", message["Message-ID"])
        # Both parts and the chart: alternative(text, related(html, png)), the HTML pointing at it.
        assert message.get_content_type() == "multipart/alternative"
        plain, related = message.get_payload()
        assert plain.get_content_type() == "text/plain"
        assert related.get_content_type() == "multipart/related"
        html_part, image = related.get_payload()
        assert html_part.get_content_type() == "text/html"
        assert image.get_content_type() == "image/png"
        assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in _html(message)
        # Unsubscribe: the subscriber's token in the body and the headers (RFC 2369, RFC 8058).
        with Session(engine) as session:
            token = session.scalars(
                select(m.Subscriber.unsubscribe_token).where(m.Subscriber.email == address)
            ).one()
        link = f"{PUBLIC_URL}/unsubscribe?token={token}"
        assert link in _text(message) and link in _html(message)
        assert f"<{link}>" in message["List-Unsubscribe"]
        assert f"List-Unsubscribe: <{link}>, <mailto:".encode() in head  # plain ASCII, not encoded words
        assert "mailto:digest@charity.example" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Each subscriber's filters, in both parts.
    for part in (_text, _html):
        zhang = part(got["zhang@example.org"].message)
        assert YUNNAN_GIFT in zhang and DINGXI_GIFT not in zhang and MACAU_GIFT not in zhang
        assert "地区：云南省" in zhang
        li = part(got["li@example.org"].message)
        assert DINGXI_GIFT in li and YUNNAN_GIFT not in li and MACAU_GIFT not in li
        foundations = part(got["all@example.org"].message)
        assert YUNNAN_GIFT in foundations and MACAU_GIFT in foundations and DINGXI_GIFT not in foundations
        everything = part(got["wang@example.org"].message)
        assert all(g in everything for g in (YUNNAN_GIFT, DINGXI_GIFT, MACAU_GIFT))
    assert "甘肃省" not in _text(got["zhang@example.org"].message)  # totals restricted to 云南 too
    assert {s for s, _, _ in _deliveries(engine).values()} == {"sent"}


def test_a_name_cannot_inject_headers(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, _ = warehouse
    send_week(engine, WEEK, _mail(smtp))
    received = _by_recipient(smtp.received)["wang@example.org"]
    assert received.envelope_to == ["wang@example.org"]
    head = received.raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^Bcc:", head, re.MULTILINE | re.IGNORECASE)
    assert "王五 Bcc: evil@example.org，您好" in _text(received.message)  # the name, on one line
    assert received.message["Bcc"] is None
    (to,) = received.message["To"].addresses
    assert to.addr_spec == "wang@example.org"
    assert "\r" not in to.display_name and "\n" not in to.display_name
    assert not any(r.envelope_to == ["evil@example.org"] for r in smtp.received)


def test_a_bad_stored_address_is_counted_and_the_batch_goes_on(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, _ = warehouse
    with Session(engine) as session, session.begin():
        session.add(
            m.Subscriber(
                email="evil@example.org\r\nBcc: victim@example.org",
                name="",
                active=True,
                unsubscribe_token="t-bad",
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    report = send_week(engine, WEEK, _mail(smtp))
    assert (report.sent, report.failed) == (4, 1)
    assert "evil@example.org" in report.errors[0]
    assert sorted(r.envelope_to[0] for r in smtp.received) == sorted(
        ["zhang@example.org", "li@example.org", "wang@example.org", "all@example.org"]
    )


def test_a_rerun_sends_nothing_new(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, _ = warehouse
    first = send_week(engine, WEEK, _mail(smtp))
    second = send_week(engine, WEEK, _mail(smtp))
    assert (first.sent, second.sent, second.skipped) == (4, 0, 4)
    assert len(smtp.received) == 4


def test_an_smtp_failure_mid_batch_then_a_rerun_completes_without_duplicates(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, _ = warehouse
    smtp.handler.fail_after = 2  # the server accepts two messages, then answers 451
    first = send_week(engine, WEEK, _mail(smtp))
    assert (first.sent, first.failed) == (2, 2)
    statuses = Counter(s for s, _, _ in _deliveries(engine).values())
    assert statuses == Counter({"sent": 2, "failed": 2})
    smtp.handler.fail_after = None  # the server recovers
    second = send_week(engine, WEEK, _mail(smtp))
    assert (second.sent, second.skipped, second.failed) == (2, 2, 0)
    assert Counter(r.envelope_to[0] for r in smtp.received) == Counter(
        {"zhang@example.org": 1, "li@example.org": 1, "wang@example.org": 1, "all@example.org": 1}
    )
    assert {s for s, _, _ in _deliveries(engine).values()} == {"sent"}


# A separate process that dies (os._exit: no cleanup, no commit) at the N-th message, either
# before contacting the SMTP server or right after the server accepted the message.
_CRASHING_RUN = """
import os, sys
from pipelines.digest.delivery import send_week
from pipelines.mail import MailResource
from warehouse.db import make_engine

url, port, week, crash_at, when = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
calls = 0

class CrashingMail(MailResource):
    def send(self, message):
        global calls
        calls += 1
        if calls == crash_at and when == "before":
            os._exit(3)
        super().send(message)
        if calls == crash_at and when == "after":
            os._exit(3)

mail = CrashingMail(host="127.0.0.1", port=port, sender=sys.argv[6], attempts=1, backoff_seconds=0.0)
send_week(make_engine(url), week, mail)
"""


def _crashing_run(db_url: str, server: SmtpTestServer, crash_at: int, when: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_RUN, db_url, str(server.port), WEEK, str(crash_at), when, SENDER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 3, done.stderr  # it died where we made it die


def test_a_crash_before_sending_then_a_rerun_sends_each_once(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    engine, db_url = warehouse
    _crashing_run(db_url, smtp, crash_at=3, when="before")
    assert len(smtp.received) == 2
    assert Counter(s for s, _, _ in _deliveries(engine).values()) == Counter({"sent": 2, "pending": 1})
    rerun = send_week(engine, WEEK, _mail(smtp))
    assert (rerun.sent, rerun.skipped) == (2, 2)  # the claimed-but-unsent one and the last one
    assert Counter(r.envelope_to[0] for r in smtp.received) == Counter(
        {"zhang@example.org": 1, "li@example.org": 1, "wang@example.org": 1, "all@example.org": 1}
    )


def test_a_crash_between_accept_and_record_resends_the_same_message(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    """The gap no SMTP client can close: the server accepted, the log was not updated.  We chose
    at-least-once there (docs/digest.md): the re-run resends with the same Message-ID."""
    engine, db_url = warehouse
    _crashing_run(db_url, smtp, crash_at=2, when="after")
    assert len(smtp.received) == 2
    pending = {a: row for a, row in _deliveries(engine).items() if row[0] == "pending"}
    assert len(pending) == 1
    ((address, (_, _, message_id)),) = pending.items()
    rerun = send_week(engine, WEEK, _mail(smtp))
    assert (rerun.sent, rerun.skipped) == (3, 1)
    copies = [r for r in smtp.received if r.envelope_to == [address]]
    assert len(copies) == 2 and {c.message["Message-ID"] for c in copies} == {message_id}
    others = Counter(r.envelope_to[0] for r in smtp.received if r.envelope_to != [address])
    assert set(others.values()) == {1} and len(others) == 3
    assert _deliveries(engine)[address][:2] == ("sent", 2)


def test_unsubscribed_readers_get_nothing(warehouse, smtp) -> None:  # type: ignore[no-untyped-def]
    from pipelines.digest.subscriptions import unsubscribe

    engine, _ = warehouse
    with Session(engine) as session, session.begin():
        token = session.scalars(
            select(m.Subscriber.unsubscribe_token).where(m.Subscriber.email == "li@example.org")
        ).one()
        unsubscribe(session, token)
    report = send_week(engine, WEEK, _mail(smtp))
    assert report.sent == 3 and "li@example.org" not in {r.envelope_to[0] for r in smtp.received}
    with Session(engine) as session:
        li = session.scalars(select(m.Subscriber).where(m.Subscriber.email == "li@example.org")).one()
        assert not li.active and li.min_amount_cny == Decimal("5000000.00")
