"""The conversation orchestration: gather the lead's messages, think, pace, send.

One instance per conversation (see ``orchestrators.instances``). Each generation answers
one batch of messages:

    gather  durable timer raced against the ``lead_message`` event: wait until the lead has
            been quiet for ``debounce_seconds`` (capped at ``max_debounce_seconds``)
    think   ``llm_step`` (begin + one model step) and ``run_tool`` activities until a reply
    pace    per bubble: ``send_typing``, then a durable timer of ``bubble_delay`` raced
            against the event; a newer message throws the unsent bubbles away and the turn
            is thought again (at most ``MAX_REGENERATIONS`` times)
    send    ``send_reply``: ``Assistant.deliver`` re-checks opt-out and staleness at send time

After the turn the instance completes; the next message starts a fresh one with the same id.
If the lead already wrote again when the last bubble went out, or a message the turn did not
answer is already waiting in the instance when it would end, the instance continues as new
instead, so there is no moment in which that message belongs to no running instance, and the
history of one generation stays a single turn long.

Outside WhatsApp's 24-hour window the first bubble becomes the approved template and the rest
of the turn is dropped (``SendResult.template_sent``): one template per turn, not one per bubble.

A burst of messages: the SDK keeps the last event that found no open wait and hands it to
every later wait. An event not newer than the newest message heard is that re-delivery; the
generation then stops listening (timers alone pace it, ``send_reply`` still checks the store)
and continues as new at its end, so a fresh generation reads whatever came from the store.

Only ids and lengths cross the durable boundary (``orchestrators.contracts``): the turn is
kept sealed in the store, and each activity reads it there.

Durable replay: this code only yields. Time comes from ``context.current_utc_datetime``,
jitter from a hash of the message id (``ava_core.pacing``), and all I/O is in activities.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import azure.durable_functions as df
from loguru import logger

from ava_core.pacing import delay_for_lengths
from orchestrators.contracts import (
    LEAD_MESSAGE,
    ORCHESTRATOR,
    ConversationStart,
    HandOffInput,
    LeadMessage,
    SendInput,
    SendResult,
    StepInput,
    ToolInput,
    TurnView,
    TypingInput,
)

bp = df.Blueprint()

MAX_REGENERATIONS = 3
# Model calls are slow to recover (rate limits): wait longer between attempts than for tools.
LLM_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
TOOL_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)
SEND_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=3_000, max_number_of_attempts=4)


@bp.orchestration_trigger(context_name="context", orchestration=ORCHESTRATOR)
def conversation(context: df.DurableOrchestrationContext):
    """Answer the lead's newest messages once, paced like a person."""
    start = ConversationStart.model_validate(context.get_input(expected_type=dict))
    return (yield from _Turn(context, start).run())


