"""Outgoing mail over SMTP: the weekly digest and the operators' failure notices share it.

Configured from CHARITYNEWS_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM and _SECURITY
(none / starttls / ssl).  A transient failure (connection refused or dropped, timeout, a 4xx
reply) is retried with back-off; a permanent one (5xx, bad credentials) raises at once.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

import dagster as dg
from pydantic import Field

log = logging.getLogger("charitynews.mail")

SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_SENDER = "公益慈善周报 <digest@localhost>"


class MailError(RuntimeError):
    """A message could not be sent; ``transient`` says whether trying later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def sender_address(sender: str) -> Address:
    """The From address of CHARITYNEWS_SMTP_FROM (``名称 <addr>`` or a bare address)."""
    name, addr = parseaddr(sender)
    if "@" not in addr or any(c in sender for c in "\r\n"):
        raise ValueError(f"CHARITYNEWS_SMTP_FROM is not a usable address: {sender!r}")
    username, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=username, domain=domain)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError))


class MailResource(dg.ConfigurableResource):
    """The SMTP server mail goes out through (CHARITYNEWS_SMTP_*)."""

    host: str = "127.0.0.1"
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = DEFAULT_SENDER
    security: str = Field(default="none", description="none, starttls or ssl")
    timeout_seconds: float = 30.0
    attempts: int = 4
    backoff_seconds: float = 2.0
    enabled: bool = Field(
        default=True,
        description="False when CHARITYNEWS_SMTP_HOST is unset: the digest asset then writes previews only",
    )

    @classmethod
    def from_env(cls) -> MailResource:
        security = os.environ.get("CHARITYNEWS_SMTP_SECURITY", "none").strip().lower() or "none"
        default_port = {"none": 25, "starttls": 587, "ssl": 465}.get(security, 25)
        return cls(
            host=os.environ.get("CHARITYNEWS_SMTP_HOST", "127.0.0.1") or "127.0.0.1",
            port=int(os.environ.get("CHARITYNEWS_SMTP_PORT") or default_port),
            user=os.environ.get("CHARITYNEWS_SMTP_USER", ""),
            password=os.environ.get("CHARITYNEWS_SMTP_PASSWORD", ""),
            sender=os.environ.get("CHARITYNEWS_SMTP_FROM") or DEFAULT_SENDER,
            security=security,
            enabled=bool(os.environ.get("CHARITYNEWS_SMTP_HOST")),
        )

    def from_address(self) -> Address:
        return sender_address(self.sender)

    def _connect(self) -> smtplib.SMTP:
        if self.security not in SECURITY_MODES:
            raise MailError(
                f"CHARITYNEWS_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, "
                f"not {self.security!r}",
                transient=False,
            )
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
            if self.security == "starttls":
                smtp.starttls(context=context)
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message, retrying transient failures; raises MailError when it cannot."""
        if message["From"] is None:
            message["From"] = self.from_address()
        last: BaseException | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                with self._connect() as smtp:
                    smtp.send_message(message)
                return
            except MailError:
                raise
            except (smtplib.SMTPException, OSError) as exc:  # TimeoutError is an OSError
                last = exc
                if not _is_transient(exc):
                    raise MailError(
                        f"SMTP {self.host}:{self.port} refused the message to {message['To']}: {exc}",
                        transient=False,
                    ) from exc
                if attempt < self.attempts:
                    delay = self.backoff_seconds * 2 ** (attempt - 1)
                    log.warning(
                        "SMTP %s:%s failed (%s); attempt %d of %d, retrying in %.1f s",
                        self.host,
                        self.port,
                        exc,
                        attempt,
                        self.attempts,
                        delay,
                    )
                    time.sleep(delay)
        raise MailError(
            f"SMTP {self.host}:{self.port} failed {self.attempts} times for {message['To']}: {last}",
            transient=True,
        )
