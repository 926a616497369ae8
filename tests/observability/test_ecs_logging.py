"""Every log line is an ECS document: the field names, the context, errors, and the stdlib route."""

from __future__ import annotations

import json
import logging

from loguru import logger

from ava_core.logging import configure_logging
from ava_core.observability.ecs import BASE_FIELDS, EVENT_FIELD_TYPES, emitted_fields, flatten
from ava_core.observability.events import EVENTS, FIELD_PATHS, event
from ava_core.settings import Settings


def test_a_json_line_has_the_ecs_fields_and_the_conversation_context(capsys):
    configure_logging("INFO", json_lines=True, settings=Settings(environment="staging"))
    logger.bind(conversation_id=42, channel="whatsapp", turn_id="3f2a9c81d2e4").info("turn began")

    line = json.loads(capsys.readouterr().err.strip())
    flat = flatten(line)
    assert flat["message"] == "turn began"
    assert flat["log.level"] == "info"
    assert flat["@timestamp"].endswith("Z")
    assert flat["service.name"] == "ava"
    assert flat["service.environment"] == "staging"
    assert flat["service.version"]
    assert flat["trace.id"] == "3f2a9c81d2e4"
    assert flat["labels.conversation_id"] == "42"
    assert flat["labels.channel"] == "whatsapp"
    assert flat["data_stream.namespace"] == "staging"
    assert set(flat) <= set(BASE_FIELDS)


def test_an_event_carries_its_action_outcome_and_fields_under_their_ecs_names(capture):
    configure_logging("INFO")
    seen = capture()
    event("model_call", conversation_id=7, turn_id="t1", provider="azure", model="gpt-4o", latency_ms=812.5,
          input_tokens=1200, output_tokens=80, cost_usd=0.0038)

    flat = flatten(seen[-1])
    assert flat["event.action"] == "model_call"
    assert flat["event.kind"] == "event"
    assert flat["event.outcome"] == "success"
    assert flat["event.duration"] == 812_500_000  # ECS durations are nanoseconds
    assert flat["gen_ai.system"] == "azure"
    assert flat["gen_ai.request.model"] == "gpt-4o"
    assert flat["gen_ai.usage.input_tokens"] == 1200
    assert flat["gen_ai.usage.output_tokens"] == 80
    assert flat["ava.model.cost_usd"] == 0.0038
    assert flat["trace.id"] == "t1"


def test_a_failed_event_says_failure_and_logs_as_a_warning(capture):
    configure_logging("INFO")
    seen = capture()
    event("tool_call", conversation_id=7, tool="book_appointment", latency_ms=3.0, ok=False)
    assert flatten(seen[-1])["event.outcome"] == "failure"
    assert flatten(seen[-1])["log.level"] == "warning"


def test_a_record_bound_with_an_alert_is_an_alert_event(capture):
    configure_logging("INFO")
    seen = capture()
    logger.bind(alert="booking", conversation_id=9).error("no meeting link")
    flat = flatten(seen[-1])
    assert (flat["event.action"], flat["event.kind"], flat["labels.alert"]) == ("alert", "alert", "booking")


def test_an_exception_fills_the_ecs_error_fields(capture):
    configure_logging("INFO")
    seen = capture()
    try:
        raise TimeoutError("calendar did not answer")
    except TimeoutError:
        logger.exception("booking failed")
    flat = flatten(seen[-1])
    assert flat["error.type"] == "TimeoutError"
    assert flat["error.message"] == "calendar did not answer"
    assert "Traceback" in flat["error.stack_trace"]


def test_the_standard_logging_module_lands_in_the_same_pipeline(capture):
    configure_logging("INFO")
    seen = capture()
    logging.getLogger("azure.functions").warning("host restarted after %s s", 3)
    flat = flatten(seen[-1])
    assert flat["message"] == "host restarted after 3 s"
    assert flat["log.level"] == "warning"
    assert flat["log.logger"] == "azure.functions"
    assert flat["log.origin.function"] == "test_the_standard_logging_module_lands_in_the_same_pipeline"


def test_every_event_field_lands_on_a_documented_typed_field(capture):
    configure_logging("DEBUG")
    seen = capture()
    for action, spec in EVENTS.items():
        if action == "alert":
            continue
        event(action, conversation_id=1, **{name: _sample(name) for name in spec.fields})
    fields = set().union(*(flatten(doc) for doc in seen))
    assert fields <= set(emitted_fields())
    assert set(FIELD_PATHS.values()) == set(EVENT_FIELD_TYPES)
    assert {FIELD_PATHS[f] for spec in EVENTS.values() for f in spec.fields} <= fields


def test_an_unknown_event_or_field_is_reported_and_never_raises(capture):
    configure_logging("INFO")
    seen = capture()
    event("bookd")
    event("booked", conversation_id=3, slot="x", appointment_id=4)
    reports = [flatten(d) for d in seen if d.get("labels", {}).get("alert") == "logging"]
    assert len(reports) == 2 and "'bookd'" in reports[0]["message"] and "['slot']" in reports[1]["message"]
    booked = flatten(next(d for d in seen if d.get("event", {}).get("action") == "booked"))
    assert booked["ava.appointment.id"] == 4 and not any("slot" in k for k in booked)


def test_every_event_call_in_the_code_names_a_known_event_and_fields():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    common = {"conversation_id", "channel", "turn_id", "ok"}
    calls = 0
    for folder in ("ava_core", "webhooks", "activities", "orchestrators"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name not in ("event", "emit", "_emit"):
                    continue
                args = node.args[1:] if name == "_emit" else node.args
                if not (args and isinstance(args[0], ast.Constant)):
                    continue  # ``event`` passing its own argument on
                action = args[0].value
                where = f"{path.relative_to(root)}:{node.lineno}"
                assert action in EVENTS, f"{where}: unknown event {action!r}"
                keywords = {k.arg for k in node.keywords}
                assert keywords <= set(EVENTS[action].fields) | common, f"{where}: {keywords}"
                calls += 1
    assert calls >= 20  # the call sites in the engine, tools, webhooks and models are all read


def test_every_event_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text(encoding="utf-8")
    for action, spec in EVENTS.items():
        assert f"`{action}`" in doc, f"docs/events.md does not describe {action}"
        for name in spec.fields:
            assert f"`{FIELD_PATHS[name]}`" in doc, f"docs/events.md does not name {FIELD_PATHS[name]}"


def _sample(name: str):
    numbers = {"length": 12, "count": 3, "latency_ms": 5.5, "input_tokens": 10, "output_tokens": 5,
               "cost_usd": 0.001, "http_status": 401, "appointment_id": 4}
    if name == "failed_models":
        return ["azure", "anthropic"]
    return numbers.get(name, "text")
