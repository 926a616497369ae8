"""The turn engine: rules it enforces whatever the model says, and the trace it keeps."""

from __future__ import annotations

from ava_core.errors import ProviderError
from ava_core.models.base import ModelResponse, Usage
from ava_core.models.replay import ReplayModel, ScriptedCall, ScriptedStep


def _replay(*steps):
    return ReplayModel([s if isinstance(s, ScriptedStep) else ScriptedStep(**s) for s in steps])


def test_a_claimed_booking_that_no_tool_made_is_not_sent(make_assistant, say, channel):
    model = _replay(
        {"text": "Great, you're booked for Wednesday at 9!"},
        {"text": "Happy to help you book. First, do you own your home?"},
    )
    state = say(make_assistant(model=model), "book me for wednesday")
    sent = [m.text for _, m in channel.sent]
    assert sent == ["Happy to help you book. First, do you own your home?"]
    assert [e.name for e in state.trace if e.kind == "guard"] == ["unbacked_claim"]


def test_a_model_that_keeps_claiming_is_replaced_by_a_hand_off(make_assistant, say, channel, store):
    model = _replay(*[{"text": "I've sent the link!"}] * 3)
    state = say(make_assistant(model=model), "send me the link")
    assert [m.text for _, m in channel.sent] == [
        "I'll have one of our solar advisors reach out to you personally, usually within the hour during business hours."
    ]
    assert store.conversation(state.conversation_id).status == "paused"


def test_the_step_cap_ends_in_a_hand_off_not_silence(make_assistant, say, channel, settings):
    loop = [ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})])]
    assistant = make_assistant(model=ReplayModel(loop * 20))
    assistant.engine.max_steps = 3
    state = say(assistant, "hi")
    assert state.step == 3
    assert "handoff_to_human" in state.acted
    assert len(channel.sent) == 1


class _Down:
    name = "down"

    def complete(self, request):
        raise ProviderError("azure: 503 after 4 tries", retryable=True, provider="azure")


def test_a_failing_model_still_answers_the_lead_and_brings_in_a_person(make_assistant, say, channel, store):
    state = say(make_assistant(model=_Down()), "hi")
    assert len(channel.sent) == 1
    assert store.conversation(state.conversation_id).status == "paused"
    assert any(e.kind == "fallback" and not e.ok for e in state.trace)


def test_duplicate_delivery_sends_one_reply(make_assistant, say, channel):
    assistant = make_assistant()
    first = say(assistant, "hi", message_id="wamid.same")
    second = say(assistant, "hi", message_id="wamid.same")
    third = say(assistant, "hi", message_id="wamid.same")
    assert first is not None and second is None and third is None
    assert len(channel.sent) == 2  # the greeting and the first question, once


def test_opt_out_gets_one_confirmation_then_silence(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hi")
    before = len(channel.sent)
    state = say(assistant, "STOP")
    assert state.outcome == "opted_out"
    assert [m.text for _, m in channel.sent[before:]] == ["Understood, you won't hear from us again. Have a great day!"]
    after = say(assistant, "hello? are you there")
    assert after.outcome == "silent" and len(channel.sent) == before + 1


def test_a_reply_in_flight_is_not_sent_after_the_lead_opts_out(make_assistant, say, channel, store):
    assistant = make_assistant()
    state = say(assistant, "hi")
    channel.sent.clear()
    store.set_opted_out(state.contact_id, assistant.engine.clock.now())
    assert assistant.deliver(state) == []
    assert channel.sent == []


def test_a_paused_conversation_gets_no_reply(make_assistant, say, channel, store, clock):
    assistant = make_assistant()
    state = say(assistant, "hi")
    store.set_conversation_status(state.conversation_id, "paused", clock.now(), reason="human took over")
    before = len(channel.sent)
    assert say(assistant, "yes").outcome == "paused"
    assert len(channel.sent) == before


def test_the_trace_records_model_and_tool_calls_with_latency_and_tokens(make_assistant, say, store):
    model = _replay(
        ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})],
                     usage=Usage(input_tokens=900, output_tokens=20, cached_tokens=800)),
        ScriptedStep(text="You're in our area! Do you own your home?", usage=Usage(input_tokens=950, output_tokens=15)),
    )
    state = say(make_assistant(model=model), "is 78704 in your area?")
    kinds = [(e.kind, e.name) for e in state.trace]
    assert kinds == [("model", "replay:replay"), ("tool", "check_service_area"), ("model", "replay:replay")]
    tool = state.trace[1]
    assert tool.args == {"address_or_zip": "78704"} and tool.result["data"]["in_area"] is True
    assert all(e.latency_ms >= 0 for e in state.trace)
    assert state.usage == Usage(input_tokens=1850, output_tokens=35, cached_tokens=800)
    assert store.usage_totals(state.conversation_id)["input_tokens"] == 1850
    assert [c.name for c in store.tool_calls(state.conversation_id)] == ["check_service_area"]


