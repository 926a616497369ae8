"""Critical errors by e-mail, straight from the app: grouped, counted and rate-limited.

A record is critical when it is an ERROR (or worse) bound with ``alert=<category>``, or any
CRITICAL. Records from the same line of code are one alert: the first opens a window
(``AVA_ALERT_EMAIL_WINDOW_SECONDS``), the others only add to its count, and when the window
closes every open alert goes out in one mail. No more than ``AVA_ALERT_EMAIL_MAX_PER_HOUR``
mails leave in an hour; alerts past that wait and keep counting. So an outage that logs a
thousand identical errors sends one mail that says "1000 times", not a thousand mails.

The mail is built from the masked ECS document, so it carries no more PII than the logs.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal, Protocol

from loguru import logger

MAILER_THREAD = "ava-alert-mailer"
SEND_ATTEMPTS = 3


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """SMTP with STARTTLS (port 587), implicit TLS (465), or neither (a relay on localhost)."""

    def __init__(self, host: str, port: int, *, security: Literal["starttls", "ssl", "none"] = "starttls",
                 username: str | None = None, password: str | None = None, timeout: float = 20.0):
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


@dataclass
class _Alert:
    category: str
    level: str
    message: str
    error: str | None
    first: str
    last: str
    count: int = 1
    opened: float = 0.0
    conversations: list[str] = field(default_factory=list)


def is_critical(record: dict[str, Any]) -> bool:
    level = record["level"].no
    return level >= 50 or (level >= 40 and record["extra"].get("alert") is not None)


class EmailAlerts:
    """A Loguru sink (``write``/``stop``) that mails critical records in counted digests."""

    def __init__(
        self,
        mailer: Mailer,
        *,
        sender: str,
        recipients: list[str],
        environment: str = "local",
        window_seconds: float = 300.0,
        max_per_hour: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.mailer = mailer
        self.sender, self.recipients, self.environment = sender, recipients, environment
        self.window_seconds = window_seconds
        self.max_per_hour = max_per_hour
        self.clock = clock
        self.sent = 0
        self.failed = 0
        self._open: dict[tuple, _Alert] = {}
        self._mailed: deque[float] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=MAILER_THREAD, daemon=True)
        self._thread.start()

    def write(self, message) -> None:
        record = message.record
        if not is_critical(record) or record["thread"].name == MAILER_THREAD:
            return
        doc = record["extra"].get("ecs") or {}
        key = (record["extra"].get("alert"), record["name"], record["function"], record["line"])
        stamp = doc.get("@timestamp", "")
        conversation = (doc.get("labels") or {}).get("conversation_id")
        with self._lock:
            alert = self._open.get(key)
            if alert is None:
                error = doc.get("error") or {}
                alert = self._open[key] = _Alert(
                    category=str(record["extra"].get("alert") or "critical"), level=record["level"].name,
                    message=doc.get("message", ""), first=stamp, last=stamp, opened=self.clock(),
                    error=f"{error['type']}: {error.get('message', '')}" if error.get("type") else None,
                )
            else:
                alert.count += 1
                alert.last = stamp
            if conversation and conversation not in alert.conversations and len(alert.conversations) < 20:
                alert.conversations.append(conversation)
        self._wake.set()

    def stop(self) -> None:
        """Mail whatever is open now (rate limit or not: the process is going away)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(30)

    # --- the mailer thread ------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(min(self.window_seconds, 1.0))
            self._wake.clear()
            try:
                self._mail(self._due())
            except Exception:  # the thread must outlive any one mail
                logger.exception("alert e-mail could not be prepared")
        self._mail(self._due(everything=True), limited=False)

    def _due(self, everything: bool = False) -> list[_Alert]:
        now = self.clock()
        with self._lock:
            if not self._open:
                return []
            oldest = min(a.opened for a in self._open.values())
            if not everything and now - oldest < self.window_seconds:
                return []
            # One mail takes every open alert: the window of the oldest closing sends them all.
            due, self._open = list(self._open.values()), {}
        return due

    def _mail(self, alerts: list[_Alert], *, limited: bool = True) -> None:
        if not alerts:
            return
        now = self.clock()
        while self._mailed and now - self._mailed[0] > 3600:
            self._mailed.popleft()
        if limited and len(self._mailed) >= self.max_per_hour:
            self._reopen(alerts)  # they wait, still counting, until the hour allows a mail
            return
        message = self._message(alerts)
        for attempt in range(SEND_ATTEMPTS):
            try:
                self.mailer.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                if attempt + 1 == SEND_ATTEMPTS:
                    self.failed += 1
                    logger.error("alert e-mail not sent after {} attempts ({} alert(s), {} record(s)): {}",
                                 SEND_ATTEMPTS, len(alerts), sum(a.count for a in alerts), exc)
                    return
                self._stopping.wait(2.0 * (attempt + 1))
            else:
                break
        self.sent += 1
        self._mailed.append(now)

    def _reopen(self, alerts: list[_Alert]) -> None:
        with self._lock:
            for alert in alerts:
                key = ("held", alert.category, alert.message)
                held = self._open.get(key)
                if held is None:
                    self._open[key] = alert
                else:
                    held.count += alert.count
                    held.last = alert.last

    def _message(self, alerts: list[_Alert]) -> EmailMessage:
        total = sum(a.count for a in alerts)
        head = alerts[0]
        subject = f"[AVA {self.environment}] {head.category}: {head.message[:80]}"
        if total > 1:
            subject += f" ({total} times)" if len(alerts) == 1 else f" and {len(alerts) - 1} more alert(s), {total} records"
        lines = [f"AVA ({self.environment}) logged {total} critical record(s) in {len(alerts)} alert(s).", ""]
        for alert in alerts:
            lines += [
                f"[{alert.category}] {alert.level} × {alert.count}",
                f"  {alert.message}",
                *([f"  error: {alert.error}"] if alert.error else []),
                f"  first {alert.first}, last {alert.last}",
                *([f"  conversations: {', '.join(alert.conversations)}"] if alert.conversations else []),
                "",
            ]
        lines.append("Search the logs for event.action : \"alert\" and labels.alert to see every record.")
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content("\n".join(lines))
        return message
