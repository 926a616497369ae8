"""Critical errors by e-mail: one mail with a count for a burst, received over real SMTP."""

from __future__ import annotations

import time

from loguru import logger

from ava_core.logging import configure_logging
from ava_core.observability.email_alerts import EmailAlerts, SmtpMailer
from ava_core.settings import Settings
from tests.observability.servers import SmtpServer


def _settings(port: int, **overrides) -> Settings:
    values = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
              "alert_email_from": "ava@solar.example", "alert_email_to": ["ops@solar.example"],
              "alert_email_window_seconds": 0.2, "environment": "prod", **overrides}
    return Settings(**values)


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def test_a_burst_of_identical_critical_errors_sends_one_mail_with_the_count():
    with SmtpServer() as smtp:
        # A window far longer than logging 500 lines takes, even on a busy machine.
        configure_logging("INFO", settings=_settings(smtp.port, alert_email_window_seconds=3.0))
        for conversation in range(500):
            logger.bind(alert="model", conversation_id=conversation).error("every model failed (azure); handing off")
        assert _wait_for(lambda: smtp.messages, seconds=15.0)
        time.sleep(0.5)  # a second mail would have gone out by now
        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert mail["Subject"] == "[AVA prod] model: every model failed (azure); handing off (500 times)"
        assert mail["To"] == "ops@solar.example"
        body = mail.get_content()
        assert "ERROR × 500" in body


def test_warnings_and_unflagged_errors_send_nothing_but_critical_does():
    with SmtpServer() as smtp:
        configure_logging("INFO", settings=_settings(smtp.port))
        logger.bind(alert="handoff").warning("hand-off: the lead asked for a person")
        logger.error("a retry will fix this")
        logger.critical("the store is gone")
        assert _wait_for(lambda: smtp.messages)
        time.sleep(0.4)
    assert [m["Subject"] for m in smtp.messages] == ["[AVA prod] critical: the store is gone"]


def test_mails_past_the_hourly_limit_wait_and_keep_counting():
    with SmtpServer() as smtp:
        configure_logging("INFO", settings=_settings(smtp.port, alert_email_max_per_hour=1))
        logger.bind(alert="store").error("store locked")
        assert _wait_for(lambda: smtp.messages)
        for _ in range(3):
            logger.bind(alert="channel").error("WhatsApp refused the reply")
        time.sleep(0.5)
        assert len(smtp.messages) == 1  # the hour's one mail is spent: the rest waits
        configure_logging("INFO")  # shutting down mails what waits, limit or not
    assert len(smtp.messages) == 2
    assert smtp.messages[1]["Subject"] == "[AVA prod] channel: WhatsApp refused the reply (3 times)"


def test_alert_mail_carries_no_raw_phone_or_email():
    with SmtpServer() as smtp:
        configure_logging("INFO", settings=_settings(smtp.port))
        logger.bind(alert="channel").error("could not reach +1 512-555-0142 (jordan@example.com)")
        assert _wait_for(lambda: smtp.messages)
    text = smtp.messages[0].as_string()
    assert "555-0142" not in text and "jordan@example.com" not in text
    assert "could not reach [phone] ([email])" in text


def test_an_smtp_server_that_refuses_is_counted_not_raised():
    class Refusing:
        def send(self, message):
            raise ConnectionRefusedError("no SMTP here")

    alerts = EmailAlerts(Refusing(), sender="a@x.example", recipients=["b@x.example"], window_seconds=0.05)
    alerts._stopping.wait = lambda seconds: False  # no pause between attempts in this test
    configure_logging("INFO")
    logger.add(alerts, level="ERROR", format=lambda r: "{message}\n")
    logger.bind(alert="store").error("store locked")
    assert _wait_for(lambda: alerts.failed == 1)
    alerts.stop()
    assert alerts.sent == 0


def test_the_smtp_mailer_speaks_to_a_real_server():
    from email.message import EmailMessage

    with SmtpServer() as smtp:
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = "hello", "a@x.example", "b@x.example"
        message.set_content("body")
        SmtpMailer("127.0.0.1", smtp.port, security="none").send(message)
    assert smtp.messages[0]["Subject"] == "hello"
