"""Logging set-up: every record becomes a masked ECS document, then goes to the sinks.

    logger.info / event(...) / the standard ``logging`` module (Functions host, SDKs)
        └─▶ patcher: the record's ECS document, PII masked (``ava_core/observability``)
              ├─▶ stderr: readable lines for people, or the ECS JSON lines (AVA_LOG_JSON)
              ├─▶ Elasticsearch ``_bulk`` or Logstash, from a background thread (AVA_LOG_SHIP_TO)
              └─▶ critical alerts by e-mail, counted and rate-limited (AVA_SMTP_HOST)

Masking happens once, in the patcher, before any sink sees the record; sinks only write the
document or the masked message.
"""

from __future__ import annotations

import atexit
import inspect
import json
import logging
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any

from loguru import logger

from ava_core.errors import ConfigError
from ava_core.observability.ecs import Service, document
from ava_core.observability.email_alerts import MAILER_THREAD, EmailAlerts, SmtpMailer
from ava_core.observability.masking import Masker
from ava_core.observability.shipping import (
    SHIPPER_THREAD,
    ElasticsearchBulk,
    LogstashHttp,
    Shipper,
    Target,
)

if TYPE_CHECKING:
    from loguru import Record

    from ava_core.settings import Settings

_HUMAN = "<green>{time:HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | {name}:{line} - {message}"
_stoppable: list[Any] = []  # background sinks, stopped (flushed) at exit or on the next set-up


def configure_logging(
    level: str = "INFO", *, json_lines: bool = False, quiet: bool = False, settings: Settings | None = None
) -> None:
    """Route every record through masking to stderr, and, with ``settings``, to the shipper and e-mail.

    ``quiet`` keeps errors only (for interactive commands).
    """
    _stop_background_sinks()
    logger.remove()
    service = Service(version=_version(), environment=settings.environment if settings else "local")
    masker = Masker(message_bodies=bool(settings and settings.log_message_bodies),
                    region=settings.log_pii_region if settings else "US")
    logger.configure(patcher=lambda record: _patch(record, service, masker))
    stderr_level = "ERROR" if quiet else level
    if json_lines:
        logger.add(sys.stderr, level=stderr_level, format=_json_format, colorize=False,
                   backtrace=False, diagnose=False)
    else:
        logger.add(sys.stderr, level=stderr_level, format=_human_format, backtrace=False, diagnose=False)
    if settings is not None:
        shipper = build_shipper(settings)
        if shipper is not None:
            logger.add(shipper, level=level, format=_bare_format, catch=True)
            _stoppable.append(shipper)
        alerts = build_email_alerts(settings)
        if alerts is not None:
            logger.add(alerts, level="ERROR", format=_bare_format, catch=True)
            _stoppable.append(alerts)
    route_standard_logging(level)


def build_shipper(settings: Settings) -> Shipper | None:
    """The shipping sink chosen by AVA_LOG_SHIP_TO, or None when logs stay local."""
    if settings.log_ship_to == "off":
        return None
    import httpx

    if not settings.log_ship_url:
        raise ConfigError(f"AVA_LOG_SHIP_TO={settings.log_ship_to} needs AVA_LOG_SHIP_URL: the Elasticsearch "
                          "base URL, or the Logstash http input's URL; or set AVA_LOG_SHIP_TO=off")
    target: Target
    if settings.log_ship_to == "elasticsearch":
        key = settings.log_ship_api_key.get_secret_value() if settings.log_ship_api_key else None
        target = ElasticsearchBulk(settings.log_ship_url, data_stream(settings.environment), api_key=key)
    else:
        target = LogstashHttp(settings.log_ship_url)
    client = httpx.Client(timeout=httpx.Timeout(settings.log_ship_timeout_seconds, connect=5.0))
    return Shipper(target, client, batch_size=settings.log_ship_batch_size,
                   flush_seconds=settings.log_ship_flush_seconds, queue_size=settings.log_ship_queue_size,
                   max_retries=settings.log_ship_max_retries)


def build_email_alerts(settings: Settings) -> EmailAlerts | None:
    """The e-mail sink when SMTP and recipients are set, else None."""
    if not (settings.smtp_host and settings.alert_email_to):
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, security=settings.smtp_security,
                        username=settings.smtp_username, password=password)
    return EmailAlerts(mailer, sender=settings.alert_email_from or f"ava@{settings.smtp_host}",
                       recipients=settings.alert_email_to, environment=settings.environment,
                       window_seconds=settings.alert_email_window_seconds,
                       max_per_hour=settings.alert_email_max_per_hour)


def data_stream(environment: str) -> str:
    """Elastic's data stream naming: ``logs-<dataset>-<namespace>``, the environment as namespace."""
    return f"logs-ava-{environment}"


class _ToLoguru(logging.Handler):
    """Hands standard ``logging`` records to Loguru, keeping their level and origin."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName in (SHIPPER_THREAD, MAILER_THREAD):
            return  # the shipper's own HTTP requests must not log lines that need shipping
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame, depth = frame.f_back, depth + 1
        logger.opt(depth=depth, exception=record.exc_info).bind(std_logger=record.name).log(
            level, record.getMessage())


def route_standard_logging(level: str = "INFO") -> None:
    """Send the standard ``logging`` module's records (Functions host, SDKs) into Loguru too.

    The host's own handlers stay: Azure still gets its lines, now also masked ones from AVA.
    """
    root = logging.getLogger()
    if not any(isinstance(h, _ToLoguru) for h in root.handlers):
        root.addHandler(_ToLoguru())
    number = logging.getLevelName(level.upper())
    root.setLevel(number if isinstance(number, int) else logging.INFO)
    # A line per HTTP request at INFO, headers included: kept to warnings.
    for noisy in ("httpx", "httpcore", "azure.core.pipeline.policies.http_logging_policy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _patch(record: Record, service: Service, masker: Masker) -> None:
    doc = document(record, service, masker)
    record["message"] = doc["message"]
    record["extra"]["ecs"] = doc
    record["extra"]["ecs_json"] = json.dumps(doc, ensure_ascii=False, default=str)


def _json_format(record: Record) -> str:
    # A format function, not a string: Loguru would append its own (unmasked) traceback to a string.
    return "{extra[ecs_json]}\n"


def _bare_format(record: Record) -> str:
    return "{message}\n"


def _human_format(record: Record) -> str:
    """Readable line; a traceback is the masked one from the document, never Loguru's raw one."""
    stack = ((record["extra"].get("ecs") or {}).get("error") or {}).get("stack_trace")
    if stack:
        record["extra"]["ecs_stack"] = stack
        return _HUMAN + "\n{extra[ecs_stack]}"
    return _HUMAN + "\n"


def _version() -> str:
    try:
        return metadata.version("ava")
    except metadata.PackageNotFoundError:
        return "unknown"  # run from source (the Functions app), not installed


def _stop_background_sinks() -> None:
    while _stoppable:
        _stoppable.pop().stop()


atexit.register(_stop_background_sinks)
