"""A refused WhatsApp webhook leaves a ``webhook_rejected`` event saying why, for the signature alert."""

from __future__ import annotations

import pytest
from loguru import logger
from whatsapp_requests import post

from webhooks import whatsapp

receive = whatsapp.whatsapp_webhook.build().get_user_function().client_function


@pytest.fixture
def rejections():
    seen: list[dict] = []
    sink = logger.add(lambda m: seen.append(m.record["extra"]), level="DEBUG",
                      filter=lambda r: r["extra"].get("event_action") == "webhook_rejected")
    yield seen
    logger.remove(sink)


@pytest.mark.parametrize("signature, reason", [("sha256=" + "0" * 64, "signature: does not match the body"),
                                               (None, "signature: header missing")])
async def test_a_bad_signature_is_a_rejected_webhook_with_a_signature_reason(services, client, payload, rejections,
                                                                             signature, reason):
    services()
    response = await receive(post(payload("text.json"), signature=signature), client=client)
    assert response.status_code == 401
    [rejected] = rejections
    assert rejected["event_fields"] == {"source": "whatsapp", "reason": reason, "http_status": 401}


async def test_an_unreadable_payload_is_rejected_but_not_as_a_signature_failure(services, client, rejections):
    services()
    response = await receive(post(b'{"object": "whatsapp_business_account", "entry": [{'), client=client)
    assert response.status_code == 400
    [rejected] = rejections
    assert rejected["event_fields"]["reason"].startswith("unreadable payload")
