"""Digest subscriptions: who gets the weekly email, with which filters.

Addresses are checked by our own validator (one @, a dot-atom local part, a domain of LDH labels
with a dot; internationalised domains are stored in their ASCII form), and province names are
resolved against the GB/T 2260 gazetteer (云南省 and 云南 both work).  Removing a subscriber
deactivates the row, so the delivery log keeps its history; ``delete`` erases both.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from transforms.gazetteer import load_gazetteer
from transforms.organizations import ORGANIZATION_TYPES
from warehouse import models as m

MAX_ADDRESS = 254  # RFC 5321 path limit less the angle brackets
MAX_LOCAL = 64
MAX_LABEL = 63
MAX_NAME = 100
# RFC 5322 atext: what a dot-atom local part may contain besides dots.
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class SubscriptionError(ValueError):
    """Bad input for a subscription; the message says what and why, for the person typing it."""


def normalize_email(address: str) -> str:
    """The address in the form we store and send to, or SubscriptionError saying what is wrong."""
    shown = repr(address)
    address = address.strip()
    if not address:
        raise SubscriptionError("the email address is empty")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Zs") for c in address):
        raise SubscriptionError(
            f"{shown} is not a valid email address: it contains spaces or control characters"
        )
    if address.count("@") != 1:
        raise SubscriptionError(f"{shown} is not a valid email address: it must contain exactly one @")
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL:
        raise SubscriptionError(f"{shown}: the part before @ must have 1 to {MAX_LOCAL} characters")
    if not set(local) <= _ATEXT | {"."}:
        raise SubscriptionError(
            f"{shown}: the part before @ may use only ASCII letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~"
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise SubscriptionError(
            f"{shown}: the part before @ cannot start or end with a dot or have two in a row"
        )
    ascii_domain = _ascii_domain(domain, shown)
    normalized = f"{local}@{ascii_domain}"
    if len(normalized) > MAX_ADDRESS:
        raise SubscriptionError(f"{shown} is longer than {MAX_ADDRESS} characters")
    return normalized


def _ascii_domain(domain: str, shown: str) -> str:
    domain = domain.rstrip(".").lower()
    if any(not label or len(label) > MAX_LABEL for label in domain.split(".")):
        raise SubscriptionError(
            f"{shown}: each part of the domain between dots must have 1 to {MAX_LABEL} characters"
        )
    try:
        # IDNA turns 例子.中国 into xn--fsqu00a.xn--fiqs8s; mail goes out with the ASCII form.
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise SubscriptionError(f"{shown}: the domain {domain!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        raise SubscriptionError(f"{shown}: the domain {domain!r} needs a dot (e.g. example.org)")
    for label in labels:
        if not 1 <= len(label) <= MAX_LABEL or not set(label) <= _LDH:
            raise SubscriptionError(
                f"{shown}: the domain {domain!r} may use only letters, digits and hyphens between dots"
            )
        if label.startswith("-") or label.endswith("-"):
            raise SubscriptionError(f"{shown}: a domain label cannot start or end with a hyphen")
    if labels[-1].isdigit():
        raise SubscriptionError(f"{shown}: the domain {domain!r} ends in a number, not a top-level domain")
    return ascii_domain


def clean_name(name: str) -> str:
    """A display name safe for a header: line breaks and other control characters become spaces."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in name)
    return " ".join(cleaned.split())[:MAX_NAME]


def resolve_provinces(names: Sequence[str]) -> list[str]:
    """Province-level codes for names such as 云南省, 云南 or 530000; unknown names are refused."""
    gazetteer = load_gazetteer()
    provinces = [r for r in gazetteer.regions.values() if r.level == "province"]
    lookup: dict[str, str] = {}
    for region in provinces:
        for form in (region.code, region.name, *region.short_names):
            lookup[form] = region.code
    codes: list[str] = []
    for name in names:
        code = lookup.get(name.strip())
        if code is None:
            raise SubscriptionError(
                f"{name!r} is not a province-level division; use a name such as 云南省 or 云南, "
                f"or one of: {'、'.join(r.name for r in provinces)}"
            )
        if code not in codes:
            codes.append(code)
    return codes


def parse_min_amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise SubscriptionError(f"--min-amount {text!r} is not a number of yuan") from None
    if not value.is_finite() or value < 0:
        raise SubscriptionError(f"--min-amount {text!r} must be zero or more yuan")
    return value


def check_types(types: Sequence[str]) -> list[str]:
    unknown = [t for t in types if t not in ORGANIZATION_TYPES]
    if unknown:
        raise SubscriptionError(
            f"unknown organization type(s) {', '.join(unknown)}; known: {', '.join(ORGANIZATION_TYPES)}"
        )
    return list(dict.fromkeys(types))


@dataclass(frozen=True)
class NewSubscription:
    email: str
    name: str
    provinces: list[str]
    organization_types: list[str]
    min_amount_cny: Decimal | None


def new_subscription(
    email: str,
    name: str = "",
    provinces: Sequence[str] = (),
    organization_types: Sequence[str] = (),
    min_amount: str | None = None,
) -> NewSubscription:
    """Every field checked before anything is written: bad input changes nothing."""
    return NewSubscription(
        email=normalize_email(email),
        name=clean_name(name),
        provinces=resolve_provinces(provinces),
        organization_types=check_types(organization_types),
        min_amount_cny=parse_min_amount(min_amount),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def find(session: Session, email: str) -> m.Subscriber | None:
    return session.scalar(select(m.Subscriber).where(m.Subscriber.email == normalize_email(email)))


def add_subscriber(session: Session, new: NewSubscription) -> m.Subscriber:
    """Add a subscriber, or reactivate one who had left (with the new filters and a new token)."""
    subscriber = session.scalar(select(m.Subscriber).where(m.Subscriber.email == new.email))
    if subscriber is not None and subscriber.active:
        raise SubscriptionError(f"{new.email} is already subscribed")
    if subscriber is None:
        subscriber = m.Subscriber(email=new.email, created_at=_now())
        session.add(subscriber)
    subscriber.name = new.name
    subscriber.provinces = new.provinces or None
    subscriber.organization_types = new.organization_types or None
    subscriber.min_amount_cny = new.min_amount_cny
    subscriber.active = True
    subscriber.unsubscribed_at = None
    subscriber.unsubscribe_token = secrets.token_urlsafe(32)
    session.flush()
    return subscriber


def deactivate(subscriber: m.Subscriber) -> None:
    if subscriber.active:
        subscriber.active = False
        subscriber.unsubscribed_at = _now()


def remove_subscriber(session: Session, email: str, *, delete: bool = False) -> m.Subscriber:
    subscriber = find(session, email)
    if subscriber is None:
        raise SubscriptionError(f"{email} is not a subscriber")
    if delete:
        session.delete(subscriber)  # the delivery log rows go with it (ON DELETE CASCADE)
    else:
        deactivate(subscriber)
    session.flush()
    return subscriber


def unsubscribe(session: Session, token: str) -> m.Subscriber:
    subscriber = session.scalar(select(m.Subscriber).where(m.Subscriber.unsubscribe_token == token.strip()))
    if subscriber is None:
        raise SubscriptionError("no subscription has this unsubscribe token")
    deactivate(subscriber)
    session.flush()
    return subscriber


def active_subscribers(session: Session) -> list[m.Subscriber]:
    return list(session.scalars(select(m.Subscriber).where(m.Subscriber.active).order_by(m.Subscriber.id)))
