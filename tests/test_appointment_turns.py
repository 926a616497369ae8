"""A language model changing a booking, driven by scripted steps: it cancels and moves through the
tools, the guards refuse a cancel or a move no tool made, accept the times of a moved booking,
and the lead always hears where their appointment stands."""

from __future__ import annotations

from ava_core.models.replay import ReplayModel, ScriptedCall, ScriptedStep
from tests.scripted import call, qualify

BOOKED = [
    qualify(),
    ScriptedStep(tool_calls=[ScriptedCall(name="get_free_slots")]),
    ScriptedStep(tool_calls=[ScriptedCall(name="book_appointment", args={"slot_id": "2026-12-02T09:00:00-06:00"})]),
    ScriptedStep(tool_calls=[ScriptedCall(name="send_meeting_link")]),
    ScriptedStep(text="You're booked for Wednesday at 9:00 AM! Here's your link: https://meet.lonestarsun.example/consult/1"),
]
HANDOFF = "I'll have one of our solar advisors reach out to you personally, usually within the hour during business hours."


def _say(text):
    return ScriptedStep(text=text)


def _booked_then(make_assistant, say, *steps):
    """A lead the model qualified and booked for Wednesday 9 AM; then ``steps`` answer their next message."""
    model = ReplayModel([*BOOKED, *steps])
    assistant = make_assistant(model=model)
    state = say(assistant, "I own my home in 78704, $300 bill, 3 year old roof, full sun. Wednesday 9am please")
    return assistant, state.conversation_id


def _sent(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


def test_a_model_confirms_then_cancels_and_the_lead_is_told(make_assistant, say, channel, store):
    assistant, conversation = _booked_then(
        make_assistant, say,
        _say("Of course. Just to confirm, cancel your Wednesday 9:00 AM consultation?"),
        call("cancel_appointment", reason="schedule conflict"),
        _say("Done, your Wednesday 9:00 AM consultation is cancelled. Text me anytime to pick a new time."),
    )
    say(assistant, "i need to cancel sorry")
    assert store.active_appointment(conversation) is not None
    before = len(channel.sent)
    state = say(assistant, "yes")
    assert _sent(channel, before) == [
        "Done, your Wednesday 9:00 AM consultation is cancelled. Text me anytime to pick a new time."]
    assert "cancel_appointment" in state.acted
    assert store.active_appointment(conversation) is None
    assert [e.kind for e in state.trace].count("guard") == 0


def test_a_false_ive_cancelled_it_is_not_sent(make_assistant, say, channel, store):
    assistant, conversation = _booked_then(
        make_assistant, say,
        _say("No problem, I've cancelled it for you!"),
        _say("I can cancel it for you. Just to confirm, cancel your Wednesday 9:00 AM consultation?"),
    )
    before = len(channel.sent)
    state = say(assistant, "cancel my appointment pls")
    assert _sent(channel, before) == [
        "I can cancel it for you. Just to confirm, cancel your Wednesday 9:00 AM consultation?"]
    [guard] = [e for e in state.trace if e.kind == "guard"]
    assert guard.args["claims"] == ["cancelled"]
    assert store.active_appointment(conversation) is not None


def test_a_false_spanish_cancellation_is_not_sent(make_assistant, say, channel):
    assistant, _ = _booked_then(make_assistant, say, _say("¡Listo! Su cita quedó cancelada."),
                                _say("¿Confirma que cancelo su consulta del miércoles a las 9:00?"))
    state = say(assistant, "cancela la cita")
    assert _sent(channel)[-1] == "¿Confirma que cancelo su consulta del miércoles a las 9:00?"
    assert [e.args["claims"] for e in state.trace if e.kind == "guard"] == [["cancelled"]]


def test_a_move_no_tool_made_is_not_claimed(make_assistant, say, channel, store):
    assistant, conversation = _booked_then(
        make_assistant, say,
        _say("Sure, I've rescheduled you, see you then!"),
        call("get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"}),
        _say("Sure! On Thursday I have 9:00 AM, 9:30 AM or 10:00 AM. Which works?"),
    )
    state = say(assistant, "can we do thursday instead")
    assert _sent(channel)[-1] == "Sure! On Thursday I have 9:00 AM, 9:30 AM or 10:00 AM. Which works?"
    assert [e.args["claims"] for e in state.trace if e.kind == "guard"] == [["rescheduled"]]
    assert store.active_appointment(conversation).slot_id == "2026-12-02T09:00:00-06:00"


