"""Preview and send a week's digest: one email per active subscriber, exactly once.

The delivery log (``digest_delivery``, unique per (week, subscriber)) carries the protocol:

1. claim: the row is inserted (or a failed/pending one updated) as ``pending`` and committed
   before the SMTP server is contacted;
2. send: the message, with a Message-ID derived from (week, subscriber);
3. record: ``sent`` (or ``failed`` with the reason), committed.

A re-run skips ``sent`` rows and sends the others.  A ``pending`` row means a run stopped
between claiming and recording: the message may or may not have reached the server.  We resend
it (at-least-once on that narrow gap) with the same Message-ID, so a duplicate, if the server
had accepted the first, is the same message and recognisable as such; losing a subscriber's
digest silently would be worse.  docs/digest.md says the same for operators.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipelines.digest.chart import province_chart_png
from pipelines.digest.message import (
    chart_content_id,
    digest_message,
    digest_message_id,
    unsubscribe_links,
)
from pipelines.digest.render import RenderedDigest, describe_filter, render_digest, write_digest
from pipelines.digest.source_health import WeekFetches
from pipelines.digest.subscriptions import active_subscribers, clean_name
from pipelines.mail import MailError, MailResource
from spiders.raw_store import RawStore
from warehouse import models as m
from warehouse.queries import articles_in_week, iso_week_bounds
from warehouse.weekly import DigestFilter, SourceProblem, WeekDigest, week_digest

log = logging.getLogger("charitynews.digest")
# Previews show the unsubscribe link a subscriber gets, with this in place of their own token.
PREVIEW_TOKEN = "PREVIEW-TOKEN"


class EmptyWeek(ValueError):
    """A week with no articles: its digest is not sent unless asked for (``allow_empty``)."""


@dataclass
class DeliveryReport:
    iso_week: str
    subscribers: int = 0
    sent: int = 0
    skipped: int = 0  # already sent by an earlier run
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class WeekContent:
    """A week's digests, computed once per distinct subscriber filter."""

    session: Session
    iso_week: str
    fetches: WeekFetches | None  # None: no crawl log to read
    _digests: dict[DigestFilter, tuple[WeekDigest, bytes | None]] = field(default_factory=dict)

    @property
    def failed_sources(self) -> list[SourceProblem] | None:
        return None if self.fetches is None else self.fetches.problems

    def digest(self, digest_filter: DigestFilter) -> tuple[WeekDigest, bytes | None]:
        if digest_filter not in self._digests:
            digest = week_digest(
                self.session, self.iso_week, digest_filter, failed_sources=self.failed_sources
            )
            self._digests[digest_filter] = (digest, province_chart_png(digest.province_totals))
        return self._digests[digest_filter]


def subscriber_filter(subscriber: m.Subscriber) -> DigestFilter:
    return DigestFilter(
        provinces=frozenset(subscriber.provinces or ()),
        organization_types=frozenset(subscriber.organization_types or ()),
        min_amount_cny=subscriber.min_amount_cny,
    )


def _province_names(session: Session) -> dict[str, str]:
    query = select(m.Region.code, m.Region.name).where(m.Region.level == "province")
    return {code: name for code, name in session.execute(query)}


def _source_titles(session: Session) -> dict[str, str]:
    return {name: title for name, title in session.execute(select(m.Source.name, m.Source.title))}


def week_content(session: Session, iso_week: str, raw_store: RawStore | None) -> WeekContent:
    from pipelines.digest.source_health import week_fetches

    start, end = iso_week_bounds(iso_week)
    fetches = None if raw_store is None else week_fetches(raw_store, start, end, _source_titles(session))
    return WeekContent(session, iso_week, fetches)


def render_for(
    content: WeekContent,
    subscriber: m.Subscriber | None,
    *,
    chart_src: str | None,
    unsubscribe_url: str | None = None,
    province_names: dict[str, str] | None = None,
) -> tuple[RenderedDigest, bytes | None]:
    digest_filter = DigestFilter() if subscriber is None else subscriber_filter(subscriber)
    digest, chart = content.digest(digest_filter)
    rendered = render_digest(
        digest,
        name=clean_name(subscriber.name) if subscriber is not None else "",
        unsubscribe_url=unsubscribe_url,
        chart_src=chart_src if chart is not None else None,
        filter_text=describe_filter(digest_filter, province_names or {}),
        fetches=content.fetches,
    )
    return rendered, chart


def _safe_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", text)