def test_cost_per_turn_comes_from_the_price_table(make_assistant, say, settings):
    from ava_core.models.pricing import ModelPrice

    class Priced:
        name = "priced"

        def complete(self, request):
            return ModelResponse(text="Hi! Do you own your home?", model="gpt-4o", provider="azure",
                                 usage=Usage(input_tokens=1_000_000, output_tokens=100_000))

    assistant = make_assistant(model=Priced())
    assistant.engine.prices = {"gpt-4o": ModelPrice(input=2.5, output=10)}
    state = say(assistant, "hi")
    assert state.cost_usd == 3.5
    assert assistant.store.usage_totals(state.conversation_id)["cost_usd"] == 3.5


def test_the_prompt_is_rendered_from_the_profile_and_the_state(make_assistant, say):
    seen = []

    class Spy:
        name = "spy"

        def complete(self, request):
            seen.append(request)
            return ModelResponse(text="Hi! Do you own your home?")

    say(make_assistant(model=Spy()), "hi there")
    system, context = seen[0].system, seen[0].context
    assert "You are Ava, the solar advisor's assistant at Lone Star Sun Solar" in system
    assert '1. homeowner: "Do you own your home?"' in system
    assert "Still missing: homeowner, monthly_bill, roof_age, roof_shade, zip." in context
    assert "It is Tuesday, December 1, 9:31 AM for the lead." in context
    assert "9:31" not in system  # the stable part stays cacheable
    assert [t.name for t in seen[0].tools][:2] == ["record_qualification", "check_service_area"]
    assert seen[0].messages[-1].text == "hi there"


def test_a_stale_turn_is_detected_when_the_lead_writes_again(make_assistant, say, clock):
    from ava_core.channels import InboundMessage

    assistant = make_assistant()
    received = assistant.receive(InboundMessage(channel="whatsapp", message_id="m1", sender="+1",
                                                text="hi", received_at=clock.now()))
    state = assistant.engine.begin(received.conversation_id)
    assert not assistant.engine.is_stale(state)
    assistant.receive(InboundMessage(channel="whatsapp", message_id="m2", sender="+1",
                                     text="actually one more thing", received_at=clock.now()))
    assert assistant.engine.is_stale(state)


def test_what_was_sent_stays_in_the_history_even_if_a_channel_reuses_an_id(make_assistant, say, store):
    from ava_core.channels.base import SendReceipt

    class Forgetful:
        name = "whatsapp"

        def send(self, to, message):
            return SendReceipt(channel_message_id="always-the-same")

        def typing(self, to, in_reply_to=None):
            pass

    assistant = make_assistant(channels={"whatsapp": Forgetful()})
    say(assistant, "hi")
    state = say(assistant, "yes")
    texts = [m.text for m in store.messages(state.conversation_id) if m.role == "assistant" and m.text]
    assert len(texts) == 3  # greeting, first question, second question: the lead is not greeted twice
    assert "Roughly how much is your average monthly electric bill?" in texts[-1]


def test_a_reply_in_flight_is_not_sent_after_a_person_takes_over(make_assistant, say, channel, store, clock):
    assistant = make_assistant()
    state = say(assistant, "hi")
    channel.sent.clear()
    store.set_conversation_status(state.conversation_id, "paused", clock.now(), reason="agent took over")
    assert assistant.deliver(state.model_copy(update={"turn_id": "later"})) == []
    assert channel.sent == []


def test_the_hand_off_message_and_the_opt_out_confirmation_still_reach_a_paused_lead(
        make_assistant, say, channel, store, clock):
    assistant = make_assistant()
    state = say(assistant, "hi")
    store.set_conversation_status(state.conversation_id, "paused", clock.now(), reason="handed off")
    channel.sent.clear()
    hand_off = state.model_copy(update={"turn_id": "t-handoff", "bubbles": ["A person will call you."],
                                        "acted": ["handoff_to_human"]})
    confirmation = state.model_copy(update={"turn_id": "t-stop", "bubbles": ["Understood."],
                                            "outcome": "opted_out"})
    assert assistant.deliver(hand_off) == ["A person will call you."]
    assert assistant.deliver(confirmation) == ["Understood."]
    assert [m.text for _, m in channel.sent] == ["A person will call you.", "Understood."]


def test_delivering_the_same_turn_again_posts_nothing_twice(make_assistant, say, channel):
    assistant = make_assistant()
    state = say(assistant, "hi")
    before = len(channel.sent)
    assert assistant.deliver(state) == state.bubbles  # a retry: reported as sent...
    assert len(channel.sent) == before  # ...and not posted again


def test_outside_the_window_only_the_template_is_sent_and_stored(make_assistant, say, store):
    from ava_core.channels.base import SendReceipt

    class ClosedWindow:
        name = "whatsapp"

        def __init__(self):
            self.sent = []

        def send(self, to, message):
            self.sent.append(message.text)
            return SendReceipt(channel_message_id=f"wamid.out-{len(self.sent)}", template="hello_again")

        def typing(self, to, in_reply_to=None):
            pass

    channel = ClosedWindow()
    state = say(make_assistant(channels={"whatsapp": channel}), "hi")
    assert len(state.bubbles) > 1 and len(channel.sent) == 1
    replies = [(m.kind, m.text) for m in store.messages(state.conversation_id) if m.role == "assistant"]
    assert replies == [("template", "[template: hello_again]")]
