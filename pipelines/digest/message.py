"""One subscriber's digest as a MIME message.

Structure: multipart/alternative with the plain text first and, last (the part clients prefer),
multipart/related holding the HTML and the province chart it shows through ``cid:``.  Headers are
set through ``email.headerregistry`` objects, which encode Chinese names and the subject per
RFC 2047 and refuse CR/LF, so no name or subject can add a header.
"""

from __future__ import annotations

import hashlib
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime, localtime
from urllib.parse import quote

from pipelines.digest.render import SENDER_NAME, RenderedDigest
from pipelines.digest.subscriptions import clean_name


class _LinkHeader(UnstructuredHeader):
    """List-Unsubscribe, written unfolded: the policy would turn a link longer than a line into
    RFC 2047 encoded words, which no client reads as a link.  Its value is checked ASCII."""

    def fold(self, *, policy: Policy) -> str:  # type: ignore[override]
        return f"{self.name}: {self}{policy.linesep}"  # type: ignore[attr-defined]


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _LinkHeader)  # type: ignore[arg-type]
_POLICY = SMTP.clone(header_factory=_HEADERS)


def digest_message_id(iso_week: str, subscriber_id: int, email: str, domain: str) -> str:
    """The same Message-ID for every attempt at one (week, subscriber): a resend after a crash
    is recognisable as the same message (and mail systems that deduplicate can drop it)."""
    digest = hashlib.sha256(f"{iso_week}|{subscriber_id}|{email}".encode()).hexdigest()[:20]
    return f"<digest.{iso_week}.{subscriber_id}.{digest}@{domain}>"


def chart_content_id(iso_week: str, domain: str) -> str:
    return f"province-chart.{iso_week}@{domain}"


def unsubscribe_links(public_url: str | None, token: str, sender: Address) -> tuple[str | None, str]:
    """(web link or None, mailto link) for the body and the List-Unsubscribe header."""
    web = f"{public_url.rstrip('/')}/unsubscribe?token={quote(token)}" if public_url else None
    if web is not None and (not web.isascii() or not web.startswith(("https://", "http://"))):
        raise ValueError(f"CHARITYNEWS_PUBLIC_URL must be an http(s) URL in ASCII, not {public_url!r}")
    mailto = f"mailto:{sender.addr_spec}?subject={quote('unsubscribe ' + token)}"
    return web, mailto


def digest_message(
    rendered: RenderedDigest,
    *,
    sender: Address,
    to_email: str,
    to_name: str,
    message_id: str,
    chart_png: bytes | None,
    chart_cid: str | None,
    unsubscribe_web: str | None,
    unsubscribe_mailto: str,
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = clean_name(rendered.subject)
    message["From"] = Address(
        display_name=clean_name(sender.display_name) or SENDER_NAME,
        username=sender.username,
        domain=sender.domain,
    )
    message["To"] = Address(display_name=clean_name(to_name), addr_spec=to_email)
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = ", ".join(
        f"<{link}>" for link in (unsubscribe_web, unsubscribe_mailto) if link
    )
    if unsubscribe_web and unsubscribe_web.startswith("https://"):
        # RFC 8058 one-click unsubscribe: only meaningful with an HTTPS link that accepts a POST.
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if chart_png is not None and chart_cid is not None:
        html_part = message.get_payload()[1]  # type: ignore[index]
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{chart_cid}>",
            filename="province-chart.png",
            disposition="inline",
        )
    return message