def write_previews(
    engine: Engine,
    iso_week: str,
    directory: Path,
    raw_store: RawStore | None = None,
    *,
    sender: Address | None = None,
    public_url: str | None = None,
) -> list[Path]:
    """The general digest as ``digest-{week}.html/.txt`` and each active subscriber's own.

    Each is the message as a subscriber gets it, unsubscribe footer included, with
    :data:`PREVIEW_TOKEN` for the subscriber's token (``sender`` and ``public_url`` as when sending).
    """
    from pipelines.mail import DEFAULT_SENDER, sender_address

    sender = sender or sender_address(DEFAULT_SENDER)
    web, mailto = unsubscribe_links(public_url, PREVIEW_TOKEN, sender)
    paths: list[Path] = []
    with Session(engine) as session:
        content = week_content(session, iso_week, raw_store)
        names = _province_names(session)
        stem = f"digest-{iso_week}"
        rendered, chart = render_for(
            content, None, chart_src=f"{stem}-chart.png", unsubscribe_url=web or mailto
        )
        paths += write_digest(rendered, directory, stem, chart)
        for subscriber in active_subscribers(session):
            stem = f"digest-{iso_week}-{subscriber.id}-{_safe_stem(subscriber.email)}"
            rendered, chart = render_for(
                content,
                subscriber,
                chart_src=f"{stem}-chart.png",
                unsubscribe_url=web or mailto,
                province_names=names,
            )
            paths += write_digest(rendered, directory, stem, chart)
    return paths


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _claim(engine: Engine, iso_week: str, subscriber_id: int, message_id: str) -> str | None:
    """Claim the (week, subscriber) row; its Message-ID, or None when it is already sent."""
    try:
        with Session(engine) as session, session.begin():
            return _claim_row(session, iso_week, subscriber_id, message_id)
    except IntegrityError:
        return None  # another run inserted the row between our read and our insert (commit)


def _claim_row(session: Session, iso_week: str, subscriber_id: int, message_id: str) -> str | None:
    row = session.scalar(
        select(m.DigestDelivery).where(
            m.DigestDelivery.iso_week == iso_week, m.DigestDelivery.subscriber_id == subscriber_id
        )
    )
    if row is None:
        session.add(
            m.DigestDelivery(
                iso_week=iso_week,
                subscriber_id=subscriber_id,
                status="pending",
                message_id=message_id,
                attempts=1,
                claimed_at=_now(),
            )
        )
        return message_id
    if row.status == "sent":
        return None
    if row.status == "pending":
        log.warning(
            "%s for subscriber %d was claimed by a run that stopped before recording the outcome; "
            "resending with the same Message-ID %s",
            iso_week,
            subscriber_id,
            row.message_id,
        )
    row.status = "pending"
    row.attempts += 1
    row.claimed_at = _now()
    return row.message_id


def _record(engine: Engine, iso_week: str, subscriber_id: int, error: str | None) -> None:
    with Session(engine) as session, session.begin():
        row = session.scalars(
            select(m.DigestDelivery).where(
                m.DigestDelivery.iso_week == iso_week, m.DigestDelivery.subscriber_id == subscriber_id
            )
        ).one()
        row.status = "failed" if error else "sent"
        row.error = error
        if not error:
            row.sent_at = _now()


def send_week(
    engine: Engine,
    iso_week: str,
    mail: MailResource,
    *,
    raw_store: RawStore | None = None,
    public_url: str | None = None,
    allow_empty: bool = False,
) -> DeliveryReport:
    """Send the week's digest to every active subscriber not yet served; see the module doc.

    A week without articles (a future week, or a crawl that found nothing) raises
    :class:`EmptyWeek` before anything is claimed, unless ``allow_empty``.
    """
    iso_week_bounds(iso_week)  # a malformed week fails here, before anything is claimed
    report = DeliveryReport(iso_week)
    sender = mail.from_address()
    with Session(engine) as session:
        if not allow_empty and not articles_in_week(session, iso_week):
            raise EmptyWeek(f"{iso_week} has no articles in the warehouse: no digest sent")
        content = week_content(session, iso_week, raw_store)
        names = _province_names(session)
        subscribers = active_subscribers(session)
        report.subscribers = len(subscribers)
        cid = chart_content_id(iso_week, sender.domain)
        for subscriber in subscribers:
            try:
                web, mailto = unsubscribe_links(public_url, subscriber.unsubscribe_token, sender)
                rendered, chart = render_for(
                    content,
                    subscriber,
                    chart_src=f"cid:{cid}",
                    unsubscribe_url=web or mailto,
                    province_names=names,
                )
                message = digest_message(
                    rendered,
                    sender=sender,
                    to_email=subscriber.email,
                    to_name=subscriber.name,
                    message_id=digest_message_id(iso_week, subscriber.id, subscriber.email, sender.domain),
                    chart_png=chart,
                    chart_cid=cid,
                    unsubscribe_web=web,
                    unsubscribe_mailto=mailto,
                )
            except (ValueError, TypeError) as exc:  # one bad subscriber row never stops the batch
                report.failed += 1
                report.errors.append(f"{subscriber.email}: {exc}")
                log.error("digest %s for %s not built: %s", iso_week, subscriber.email, exc)
                continue
            # Claimed only once the message is built: a subscriber whose message cannot be built
            # leaves no pending row behind.
            message_id = _claim(engine, iso_week, subscriber.id, str(message["Message-ID"]))
            if message_id is None:
                report.skipped += 1
                continue
            if message_id != message["Message-ID"]:  # the address changed since the first attempt
                message.replace_header("Message-ID", message_id)
            try:
                mail.send(message)
            except MailError as exc:
                _record(engine, iso_week, subscriber.id, str(exc))
                report.failed += 1
                report.errors.append(f"{subscriber.email}: {exc}")
                log.error("digest %s to %s failed: %s", iso_week, subscriber.email, exc)
                continue
            _record(engine, iso_week, subscriber.id, None)
            report.sent += 1
            log.info("digest %s sent to %s", iso_week, subscriber.email)
    return report
