"""The conversation orchestration, driven on a simulated clock through the real activities.

The lead's messages are stored as the webhook would and arrive as ``lead_message`` events;
what the lead sees is what reached the channel.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from durable_fakes import FakeContext

from activities import delivery, turn, turn_states
from ava_core.channels import InProcessChannel
from ava_core.channels.base import OutboundMessage
from ava_core.channels.voice import type_it_please
from ava_core.errors import ChannelError, StoreError
from ava_core.models.replay import ReplayModel, ScriptedCall, ScriptedStep
from ava_core.pacing import reply_delays
from orchestrators import conversation
from orchestrators.contracts import ConversationStart

ORCHESTRATOR = conversation.conversation.build().get_user_function().orchestrator_function
ACTIVITIES = {
    fb.build().get_user_function().__name__: fb.build().get_user_function()
    for fb in (turn.llm_step, turn.run_tool, turn.hand_off, delivery.send_typing, delivery.send_reply)
}
HANDOFF = ("I'll have one of our solar advisors reach out to you personally, usually within the hour during "
           "business hours.")


def _model(*steps) -> ReplayModel:
    return ReplayModel([s if isinstance(s, ScriptedStep) else ScriptedStep(text=s) for s in steps])


@pytest.fixture
def world(services, lead, clock, channel):
    """A conversation whose first message just arrived; ``events`` are (seconds, text) the lead writes later."""

    class World:
        def __init__(self):
            self.services = None

        def start(self, *steps, events=(), durations=None, activities=None, first="Hi, I saw your ad about solar",
                  first_kind="text", media_id=None, **service_overrides):
            self.services = services(model=_model(*steps), **service_overrides)
            assistant = self.services.assistant
            message = lead.writes(assistant, first, kind=first_kind, media_id=media_id)
            self.conversation_id = lead.conversation_id
            self.input = ConversationStart(conversation_id=lead.conversation_id,
                                           pacing=assistant.engine.profile.pacing,
                                           message_id=message["message_id"]).model_dump(mode="json")
            self.durations = durations
            self.events = [(at, (lambda text=text: lead.writes(assistant, text))) for at, text in events]
            self.context = FakeContext(self.input, start=clock.now(), activities={**ACTIVITIES, **(activities or {})},
                                       events=self.events, durations=durations, on_time=clock.set)
            return self.context

        def run(self, *steps, **kwargs):
            context = self.start(*steps, **kwargs)
            return context, context.run(ORCHESTRATOR)

        @property
        def sent(self) -> list[str]:
            return [m.text for _, m in channel.sent]

        @property
        def store(self):
            return self.services.assistant.store

        def message_id(self, wamid: str) -> int:
            return self.store.message_by_channel_id("whatsapp", wamid)[1].id

        def turn(self, turn_id: str):
            return turn_states.load(self.store, self.conversation_id, turn_id).state

    return World()


def test_three_quick_messages_get_one_answer(world):
    context, output = world.run("Great! Do you own your home?",
                                events=[(2, "I own my home"), (4, "my bill is about $200")])
    assert world.sent == ["Great! Do you own your home?"]
    assert len(context.calls("llm_step")) == 1
    assert context.first("llm_step") == 10.0  # 6 s of quiet after the third message
    [send] = context.calls("send_reply")
    assert world.turn(send["turn_id"]).read_text.splitlines() == [
        "Hi, I saw your ad about solar", "I own my home", "my bill is about $200"]
    assert output["sent"] == 1 and output["outcome"] == "reply"


def test_a_lead_who_keeps_typing_is_answered_when_the_cap_runs_out(world):
    context, _ = world.run("Thanks for all that!", "And what's your ZIP?",
                           events=[(at, f"part {at}") for at in range(5, 50, 5)])
    assert context.first("llm_step") == 30.0  # max_debounce_seconds, not the last message + 6 s


def test_each_bubble_gets_typing_and_a_human_delay(world, channel):
    reply = "Great question! The consultation is free.\n\nIt takes about 30 minutes, by video."
    context, output = world.run(reply)
    bubbles = ["Great question! The consultation is free.", "It takes about 30 minutes, by video."]
    assert world.sent == bubbles
    pacing = world.services.assistant.engine.profile.pacing
    expected = reply_delays(pacing, bubbles, read_text="Hi, I saw your ad about solar", seed="message-1")
    assert context.timers() == [6.0, *expected]  # the debounce window, then one delay per bubble
    assert expected[0] > expected[1]  # the first bubble also waits for reading the lead's message
    assert len(channel.typing_events) == 2  # typing before each bubble
    assert output["sent"] == 2


def test_a_message_during_the_typing_delay_throws_the_reply_away_and_thinks_again(world):
    context, output = world.run("Great! Do you own your home?", "No problem, renters can still ask questions!",
                                events=[(6.5, "actually I rent")])
    assert world.sent == ["No problem, renters can still ask questions!"]
    assert output["regenerations"] == 1
    begins = [c for c in context.calls("llm_step") if c["turn_id"] is None]
    assert len(begins) == 2


def test_a_message_that_arrives_while_thinking_also_makes_the_reply_stale(world):
    context, output = world.run("Great! Do you own your home?", "Got it, you rent.",
                                events=[(7, "wait, I rent")], durations={"llm_step": 3.0})
    assert world.sent == ["Got it, you rent."]
    assert output["regenerations"] == 1


def test_a_second_bubble_made_stale_is_dropped_but_the_first_stays_sent(world, profile):
    reply = "Sure thing!\n\nThe consultation is free and takes 30 minutes, by video, with a solar advisor."
    pacing_first = 6 + reply_delays(profile.pacing, ["Sure thing!"], read_text="Hi, I saw your ad about solar",
                                    seed="message-1")[0]
    _, output = world.run(reply, "Happy to explain more.", events=[(pacing_first + 0.2, "how much is it?")])
    assert world.sent == ["Sure thing!", "Happy to explain more."]
    assert output["regenerations"] == 1


def test_regenerations_are_capped_then_the_lead_is_answered_by_the_next_generation(world):
    # The lead writes half a second into every typing delay, four times in a row.
    context, output = world.run("r1", "r2", "r3", "r4",
                                events=[(6.5, "one"), (13, "two"), (19.5, "three"), (26, "four")])
    assert world.sent == ["r4"]  # after 3 regenerations the reply goes out as it is
    assert context.calls("send_reply")[-1]["check_stale"] is False
    assert output is None
    assert context.continued_with["message_id"] == world.message_id("wamid.lead-5")


def test_an_activity_that_keeps_failing_is_retried_then_hands_off_never_silence(world):
    def broken(_):
        raise RuntimeError("database is locked")

    context, output = world.run(activities={"llm_step": broken})
    assert context.attempts["llm_step"] == 3  # LLM_RETRY: three attempts
    assert world.sent == [HANDOFF]
    assert world.store.conversation(world.conversation_id).status == "paused"
    assert output["outcome"] == "reply"


def test_a_tool_that_keeps_failing_hands_off_and_leaves_a_well_formed_history(world):
    area = ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})])

    def broken(_):
        raise RuntimeError("geocoder timed out")

    context, _ = world.run(area, activities={"run_tool": broken})
    assert context.attempts["run_tool"] == 3
    assert world.sent == [HANDOFF]
    messages = world.store.messages(world.conversation_id)
    call_ids = {c["id"] for m in messages for c in m.tool_calls}
    answered = {m.tool_call_id for m in messages if m.role == "tool"}
    assert call_ids == answered


def test_a_reply_that_cannot_be_sent_hands_off_to_a_person(world):
    class Down(InProcessChannel):
        def send(self, to, message):
            raise ChannelError("WhatsApp is down")

    context, output = world.run("Hello!", channels={"whatsapp": Down("whatsapp")})
    assert context.attempts["send_reply"] == 4  # SEND_RETRY
    assert world.store.conversation(world.conversation_id).status == "paused"
    assert output["sent"] == 0


def test_stop_during_the_typing_delay_stops_the_reply_and_sends_one_confirmation(world):
    _, output = world.run("Great! Do you own your home?", events=[(6.5, "STOP")])
    assert world.sent == ["Understood, you won't hear from us again. Have a great day!"]
    assert output["outcome"] == "opted_out"


def test_stop_after_the_last_regeneration_still_holds_the_reply_back(world, monkeypatch):
    monkeypatch.setattr(conversation, "MAX_REGENERATIONS", 0)
    context, output = world.run("Great! Do you own your home?", events=[(6.5, "STOP")])
    assert world.sent == []  # send_reply saw the STOP although staleness was no longer checked
    assert output is None and context.continued_with is not None
    # The next generation answers the STOP with its one confirmation.
    following = FakeContext(context.continued_with, start=context.current_utc_datetime, activities=ACTIVITIES)
    following.run(ORCHESTRATOR)
    assert world.sent == ["Understood, you won't hear from us again. Have a great day!"]


@pytest.mark.parametrize("again", ["hello?", "STOP"])
def test_the_opt_out_confirmation_is_sent_even_if_the_lead_writes_again_meanwhile(world, again):
    _, output = world.run(first="STOP", events=[(6.5, again)])
    assert world.sent == ["Understood, you won't hear from us again. Have a great day!"]
    assert output is None  # the next generation finds an opted-out lead and stays silent


def test_an_opt_out_the_model_reads_ends_the_turn_with_the_confirmation_in_the_leads_language(world):
    opt_out = ScriptedStep(tool_calls=[ScriptedCall(name="opt_out_lead", args={
        "reason": "the lead wants nothing more from us", "language": "es"})])
    context, output = world.run(opt_out, "this must never be sent", first="ya estuvo, no quiero saber nada de ustedes")
    assert world.sent == ["Entendido, no le volveremos a escribir. ¡Que tenga un excelente día!"]
    assert output["outcome"] == "opted_out"
    assert world.store.contact(world.store.conversation(world.conversation_id).contact_id).opted_out


def test_a_paused_conversation_gets_no_reply(world):
    context = world.start("Hello!")
    world.store.set_conversation_status(world.conversation_id, "paused", context.current_utc_datetime)
    output = context.run(ORCHESTRATOR)
    assert world.sent == [] and output["outcome"] == "paused"
    assert context.calls("send_reply") == []


def test_a_voice_note_is_transcribed_before_the_turn(world):
    class Transcriber:
        def transcribe(self, audio, *, mime_type):
            assert (audio, mime_type) == (b"OggS", "audio/ogg")
            return "I own my home and my bill is about 180"

    class WhatsApp:
        def download_media(self, media_id):
            assert media_id == "media-1"
            return b"OggS", "audio/ogg"

    context, _ = world.run("Thanks! How old is your roof?", first="[voice note]", first_kind="audio",
                           media_id="media-1", transcriber=Transcriber(), whatsapp=WhatsApp())
    assert world.sent == ["Thanks! How old is your roof?"]
    [stored] = [m for m in world.store.messages(world.conversation_id) if m.role == "user"]
    assert stored.text == "[voice note] I own my home and my bill is about 180"


def test_without_transcription_a_voice_note_gets_a_polite_request_to_type(world):
    world.run(first="[voice note]", first_kind="audio", media_id="media-1")  # no model step is scripted
    assert world.sent == [type_it_please("en")]


def test_a_voice_note_in_a_spanish_conversation_gets_the_request_to_type_in_spanish(services, lead, clock):
    assistant = services(model=ReplayModel([])).assistant
    lead.writes(assistant, "hola, vi su anuncio de paneles solares")
    assistant.store.add_message(lead.conversation_id, "assistant", "¡Hola! ¿Es usted dueño de su casa?",
                                at=clock.now())
    lead.writes(assistant, "[voice note]", kind="audio", media_id="media-1")
    saved = ACTIVITIES["llm_step"]({"conversation_id": lead.conversation_id})
    state = turn_states.load(assistant.store, lead.conversation_id, saved["turn_id"]).state
    assert state.bubbles == [type_it_please("es")] != [type_it_please("en")]


def test_replaying_the_same_history_yields_the_same_actions(world):
    live, _ = world.run("Great! Do you own your home?", "No problem!\n\nRenters can still book a call.",
                        events=[(6.5, "actually I rent"), (9, "sorry, typo")])
    replay = FakeContext(world.input, start=live.start, activities={}, history=live.history)
    output = replay.run(ORCHESTRATOR)
    assert replay.actions == live.actions
    assert replay.timers() == live.timers()
    assert output["sent"] == 2


def test_typing_marks_the_leads_newest_message_read(world):
    class Recording(InProcessChannel):
        def __init__(self):
            super().__init__("whatsapp")
            self.read: list[str | None] = []

        def typing(self, to, in_reply_to=None):
            self.read.append(in_reply_to)

    channel = Recording()
    world.run("Got it!", events=[(2, "and another thing")], channels={"whatsapp": channel})
    assert channel.read == ["wamid.lead-2"]
    assert [m.text for _, m in channel.sent] == ["Got it!"]


def test_a_store_failure_after_the_send_does_not_send_the_bubble_again(world):
    context = world.start("Hello! Do you own your home?")
    store = world.store
    confirm = store.confirm_delivery
    failures = []

    def locked_once(*args, **kwargs):
        if not failures:
            failures.append(args)
            raise StoreError("store ava.sqlite3: database is locked")
        return confirm(*args, **kwargs)

    store.confirm_delivery = locked_once
    output = context.run(ORCHESTRATOR)
    assert world.sent == ["Hello! Do you own your home?"]
    assert context.attempts["send_reply"] == 1 and output["sent"] == 1
    [reply] = [m for m in store.messages(world.conversation_id) if m.role == "assistant"]
    assert reply.text == "Hello! Do you own your home?"  # the history keeps what the lead saw


def test_a_send_retried_after_the_worker_died_mid_send_does_not_post_the_bubble_twice(world, channel):
    class DiesAfterPosting(InProcessChannel):
        def send(self, to, message):
            receipt = channel.send(to, message)  # the lead has it...
            if len(channel.sent) == 1:
                raise RuntimeError("worker recycled")  # ...but the activity never finished
            return receipt

    context, output = world.run("Hello!\n\nDo you own your home?", channels={"whatsapp": DiesAfterPosting("whatsapp")})
    assert context.attempts["send_reply"] == 3  # the first bubble was retried, and skipped
    assert world.sent == ["Hello!", "Do you own your home?"]
    assert output["sent"] == 2


def test_a_message_that_arrives_while_the_last_bubble_is_sent_is_answered(world, profile):
    delay = reply_delays(profile.pacing, ["Hello!"], read_text="Hi, I saw your ad about solar",
                         seed="message-1")[0]
    # The Graph API call takes 2 s; the lead writes 1 s into it, after send_reply's last look at the store.
    context, output = world.run("Hello!", events=[(6 + delay + 1, "are you a bot?")], durations={"send_reply": 2.0})
    assert world.sent == ["Hello!"]
    assert output is None  # not completed holding the event: the next generation answers it
    assert context.continued_with["message_id"] == world.message_id("wamid.lead-2")


def test_a_person_taking_over_during_the_typing_delay_stops_the_reply(world):
    def typing_then_a_person_takes_over(payload):
        result = ACTIVITIES["send_typing"](payload)
        world.store.set_conversation_status(world.conversation_id, "paused", world.context.current_utc_datetime,
                                            reason="agent took over")
        return result

    context = world.start("Great! Do you own your home?",
                          activities={"send_typing": typing_then_a_person_takes_over})
    output = context.run(ORCHESTRATOR)
    assert world.sent == []
    assert output["sent"] == 0
    assert [m for m in world.store.messages(world.conversation_id) if m.role == "assistant"] == []


def test_outside_the_24_hour_window_a_reply_of_several_bubbles_becomes_one_template(world, channel):
    class WindowClosed(InProcessChannel):
        """Like WhatsApp when the lead last wrote over a day ago: every bubble becomes the template."""

        def send(self, to, message):
            receipt = channel.send(to, OutboundMessage(text="hello_again", template="hello_again"))
            return receipt.model_copy(update={"template": "hello_again"})

    _, output = world.run("Sure thing!\n\nThe consultation is free.\n\nWant to book?",
                          channels={"whatsapp": WindowClosed("whatsapp")})
    assert world.sent == ["hello_again"]  # once, not once per bubble
    assert output["sent"] == 1
    [stored] = [m for m in world.store.messages(world.conversation_id) if m.role == "assistant"]
    assert (stored.kind, stored.text) == ("template", "[template: hello_again]")  # what the lead got


def test_a_voice_note_restarted_by_the_sweeper_is_transcribed(services, lead, clock, channel):
    from durable_fakes import FakeDurableClient

    from webhooks.sweeper import sweep

    class Transcriber:
        def transcribe(self, audio, *, mime_type):
            return "I own my home"

    class WhatsApp:
        def download_media(self, media_id):
            assert media_id == "media-1"
            return b"OggS", "audio/ogg"

    assistant = services(model=_model("Thanks! How old is your roof?"), transcriber=Transcriber(),
                         whatsapp=WhatsApp()).assistant
    lead.writes(assistant, "[voice note]", kind="audio", media_id="media-1")  # the webhook's start was lost
    client = FakeDurableClient()
    clock.advance(minutes=3)
    assert len(asyncio.run(sweep(client, assistant, clock.now()))) == 1
    [(_, _, start)] = client.started
    FakeContext(start, start=clock.now(), activities=ACTIVITIES, on_time=clock.set).run(ORCHESTRATOR)
    assert [m.text for _, m in channel.sent] == ["Thanks! How old is your roof?"]
    [note] = [m for m in assistant.store.messages(lead.conversation_id) if m.role == "user"]
    assert note.text == "[voice note] I own my home"


def test_the_durable_task_hub_never_holds_the_leads_words_or_number(world):
    """Activity inputs and outputs, events, custom status, input and output: ids and lengths only."""
    area = ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})])
    said = ["Great news, 78704 is in our area!", "Do you own your home?"]
    context, output = world.run(area, "\n\n".join(said), "Renters can still ask!", first="Hi, I'm at 78704",
                                events=[(3, "my bill is $200"), (40, "actually I rent")])
    assert world.sent[:2] == said
    kept = json.dumps([world.input, context.actions, context.history, context.statuses, context.continued_with,
                       output])
    for secret in ["Hi, I'm at 78704", "my bill is $200", "actually I rent", *said, "Renters can still ask!",
                   "78704", "15125550142", "wamid", "Lead One"]:
        assert secret not in kept, f"{secret!r} crossed the durable boundary"
    # What the orchestrator got instead: the turn's ids and lengths, and the text is in the store.
    [first_send, *_] = context.calls("send_reply")
    assert world.turn(first_send["turn_id"]).bubbles[:2] == said


def test_two_messages_while_thinking_get_one_answer_and_the_next_generation_finds_nothing_new(world):
    context, output = world.run("Great! Do you own your home?", "Got it: you rent, and the bill is $200.",
                                events=[(7, "wait, I rent"), (8, "and the bill is $200")], durations={"llm_step": 3.0})
    assert world.sent == ["Got it: you rent, and the bill is $200."]
    answered = context.calls("send_reply")[-1]
    assert world.turn(answered["turn_id"]).read_text.splitlines() == [
        "Hi, I saw your ad about solar", "wait, I rent", "and the bill is $200"]
    # The second event was handed back again: the generation stopped listening, so it does not
    # complete as if nothing could be waiting; the next one looks in the store and ends silent.
    assert output is None and context.continued_with["message_id"] == world.message_id("wamid.lead-3")
    following = FakeContext(context.continued_with, start=context.current_utc_datetime, activities=ACTIVITIES)
    assert following.run(ORCHESTRATOR)["outcome"] == "silent"
    assert world.sent == ["Got it: you rent, and the bill is $200."]


def test_the_crm_hears_the_outcome_once_the_turns_last_bubble_is_sent(world):
    synced: list[tuple[int, list[str]]] = []
    caught_up: list[tuple[int, list[str]]] = []

    class Crm:
        def catch_up(self, conversation_id: int) -> None:
            caught_up.append((conversation_id, list(world.sent)))

        def sync(self, conversation_id: int) -> None:
            synced.append((conversation_id, list(world.sent)))

    context = world.start("Great question! The consultation is free.\n\nIt takes about 30 minutes, by video.")
    world.services.assistant.crm = Crm()
    context.run(ORCHESTRATOR)
    assert synced == [(world.conversation_id, ["Great question! The consultation is free.",
                                               "It takes about 30 minutes, by video."])]
    assert caught_up == [(world.conversation_id, [])]  # before the turn began: what the CRM held earlier
