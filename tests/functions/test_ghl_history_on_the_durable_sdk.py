"""GoHighLevel conversations through ``/api/ghl`` and the conversation orchestrator on the real
Durable Functions SDK executor, with the real activities on the store and recorded GHL answers:
a lead GHL already knew, and a person on the team who took the conversation over for a while."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from durable_sdk import Instance, World
from ghl_requests import ED25519_KEY, WORKFLOW_SECRET, post, spki_base64
from pydantic import SecretStr
from test_conversation_orchestrator import ACTIVITIES

from ava_core.app import build_ghl
from ava_core.ghl.http import BASE_URL
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.recorded_http import Exchange, RecordedHttp
from ava_core.store import TEAM
from webhooks import ghl

# The SDK decodes a with-retry activity's result through its inner task, which does not carry
# the expected_type the orchestrator passes: a warning about the SDK, not about this code.
pytestmark = pytest.mark.filterwarnings("ignore:azure.functions df_loads was called without expected_type")
receive = ghl.ghl_webhook.build().get_user_function().client_function
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ghl"
LOCATION = "l1C08ntBrFjLS0elLIYU"
MESSAGES = f"{BASE_URL}/conversations/fcanlLgpbQgQhderivVs/messages"
SEND = f"{BASE_URL}/conversations/messages"
CONTACT = f"{BASE_URL}/contacts/cI08i1Bls3iTB9bKgFJh"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _exchange(method: str, url: str, body: dict, *, query: dict | None = None, times: int | None = None) -> Exchange:
    return Exchange.model_validate({"request": {"method": method, "url": url, "query": query or {}},
                                    "response": {"json": body}, "times": times})


def _ghl_answers(history: tuple[str, str]) -> RecordedHttp:
    """GHL as recorded: the lead's contact, the conversation's two pages of history, and a message id
    per reply sent."""
    newer, older = (json.loads(fixture(name)) for name in history)
    cursor = newer["messages"]["lastMessageId"]
    sends = [_exchange("POST", SEND, {"conversationId": "fcanlLgpbQgQhderivVs", "messageId": f"AVAout{n:014d}",
                                      "msg": "Message queued successfully.", "status": "pending"}, times=1)
             for n in range(1, 9)]
    return RecordedHttp([_exchange("GET", CONTACT, json.loads(fixture("contact_get.json"))),
                         _exchange("GET", MESSAGES, older, query={"lastMessageId": cursor}, times=1),
                         _exchange("GET", MESSAGES, newer, times=1), *sends])


class StoreWorld(World):
    """The durable_sdk harness with every activity the real one: only the clock is simulated."""

    def __init__(self, pacing, clock):
        super().__init__(pacing)
        self.clock = clock
        self.now = clock.now()

    def activity(self, name: str, payload: dict, instance: Instance) -> dict:
        self.clock.set(self.now)
        return ACTIVITIES[name](payload)

    def run(self, start_input: dict) -> None:
        """One instance, from its start until it completes."""
        self.now = self.clock.now()
        self.instance = Instance(self, start_input)
        while self.instance.status == "Running":
            self.settle(1.0)
        self.clock.set(self.now)


class Spy:
    """A model whose requests are kept for the test to read."""

    name = "spy"

    def __init__(self, inner):
        self.inner = inner
        self.requests = []

    def complete(self, request):
        self.requests.append(request)
        return self.inner.complete(request)


@pytest.fixture
def ghl_app(services, wa_settings, clock):
    """The Functions app's services on GoHighLevel (recorded), with ``model`` answering."""

    def use(history: tuple[str, str], model=None):
        settings = wa_settings.model_copy(update={
            "ghl_webhook_public_key": spki_base64(ED25519_KEY), "ghl_workflow_secret": SecretStr(WORKFLOW_SECRET),
            "ghl_location_id": LOCATION, "ghl_access_token": SecretStr("pit-test-token")})
        recorded = _ghl_answers(history)
        s = services(settings=settings, model=model, channels=None, ghl=None)
        crm = build_ghl(settings, s.assistant.engine.profile, s.assistant.store, clock, recorded.client())
        s.assistant.channels = {"ghl": crm.channel}
        s.assistant.crm = crm.crm
        return s, recorded

    return use


