"""The ``charitynews subscribers`` and ``charitynews digest`` subcommands (registered in pipelines/cli.py).

Both open an existing warehouse (a SQLite file that does not exist is refused, naming the path:
``charitynews db-upgrade`` creates one), migrate it first (subscriptions live there) and take
``--db`` to point at another warehouse than CHARITYNEWS_DB_URL.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session


def _engine(args: argparse.Namespace) -> Engine:
    from pipelines.settings import load_settings
    from warehouse.db import open_warehouse, upgrade

    url = args.db or load_settings().db_url
    engine = open_warehouse(url)
    upgrade(url)
    return engine


def _fail(command: str, message: object) -> int:
    print(f"charitynews {command}: {message}", file=sys.stderr)
    return 2


def _add(args: argparse.Namespace) -> int:
    from pipelines.digest.subscriptions import SubscriptionError, add_subscriber, new_subscription

    try:
        new = new_subscription(args.email, args.name or "", args.province, args.type, args.min_amount)
    except SubscriptionError as exc:
        return _fail("subscribers add", exc)
    engine = _engine(args)
    try:
        with Session(engine) as session, session.begin():
            subscriber = add_subscriber(session, new)
            print(f"subscribed {subscriber.email} (id {subscriber.id})")
    except SubscriptionError as exc:
        return _fail("subscribers add", exc)
    finally:
        engine.dispose()
    return 0


def _list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from pipelines.digest.render import format_amount
    from warehouse import models as m

    engine = _engine(args)
    with Session(engine) as session:
        query = select(m.Subscriber).order_by(m.Subscriber.id)
        if not args.all:
            query = query.where(m.Subscriber.active)
        subscribers = session.scalars(query).all()
        for s in subscribers:
            filters = [
                "provinces=" + ",".join(s.provinces) if s.provinces else "",
                "types=" + ",".join(s.organization_types) if s.organization_types else "",
                "min=" + format_amount(s.min_amount_cny) if s.min_amount_cny is not None else "",
            ]
            state = "active" if s.active else f"unsubscribed {s.unsubscribed_at:%Y-%m-%d}"
            print(
                f"{s.id}\t{s.email}\t{s.name or '-'}\t{' '.join(f for f in filters if f) or 'all'}\t{state}"
            )
        print(f"{len(subscribers)} subscriber(s)", file=sys.stderr)
    engine.dispose()
    return 0


def _remove(args: argparse.Namespace) -> int:
    from pipelines.digest.subscriptions import SubscriptionError, remove_subscriber

    engine = _engine(args)
    try:
        with Session(engine) as session, session.begin():
            subscriber = remove_subscriber(session, args.email, delete=args.delete)
            done = "deleted with its delivery log" if args.delete else "unsubscribed"
            print(f"{subscriber.email} {done}")
    except SubscriptionError as exc:
        return _fail("subscribers remove", exc)
    finally:
        engine.dispose()
    return 0


def _unsubscribe(args: argparse.Namespace) -> int:
    from pipelines.digest.subscriptions import SubscriptionError, unsubscribe

    engine = _engine(args)
    try:
        with Session(engine) as session, session.begin():
            subscriber = unsubscribe(session, args.token)
            print(f"{subscriber.email} unsubscribed")
    except SubscriptionError as exc:
        return _fail("subscribers unsubscribe", exc)
    finally:
        engine.dispose()
    return 0


def _digest(args: argparse.Namespace) -> int:
    engine = _engine(args)  # before the heavy imports: a bad --db is reported at once
    from pipelines.digest.delivery import EmptyWeek, send_week, write_previews
    from pipelines.mail import MailError, MailResource
    from pipelines.partitions import digest_week_of
    from pipelines.settings import load_settings, public_url
    from spiders.raw_store import RawStore
    from warehouse.queries import articles_in_week, latest_iso_week

    try:
        week = args.week
        if week is None:
            with Session(engine) as session:
                week = latest_iso_week(session)
            if week is None:
                return _fail("digest", "the warehouse has no dated articles; give --week")
        try:
            week = digest_week_of(week)
        except ValueError as exc:
            return _fail("digest", exc)
        with Session(engine) as session:
            empty = not articles_in_week(session, week)
        raw_store = RawStore(load_settings().data_dir / "raw")
        try:
            mail = MailResource.from_env()
        except ValueError as exc:  # e.g. CHARITYNEWS_SMTP_PORT not a number
            return _fail("digest", exc)
        if args.preview:
            if empty:
                print(
                    f"warning: {week} has no articles in the warehouse: the preview is empty", file=sys.stderr
                )
            try:
                paths = write_previews(
                    engine,
                    week,
                    Path(args.preview),
                    raw_store,
                    sender=mail.from_address(),
                    public_url=public_url(),
                )
            except ValueError as exc:  # CHARITYNEWS_SMTP_FROM or CHARITYNEWS_PUBLIC_URL unusable
                return _fail("digest", exc)
            for path in paths:
                print(path)
            print(f"{len(paths)} preview file(s) for {week} in {args.preview}", file=sys.stderr)
            return 0
        if empty and not args.allow_empty:
            return _fail(
                "digest",
                f"{week} has no articles in the warehouse (a future week, or nothing was crawled): "
                "nothing sent; --allow-empty sends the empty digest anyway",
            )
        try:
            if not mail.enabled:
                return _fail("digest", "CHARITYNEWS_SMTP_HOST is not set: no SMTP server to send through")
            report = send_week(
                engine, week, mail, raw_store=raw_store, public_url=public_url(), allow_empty=args.allow_empty
            )
        except (MailError, EmptyWeek, ValueError) as exc:
            return _fail("digest", exc)
        for error in report.errors:
            print(f"  failed: {error}", file=sys.stderr)
        print(
            f"{week}: {report.subscribers} subscriber(s), {report.sent} sent, "
            f"{report.skipped} already sent, {report.failed} failed"
        )
        return 1 if report.failed else 0
    finally:
        engine.dispose()


def add_subscribers_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    subscribers = sub.add_parser("subscribers", help="manage the weekly digest's subscribers")
    actions = subscribers.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="subscribe an address (or resubscribe one that left)")
    add.add_argument("email")
    add.add_argument("--name", help="name used in the greeting and the To header")
    add.add_argument(
        "--province",
        action="append",
        default=[],
        metavar="NAME",
        help="only gifts and totals for this province (云南省 or 云南); repeat for several",
    )
    add.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="TYPE",
        help="only gifts by organizations of this type (foundation, company, …); repeat for several",
    )
    add.add_argument("--min-amount", metavar="N", help="only gifts of at least N yuan (CNY)")
    add.set_defaults(func=_add)
    listing = actions.add_parser("list", help="list active subscribers (tab-separated)")
    listing.add_argument("--all", action="store_true", help="include those who unsubscribed")
    listing.set_defaults(func=_list)
    remove = actions.add_parser("remove", help="unsubscribe an address (kept, inactive)")
    remove.add_argument("email")
    remove.add_argument(
        "--delete", action="store_true", help="erase the subscriber and its delivery log instead"
    )
    remove.set_defaults(func=_remove)
    unsub = actions.add_parser("unsubscribe", help="unsubscribe by the token of an unsubscribe link")
    unsub.add_argument("token")
    unsub.set_defaults(func=_unsubscribe)
    for parser in (add, listing, remove, unsub):
        parser.add_argument("--db", help="SQLAlchemy URL (default: CHARITYNEWS_DB_URL)")


def add_digest_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    digest = sub.add_parser("digest", help="preview or send the weekly digest")
    digest.add_argument(
        "--week",
        help="ISO week (2026-W47) or its Monday (2026-11-16, as the Dagster UI keys it); "
        "default: the latest week with articles",
    )
    what = digest.add_mutually_exclusive_group(required=True)
    what.add_argument("--preview", metavar="DIR", help="write each subscriber's HTML and text into DIR")
    what.add_argument(
        "--send", action="store_true", help="send over SMTP (CHARITYNEWS_SMTP_*), each subscriber once"
    )
    digest.add_argument(
        "--allow-empty",
        action="store_true",
        help="send even when the week has no articles (refused otherwise; a preview only warns)",
    )
    digest.add_argument("--db", help="SQLAlchemy URL (default: CHARITYNEWS_DB_URL)")
    digest.set_defaults(func=_digest)
