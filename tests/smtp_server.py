"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for mail tests.

``fail_after`` makes it accept that many messages and then answer every further one with a
transient 451, as a server under trouble does, until ``fail_after`` is set back to None.
"""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from tests.process_group import free_port


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    fail_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        with self.lock:
            if self.fail_after is not None and len(self.received) >= self.fail_after:
                return "451 4.3.0 Temporary failure, try again later"
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, raw))
        return "250 2.0.0 OK"


class SmtpTestServer:
    """Start with ``with SmtpTestServer() as server:``; ``server.port``, ``server.received``."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        # decode_data=False keeps the bytes exactly as sent, so header encoding can be checked.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, decode_data=False)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> SmtpTestServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
