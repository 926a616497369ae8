"""The Functions app under test: services on a temporary store, a fake durable client, requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from durable_fakes import FakeDurableClient
from pydantic import SecretStr
from whatsapp_requests import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN

from activities.runtime import Services, runtime
from ava_core.channels import InboundMessage
from orchestrators.contracts import LeadMessage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"


@pytest.fixture
def wa_settings(settings):
    return settings.model_copy(update={
        "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN),
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
    })


@pytest.fixture
def services(make_assistant, wa_settings):
    """The worker's services, injected where the Functions app looks them up."""

    def use(**overrides) -> Services:
        transcriber = overrides.pop("transcriber", None)
        whatsapp = overrides.pop("whatsapp", None)
        chosen = Services(settings=overrides.pop("settings", wa_settings), assistant=make_assistant(**overrides),
                          whatsapp=whatsapp, transcriber=transcriber)
        runtime.use(chosen)
        return chosen

    yield use
    runtime.use(None)


@pytest.fixture
def client() -> FakeDurableClient:
    return FakeDurableClient()


@pytest.fixture
def payload():
    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def lead(clock):
    """The lead's side of a conversation: stores a WhatsApp message as the webhook would."""

    class Lead:
        def __init__(self):
            self.count = 0
            self.conversation_id: int | None = None

        def writes(self, assistant, text: str, *, kind: str = "text", media_id: str | None = None,
                   sender: str = "15125550142") -> dict:
            self.count += 1
            wamid = f"wamid.lead-{self.count}"
            inbound = InboundMessage(channel="whatsapp", message_id=wamid, sender=sender, sender_name="Lead One",
                                     phone=f"+{sender}", kind=kind, text=text, received_at=clock.now(),
                                     media_id=media_id)
            received = assistant.receive(inbound)
            self.conversation_id = received.conversation_id
            return LeadMessage(message_id=received.message_id).model_dump()

    return Lead()