class _Turn:
    """The state of one generation; every method is a generator the orchestrator yields from."""

    def __init__(self, context: df.DurableOrchestrationContext, start: ConversationStart):
        self.ctx = context
        self.start = start
        self.pacing = start.pacing
        self.newest = start.message_id  # the newest lead message heard of
        # One pending wait for the lead's next message, reused across races. A wait created per
        # race stays open after its timer wins, and an event arriving while an activity runs
        # (before the next wait exists) would complete that abandoned wait and be lost.
        self.inbox = context.wait_for_external_event(LEAD_MESSAGE, expected_type=dict)
        # The SDK keeps the last event that found no open wait and hands that same event to every
        # later wait: after a burst, a fresh wait completes at once with a message already read.
        # Then nothing more can be heard in this generation (timers alone pace it, the store
        # decides staleness at send time) and it ends by continuing as new, with a fresh inbox.
        self.listening = True
        self.regenerations = 0
        self.lead_wrote_again = False

    @property
    def seed(self) -> str:
        """From the newest message's id: the same jitter on every replay."""
        return f"message-{self.newest}"

    def run(self):
        while True:
            yield from self._gather()
            state, handed_off = yield from self._think()
            if not state.bubble_chars:
                return self._end(state, sent=0)
            # A hand-off message or an opt-out confirmation goes out as it is: thinking again would
            # only meet a paused conversation or an opted-out lead, and say nothing.
            may_regenerate = (self.regenerations < MAX_REGENERATIONS and not handed_off
                              and state.outcome == "reply")
            ending = yield from self._pace_and_send(state, may_regenerate=may_regenerate)
            if ending == "interrupted":
                self.regenerations += 1
                continue
            return self._end(state, sent=ending)

    def _end(self, state: TurnView, *, sent: int) -> dict[str, Any] | None:
        """Complete, or continue as new when the lead wrote after this turn began.

        An event that arrived while the last activity ran is already in ``self.inbox``: an
        instance that completed holding it would leave that message unanswered (the webhook's
        raise_event succeeded, so nothing starts the instance again until the sweeper)."""
        if self.listening and self.inbox.is_completed:
            news = self._take()
            self.lead_wrote_again = self.lead_wrote_again or (news is not None and news > state.last_message_id)
        if self.lead_wrote_again or not self.listening:  # deaf: the next generation looks in the store
            self._status("continuing", state)
            self.ctx.continue_as_new(self._next_input())
            return None
        return self._summary(state, sent=sent)

    # --- 1 gather -----------------------------------------------------------------------------

    def _gather(self):
        """Wait until the lead has been quiet for the debounce window, or its cap has passed."""
        self._status("gathering")
        debounce = timedelta(seconds=self.pacing.debounce_seconds)
        now = self.ctx.current_utc_datetime
        cap = now + timedelta(seconds=max(self.pacing.max_debounce_seconds, self.pacing.debounce_seconds))
        quiet_until = min(now + debounce, cap)
        while (yield from self._sleep(quiet_until)) is not None:
            quiet_until = min(self.ctx.current_utc_datetime + debounce, cap)

    # --- 2 think ------------------------------------------------------------------------------

    def _think(self):
        """Engine steps as activities until the turn is settled: (state, handed off).

        A step that still fails after its retries hands the conversation off instead."""
        self._status("thinking")
        conversation_id = self.start.conversation_id
        state: TurnView | None = None
        try:
            step = StepInput(conversation_id=conversation_id)
            state = TurnView.model_validate((yield self.ctx.call_activity_with_retry(
                "llm_step", LLM_RETRY, step.model_dump(mode="json"), expected_type=dict)))
            while not state.done:
                for index in range(state.pending):  # each result waits in the store for the next step
                    call = ToolInput(conversation_id=conversation_id, turn_id=state.turn_id, index=index)
                    yield self.ctx.call_activity_with_retry(
                        "run_tool", TOOL_RETRY, call.model_dump(mode="json"), expected_type=dict)
                step = StepInput(conversation_id=conversation_id, turn_id=state.turn_id)
                state = TurnView.model_validate((yield self.ctx.call_activity_with_retry(
                    "llm_step", LLM_RETRY, step.model_dump(mode="json"), expected_type=dict)))
        except Exception as exc:  # an activity failed after its retries
            state = yield from self._hand_off(state, f"a step of the turn kept failing: {_first_line(exc)}")
            return state, True
        return state, False

    def _hand_off(self, state: TurnView | None, reason: str):
        """Never silence: pause AVA and alert the team; the result carries the hand-off message."""
        self._log("warning", f"handing off: {reason}")
        request = HandOffInput(conversation_id=self.start.conversation_id, turn_id=state.turn_id if state else None,
                               reason=reason)
        try:
            result = yield self.ctx.call_activity_with_retry(
                "hand_off", TOOL_RETRY, request.model_dump(mode="json"), expected_type=dict)
        except Exception as exc:
            raise RuntimeError(
                f"conversation {self.start.conversation_id}: the turn and its hand-off both failed "
                f"({_first_line(exc)}); check the store and the activity logs"
            ) from None
        return TurnView.model_validate(result)

    # --- 3 pace and 4 send --------------------------------------------------------------------

    def _pace_and_send(self, state: TurnView, *, may_regenerate: bool):
        """Typing, a human delay, then the bubble; returns how many were sent, or "interrupted"."""
        self._status("pacing", state)
        sent = 0
        for index, chars in enumerate(state.bubble_chars):
            try:
                yield self.ctx.call_activity("send_typing", TypingInput(
                    conversation_id=self.start.conversation_id).model_dump(), expected_type=dict)
            except Exception as exc:  # the typing indicator is cosmetic
                self._log("warning", f"typing indicator failed: {_first_line(exc)}")
            read_chars = state.read_chars if index == 0 else 0
            delay = delay_for_lengths(self.pacing, bubble_chars=chars, read_chars=read_chars, seed=f"{self.seed}:{index}")
            fire_at = self.ctx.current_utc_datetime + timedelta(seconds=delay)
            while (news := (yield from self._sleep(fire_at))) is not None:
                if news > state.last_message_id:
                    if may_regenerate:
                        return "interrupted"  # drop what was not sent; think again with the new message
                    self.lead_wrote_again = True
            request = SendInput(conversation_id=self.start.conversation_id, turn_id=state.turn_id, index=index,
                                check_stale=may_regenerate)
            try:
                result = SendResult.model_validate((yield self.ctx.call_activity_with_retry(
                    "send_reply", SEND_RETRY, request.model_dump(mode="json"), expected_type=dict)))
            except Exception as exc:
                result = SendResult(error=_first_line(exc))
            if result.error:
                # The channel refused or is down: a person has to take over (not via that channel).
                yield from self._hand_off(state, f"the reply could not be sent: {result.error}")
                return sent
            if result.stale and may_regenerate and (not result.sent or index < len(state.bubble_chars) - 1):
                return "interrupted"
            self.lead_wrote_again = self.lead_wrote_again or result.stale
            if not result.sent:
                return sent  # held back at send time: the lead opted out or wrote STOP, or a person took over
            sent += 1
            if result.template_sent:
                return sent  # the window was closed: the template stands for the whole reply
        return sent

    # --- helpers ------------------------------------------------------------------------------

    def _sleep(self, until):
        """A durable timer raced against the lead's next message: the id of a message newer than
        any heard before, or None once ``until`` has come."""
        while self.ctx.current_utc_datetime < until:
            timer = self.ctx.create_timer(until)
            if not self.listening:
                yield timer
                return None
            winner = yield self.ctx.task_any([timer, self.inbox])
            if winner is timer:
                return None
            self._cancel(timer)
            news = self._take()
            if news is not None:
                return news
        return None

    def _take(self) -> int | None:
        """Read the event that just arrived: the id of a message not heard before, then wait afresh;
        None for a message already heard (the SDK handing back a buffered event), then stop listening."""
        message = LeadMessage.model_validate(self.inbox.result)
        if message.message_id <= self.newest:
            self.listening = False
            return None
        self.newest = message.message_id
        self.inbox = self.ctx.wait_for_external_event(LEAD_MESSAGE, expected_type=dict)
        return message.message_id

    def _next_input(self) -> dict[str, Any]:
        """The next generation starts from the newest message (what it says is in the store)."""
        return self.start.model_copy(update={"message_id": self.newest}).model_dump(mode="json")

    def _cancel(self, timer: Any) -> None:
        if not timer.is_completed:
            timer.cancel()

    def _status(self, phase: str, state: TurnView | None = None) -> None:
        self.ctx.set_custom_status({"phase": phase, "turn_id": state.turn_id if state else None,
                                    "regenerations": self.regenerations})

    def _summary(self, state: TurnView, *, sent: int) -> dict[str, Any]:
        self._status("done", state)
        return {"conversation_id": self.start.conversation_id, "turn_id": state.turn_id, "outcome": state.outcome,
                "sent": sent, "regenerations": self.regenerations}

    def _log(self, level: str, text: str) -> None:
        if not self.ctx.is_replaying:  # a replay would log the same line again
            logger.bind(conversation_id=self.start.conversation_id).log(level.upper(), text)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