def test_a_model_moves_the_booking_and_may_name_the_old_and_new_times(make_assistant, say, channel, store):
    assistant, conversation = _booked_then(
        make_assistant, say,
        call("get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"}),
        _say("Sure! On Thursday I have 9:00 AM, 9:30 AM or 10:00 AM. Which works?"),
        call("reschedule_appointment", slot_id="2026-12-03T09:30:00-06:00"),
        _say("Done! I've moved your consultation from Wednesday at 9:00 AM to Thursday at 9:30 AM. "
             "Here's your link for the new time: https://meet.lonestarsun.example/consult/2"),
    )
    say(assistant, "can we do thursday instead")
    assert [c.title for c in channel.sent[-1][1].choices] == [
        "Thu Dec 3, 9:00 AM", "Thu Dec 3, 9:30 AM", "Thu Dec 3, 10:00 AM"]
    before = len(channel.sent)
    state = say(assistant, "9:30")
    assert _sent(channel, before) == [
        "Done! I've moved your consultation from Wednesday at 9:00 AM to Thursday at 9:30 AM. "
        "Here's your link for the new time: https://meet.lonestarsun.example/consult/2"]
    assert [e for e in state.trace if e.kind == "guard"] == []
    moved = store.active_appointment(conversation)
    assert (moved.slot_id, moved.link_sent) == ("2026-12-03T09:30:00-06:00", True)


def test_a_move_the_reply_never_names_is_told_to_the_lead_first(make_assistant, say, channel, store):
    assistant, conversation = _booked_then(
        make_assistant, say,
        call("get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"}),
        call("reschedule_appointment", slot_id="2026-12-03T09:30:00-06:00"),
        _say("All done! Anything else?"),
    )
    before = len(channel.sent)
    say(assistant, "move it to thursday 9:30 please")
    moved = store.active_appointment(conversation)
    assert _sent(channel, before) == [
        "Your solar consultation is moved from Wednesday, Dec 2 at 9:00 AM to Thursday, Dec 3 at 9:30 AM. "
        f"Here's your meeting link: {moved.link}",
        "All done! Anything else?"]


def test_a_cancel_the_reply_never_mentions_is_told_to_the_lead_first(make_assistant, say, channel):
    assistant, _ = _booked_then(make_assistant, say, call("cancel_appointment"), _say("Anything else I can do?"))
    before = len(channel.sent)
    say(assistant, "yes cancel it")
    assert _sent(channel, before) == ["Your solar consultation on Wednesday, Dec 2 at 9:00 AM is cancelled.",
                                      "Anything else I can do?"]


def test_a_hand_off_right_after_a_cancel_is_given_the_cancellation_to_say(make_assistant, say, store):
    assistant, conversation = _booked_then(
        make_assistant, say, call("cancel_appointment"), call("handoff_to_human", reason="the lead is upset"),
        _say("A manager will be in touch."))
    state = say(assistant, "yes cancel it. and I want to talk to a manager")
    [result] = [e.result for e in state.trace if e.kind == "tool" and e.name == "handoff_to_human"]
    assert result["data"]["say"] == f"Your solar consultation on Wednesday, Dec 2 at 9:00 AM is cancelled.\n\n{HANDOFF}"
    assert state.bubbles[0] == "Your solar consultation on Wednesday, Dec 2 at 9:00 AM is cancelled."
    assert store.active_appointment(conversation) is None


def test_the_tools_are_offered_to_a_model_with_descriptions(make_assistant):
    schemas = {s.name: s for s in make_assistant().engine.toolbox.schemas()}
    assert "confirm" in schemas["cancel_appointment"].description
    assert schemas["reschedule_appointment"].parameters["required"] == ["slot_id"]
    assert "get_free_slots" in schemas["reschedule_appointment"].description


def test_the_system_prompt_tells_a_model_how_to_cancel_and_move(make_assistant):
    system = make_assistant().engine._system
    assert "`cancel_appointment`" in system and "`reschedule_appointment`" in system
    assert "never book them and never hand them off for it" in system


def test_a_business_can_add_its_own_ways_of_claiming_a_cancellation(profile, make_assistant, say):
    from ava_core.agent.guards import unbacked_claims

    own = profile.model_copy(update={"claims": {"en": {"cancelled": ["it's off the calendar"]}}})
    assistant, conversation = _booked_then(make_assistant, say)
    state = assistant.engine._snapshot(assistant.engine.begin(conversation))
    assert unbacked_claims("Sure, it's off the calendar!", state, acted=set(), profile=own) == ["cancelled"]
    assert unbacked_claims("Sure, it's off the calendar!", state, acted={"cancel_appointment"}, profile=own) == []
    assert unbacked_claims("Sure, it's off the calendar!", state, acted=set(), profile=profile) == []
