"""No raw phone number, e-mail, street address or message body reaches any sink, on any event."""

from __future__ import annotations

import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from loguru import logger

from ava_core.logging import configure_logging
from ava_core.observability.events import BODY_FIELDS, EVENTS, event
from ava_core.observability.masking import Masker
from ava_core.settings import Settings
from tests.observability.servers import BulkServer, SmtpServer

PHONE = "+1 512-555-0142"
BARE_PHONE = "15125550199"  # how WhatsApp writes a sender
EMAIL = "jordan.lee@example.com"
ADDRESS = "1200 Barton Springs Rd, Austin, TX 78704"
BODY = "honestly my roof gets sun all day long"
PII = f"Jordan on {PHONE} or {BARE_PHONE}, {EMAIL}, lives at {ADDRESS}"
WRITTEN = f"{BODY}. Call me on {PHONE} or mail {EMAIL}; I'm at {ADDRESS}"  # what a lead writes
RAW = ("555-0142", "5125550142", "5550199", EMAIL, "Barton Springs", BODY)

NUMBERS = {"length": 38, "count": 3, "latency_ms": 12.5, "input_tokens": 100, "output_tokens": 20,
           "cost_usd": 0.01, "http_status": 401, "appointment_id": 9}


def _value(name: str):
    if name in NUMBERS:
        return NUMBERS[name]
    if name == "failed_models":
        return [PII]
    if name in BODY_FIELDS:
        return WRITTEN
    return PII


def test_no_sink_gets_raw_pii_from_any_event_kind(capsys):
    with BulkServer() as elastic, SmtpServer() as smtp:
        configure_logging("DEBUG", json_lines=True, settings=Settings(
            log_ship_to="elasticsearch", log_ship_url=elastic.url, log_ship_flush_seconds=0.05,
            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none", alert_email_to=["ops@solar.example"],
            alert_email_window_seconds=0.1))
        for action, spec in EVENTS.items():
            if action == "alert":
                logger.bind(alert="channel", conversation_id=1).error("alert for {}", PII)
                continue
            event(action, conversation_id=1, channel="whatsapp", turn_id="t1",
                  **{name: _value(name) for name in spec.fields})
        try:
            raise ValueError(f"calendar refused {PII}")
        except ValueError:
            logger.bind(alert="booking").exception("booking crashed for {}", PII)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not smtp.messages:
            time.sleep(0.02)
        configure_logging("INFO")  # flush and stop every background sink

    shipped = [doc for request in elastic.requests for _, doc in request.actions_and_documents()]
    stderr = capsys.readouterr().err
    assert {json.loads(line)["event"]["action"] for line in stderr.splitlines() if '"action"' in line} >= set(EVENTS)
    assert {d.get("event", {}).get("action") for d in shipped} >= set(EVENTS)
    assert smtp.messages, "the alerts were mailed"
    sinks = {"stderr": stderr, "elasticsearch": json.dumps(shipped),
             "e-mail": "".join(m.as_string() for m in smtp.messages)}
    for sink, text in sinks.items():
        leaked = [raw for raw in RAW if raw in text]
        assert leaked == [], f"{sink} received {leaked}"
    body_field = next(d for d in shipped if d.get("event", {}).get("action") == "message_received")
    assert body_field["ava"]["message"]["body"] == f"[message: {len(WRITTEN)} characters]"


def test_message_bodies_are_kept_when_allowed_but_still_masked():
    masker = Masker(message_bodies=True)
    kept = masker.body(WRITTEN)
    assert kept.startswith(BODY)
    assert [raw for raw in RAW if raw in kept] == [BODY]
    assert "[phone]" in kept and "[email]" in kept and "[address]" in kept


def test_what_is_not_pii_is_left_alone():
    masker = Masker()
    for text in ("slot 2026-12-02T10:00:00-06:00 booked", "turn 3f2a9c81d2e4 took 1523.4 ms",
                 "wamid.HBgLMTUxMjU1NTAxNDIVAgASGBQzQUJDMTIz", "12 conversations, 3 booked", "bill $180/month"):
        assert masker.text(text) == text


@settings(max_examples=60, deadline=None)
@given(prefix=st.text(st.characters(categories=["L", "P", "Zs"]), max_size=30),
       suffix=st.text(st.characters(categories=["L", "P", "Zs"]), max_size=30),
       number=st.from_regex(r"\(?512\)?[ .-]?555[ .-]?01[0-9]{2}", fullmatch=True))
def test_a_us_phone_number_is_masked_whatever_words_surround_it(prefix, suffix, number):
    masked = Masker().text(f"{prefix} {number} {suffix}")
    digits = "".join(c for c in number if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit() or c == "[")


@settings(max_examples=60, deadline=None)
@given(user=st.from_regex(r"[a-z][a-z0-9._+-]{0,15}", fullmatch=True),
       domain=st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|co\.uk)", fullmatch=True),
       prefix=st.text(alphabet=st.characters(blacklist_characters="@"), max_size=20))
def test_an_email_address_is_masked_whatever_surrounds_it(user, domain, prefix):
    address = f"{user}@{domain}"
    assert address not in Masker().text(f"{prefix} {address}, thanks")
