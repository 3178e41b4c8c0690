"""The SMTP resource against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from pipelines.mail import MailError, MailResource, sender_address
from tests.smtp_server import SmtpTestServer


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "公益慈善周报 测试"
    message.set_content("正文：本周共收录报道12篇。")
    return message


def _mail(port: int, **overrides: object) -> MailResource:
    fields: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "公益慈善周报 <digest@example.org>",
        "backoff_seconds": 0.01,
    }
    fields.update(overrides)
    return MailResource(**fields)  # type: ignore[arg-type]


def test_a_message_arrives_with_chinese_headers_encoded() -> None:
    with SmtpTestServer() as server:
        _mail(server.port).send(_message("reader@example.org"))
    [got] = server.received
    assert got.envelope_to == ["reader@example.org"]
    assert got.message["Subject"] == "公益慈善周报 测试"
    assert str(got.message["From"]) == "公益慈善周报 <digest@example.org>"
    # On the wire the Chinese is RFC 2047 encoded: the raw headers are plain ASCII.
    headers = got.raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii() and b"=?utf-8?" in headers.lower()
    assert "本周共收录报道12篇" in got.message.get_content()


def test_a_transient_refusal_is_retried_until_it_passes() -> None:
    with SmtpTestServer() as server:
        server.handler.fail_after = 0
        mail = _mail(server.port, attempts=3)
        with pytest.raises(MailError) as failure:
            mail.send(_message("reader@example.org"))
        assert failure.value.transient and "failed 3 times" in str(failure.value)
        server.handler.fail_after = None
        mail.send(_message("reader@example.org"))
    assert len(server.received) == 1


def test_a_dead_server_is_a_clear_transient_error() -> None:
    with SmtpTestServer() as server:
        port = server.port
    with pytest.raises(MailError) as failure:
        _mail(port, attempts=2).send(_message("reader@example.org"))
    assert failure.value.transient and f"127.0.0.1:{port}" in str(failure.value)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARITYNEWS_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("CHARITYNEWS_SMTP_SECURITY", "starttls")
    monkeypatch.delenv("CHARITYNEWS_SMTP_PORT", raising=False)
    monkeypatch.setenv("CHARITYNEWS_SMTP_FROM", "周报 <news@example.org>")
    mail = MailResource.from_env()
    assert (mail.host, mail.port, mail.security) == ("mail.example.org", 587, "starttls")
    assert mail.from_address().addr_spec == "news@example.org"


def test_an_unknown_security_mode_is_refused() -> None:
    with pytest.raises(MailError, match="must be one of none, starttls, ssl"):
        _mail(1, security="tls1").send(_message("reader@example.org"))


def test_a_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="not a usable address"):
        sender_address("周报 <news@example.org>\r\nBcc: all@example.org")
