"""A Loguru record as an Elastic Common Schema (ECS) document, masked.

The document is nested JSON (``{"log": {"level": ...}}``), which Elasticsearch indexes as the
dotted ECS fields (``log.level``). ``BASE_FIELDS`` and the event fields of ``events`` are
every field a document can hold: the index template, the Logstash pipeline and the Kibana
objects in ``infra/elk/`` may use these and no others (a test checks).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ava_core.observability.events import BODY_FIELDS, FIELD_PATHS
from ava_core.observability.masking import Masker

if TYPE_CHECKING:
    from loguru import Record

ECS_VERSION = "8.11.0"

# Field → Elasticsearch type, for the document's fixed part.
BASE_FIELDS: dict[str, str] = {
    "@timestamp": "date",
    "message": "match_only_text",
    "ecs.version": "keyword",
    "log.level": "keyword",
    "log.logger": "keyword",
    "log.origin.function": "keyword",
    "log.origin.file.line": "long",
    "service.name": "keyword",
    "service.version": "keyword",
    "service.environment": "keyword",
    "data_stream.type": "constant_keyword",
    "data_stream.dataset": "constant_keyword",
    "data_stream.namespace": "constant_keyword",
    "event.kind": "keyword",
    "event.action": "keyword",
    "event.outcome": "keyword",
    "trace.id": "keyword",
    "labels.conversation_id": "keyword",
    "labels.channel": "keyword",
    "labels.alert": "keyword",
    "error.type": "keyword",
    "error.message": "match_only_text",
    "error.stack_trace": "wildcard",
}
# Types of the event fields (the paths of ``events.FIELD_PATHS``).
EVENT_FIELD_TYPES: dict[str, str] = {
    "ava.message.kind": "keyword",
    "ava.message.length": "long",
    "ava.message.body": "match_only_text",
    "ava.qualification.field": "keyword",
    "ava.qualification.verdict": "keyword",
    "ava.qualification.status": "keyword",
    "ava.reason": "keyword",
    "ava.slots.count": "long",
    "ava.appointment.id": "keyword",
    "ava.appointment.calendar": "keyword",
    "gen_ai.system": "keyword",
    "gen_ai.request.model": "keyword",
    "gen_ai.usage.input_tokens": "long",
    "gen_ai.usage.output_tokens": "long",
    "ava.model.cost_usd": "scaled_float",
    "ava.model.failed": "keyword",
    "ava.tool.name": "keyword",
    "event.duration": "long",
    "ava.webhook.source": "keyword",
    "http.response.status_code": "long",
}


def emitted_fields() -> dict[str, str]:
    """Every field an AVA log document can hold, with its Elasticsearch type."""
    return {**BASE_FIELDS, **EVENT_FIELD_TYPES}


@dataclass(frozen=True)
class Service:
    name: str = "ava"
    version: str = "unknown"
    environment: str = "local"


def document(record: Record, service: Service, masker: Masker) -> dict[str, Any]:
    """The masked ECS document for one Loguru record."""
    extra = record["extra"]
    doc: dict[str, Any] = {
        "@timestamp": record["time"].astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "message": masker.text(record["message"]),
        "ecs": {"version": ECS_VERSION},
        "log": {
            "level": record["level"].name.lower(),
            "logger": extra.get("std_logger") or record["name"],
            "origin": {"function": record["function"], "file": {"line": record["line"]}},
        },
        "service": {"name": service.name, "version": service.version, "environment": service.environment},
        # Elastic's data stream fields: Logstash routes on them, and they name the stream.
        "data_stream": {"type": "logs", "dataset": service.name, "namespace": service.environment},
    }
    action = extra.get("event_action")
    alert = extra.get("alert")
    if alert is not None:
        _put(doc, "labels.alert", str(alert))
    if action is None and alert is not None:
        action = "alert"
    if action is not None:
        _put(doc, "event.action", action)
        _put(doc, "event.kind", "alert" if action == "alert" else "event")
    if "event_outcome" in extra:
        _put(doc, "event.outcome", extra["event_outcome"])
    if extra.get("turn_id") is not None:
        _put(doc, "trace.id", str(extra["turn_id"]))
    if extra.get("conversation_id") is not None:
        _put(doc, "labels.conversation_id", str(extra["conversation_id"]))
    if extra.get("channel") is not None:
        _put(doc, "labels.channel", str(extra["channel"]))
    for name, value in (extra.get("event_fields") or {}).items():
        _put(doc, FIELD_PATHS[name], _field_value(name, value, masker))
    if record["exception"] is not None:
        kind, exc, tb = record["exception"]
        if kind is not None:
            _put(doc, "error.type", kind.__name__)
            _put(doc, "error.message", masker.text(str(exc)))
            _put(doc, "error.stack_trace", masker.text("".join(traceback.format_exception(kind, exc, tb))))
    return doc


def _field_value(name: str, value: Any, masker: Masker) -> Any:
    if name in BODY_FIELDS:
        return masker.body(value)
    if name == "latency_ms":
        return int(round(float(value) * 1_000_000))  # ECS event.duration is in nanoseconds
    return masker.document(value)


def _put(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"log": {"level": "info"}}`` → ``{"log.level": "info"}`` (lists stay values)."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat

