"""A long GoHighLevel conversation keeps only a window in the store; what left it reaches every
later model request through the running summary in the context prompt."""

from __future__ import annotations

from ghl_recorded import CONTACT

from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.crm import CrmMirror
from ava_core.ghl.history import CrmHistory
from ava_core.models.base import ModelResponse
from ava_core.models.playbook import PlaybookModel
from ava_core.state import EarlierLine, EarlierView
from ava_core.store.crm import CrmRecords

# A lead as they write: the ask, the answers, an objection, then the rest of the flow.
FIRST = "Hi! saw ur ad on facebook about solar, can u send me a quote for my house in austin?"
LEAD = [
    FIRST,
    "yes we own it",
    "ugh its like 240 a month in the summer",
    "roof is maybe 12 yrs old",
    "is this one of those scams tho? my neighbor got burned by a solar company",
    "full sun mostly",
    "78704",
    "hmm none of those work for me",
    "ok",
]


class Spy:
    """The offline playbook, with every request it is handed kept for the test to read."""

    name = "spy"

    def __init__(self, profile):
        self.inner = PlaybookModel(profile)
        self.requests = []

    def complete(self, request):
        self.requests.append(request)
        return self.inner.complete(request)


def test_a_long_ghl_conversations_early_facts_reach_the_models_request(make_assistant, ghl, store, profile, clock):
    spy = Spy(profile)
    assistant = make_assistant(model=spy, channels={"ghl": InProcessChannel("ghl")})
    api, _ = ghl()  # the CRM's contacts stay untouched: only the history is kept to its window
    assistant.crm = CrmMirror(GhlContacts(api), store, profile, clock, mirror_all=False, write_contacts=False,
                              history=CrmHistory(store, profile, clock))
    for number, text in enumerate(LEAD, start=1):
        assistant.handle(InboundMessage(channel="ghl", message_id=f"ghl-msg-{number}", sender=CONTACT,
                                        sender_name="Jane Doe", text=text, received_at=clock.now()))
        clock.advance(hours=3)  # past the time a late webhook retry could still arrive

    last = spy.requests[-1]
    shown = [m.text for m in last.messages]
    assert FIRST not in shown and LEAD[4] not in shown  # folded out of the store's window
    earlier = last.state.earlier
    assert earlier is not None and earlier.messages > 0
    # What they asked for, their name, their answers and their objection are still in front of the model.
    assert f'- Lead: "{FIRST}"' in last.context
    assert "Lead's name: Jane Doe" in last.context
    assert 'homeowner: "yes"' in last.context and 'monthly_bill: "240"' in last.context
    assert 'roof_age: "12"' in last.context
    assert "is this one of those scams tho?" in last.context
    assert "never ask again what they already told you" in last.context
    assert len(store.messages(last.state.conversation_id)) <= profile.crm.history_window


def test_a_lead_ghl_knew_before_ava_is_greeted_as_known_and_their_answers_recorded(make_assistant, store, clock):
    spy_requests = []

    class Spy:
        name = "spy"

        def complete(self, request):
            spy_requests.append(request)
            return ModelResponse(text="Hi Jane! Good to hear from you again.")

    assistant = make_assistant(model=Spy(), channels={"ghl": InProcessChannel("ghl")})
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    before = EarlierView(messages=2, from_crm=2, opening=[
        EarlierLine(who="business", text="Do you own your home?"), EarlierLine(who="lead", text="yes, since 2015")])
    CrmRecords(store).fold(cid, [], before.model_dump(mode="json"), clock.now(), history_read=True)
    assistant.handle(InboundMessage(channel="ghl", message_id="m-1", sender=CONTACT, sender_name="Jane Doe",
                                    text="hi again!", received_at=clock.now()))
    [request] = spy_requests
    assert "2 messages, 2 of them in the CRM from before you took part" in request.context
    assert '- Business (automated): "Do you own your home?"\n- Lead: "yes, since 2015"' in request.context
    assert "record the answers they gave before you took part" in request.context