def _sent(recorded: RecordedHttp) -> list[str]:
    return [json.loads(r.content)["message"] for r in recorded.calls if r.method == "POST" and r.url.path.endswith(
        "/conversations/messages")]


async def test_a_lead_ghl_already_knew_is_not_asked_again_what_they_answered(ghl_app, client, clock):
    s, recorded = ghl_app(("messages_before_ava_page1.json", "messages_before_ava_page2.json"))
    response = await receive(post(fixture("inbound_sms_returning.json")), client=client)
    assert response.status_code == 200
    [(_, _, start)] = client.started
    StoreWorld(s.assistant.engine.profile.pacing, clock).run(start)

    said = "\n".join(_sent(recorded))
    # A week ago the lead told a campaign SMS they own the home and pay about $210 a month.
    assert "own your home" not in said and "electric bill" not in said
    assert "About how old is your roof, in years?" in said
    # Not greeted as a stranger: the team already talked with them, and GHL knows their name (the
    # InboundMessage event carries none).
    assert said.startswith("Hi Jane! This is Ava with Lone Star Sun Solar, following up on your conversation")
    assert s.assistant.store.contact(1).name == "Jane Doe"
    answers = s.assistant.store.answers(1)
    assert (answers["homeowner"].value, answers["monthly_bill"].value) == ("yes", "210")
    reads = [r.url.path for r in recorded.calls if r.method == "GET"]
    assert reads.count("/contacts/cI08i1Bls3iTB9bKgFJh") == 1 and len(reads) == 3 and recorded.unmatched == []


async def test_a_persons_message_is_kept_and_seen_in_the_next_model_request_after_the_pause(ghl_app, client, clock):
    model = Spy(ReplayModel([
        ScriptedStep(text="Hi Jane! This is Ava with Lone Star Sun Solar. Do you own your home?"),
        # After the pause: AVA claiming the booking the person made is still refused...
        ScriptedStep(text="You're booked for Thursday at 10:00 AM with Maria!"),
        ScriptedStep(text="Welcome back, Jane! Anything I can help with before your call with Maria?"),
    ]))
    s, recorded = ghl_app(("messages_page1.json", "messages_page2.json"), model=model)
    store, world = s.assistant.store, StoreWorld(s.assistant.engine.profile.pacing, clock)
    await receive(post(fixture("inbound_sms.json")), client=client)
    world.run(client.started[-1][2])

    takeover = json.loads(fixture("outbound_by_user.json"))
    takeover.update(body="Hi Jane, Maria here from Lone Star Sun. I booked you for Thursday at 10:00 AM, talk soon!")
    response = await receive(post(json.dumps(takeover).encode()), client=client)
    assert (response.status_code, response.get_body()) == (200, b"paused")
    [kept] = [m for m in store.messages(1) if m.role == TEAM]
    assert kept.text.startswith("Hi Jane, Maria here") and kept.channel_message_id == "Hk2Lm3No4Pq5Rs6Tu7Vw"
    again = await receive(post(json.dumps(takeover).encode()), client=client)  # GHL delivers it twice
    assert again.get_body() == b"duplicate" and [m.role for m in store.messages(1)].count(TEAM) == 1

    clock.advance(minutes=s.assistant.engine.profile.crm.pause_minutes + 5)
    later = json.loads(fixture("inbound_sms.json"))
    later.update(messageId="q8Zx7Yw6Vu5Ts4Rq3Po2", body="hey! what do I need to have ready for the call?",
                 dateAdded=clock.now().isoformat())
    await receive(post(json.dumps(later).encode()), client=client)
    world.run(client.started[-1][2])

    request = model.requests[1]
    [team] = [m for m in request.messages if m.name == TEAM]
    assert (team.role, team.text) == ("user", "[team] " + kept.text)  # the other side's words, marked as the team's
    assert "[team] were written to the lead by a person on the business's team" in request.context
    assert request.state.appointment is None  # the person's booking is not AVA's
    assert _sent(recorded) == ["Hi Jane! This is Ava with Lone Star Sun Solar. Do you own your home?",
                               "Welcome back, Jane! Anything I can help with before your call with Maria?"]
