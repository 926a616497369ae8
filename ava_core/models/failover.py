"""Never leave a lead without an answer: failover across models, a per-conversation token
budget, and a polite hand-off to a person as the last resort.

The hand-off is an ordinary ``handoff_to_human`` tool call, so the engine runs, audits and
pauses it like any other. Its id starts with ``HANDOFF_ID_PREFIX``; when the engine asks for
the next step after running it, ``closing_reply`` answers without calling any provider again
(the providers just failed, refused or ran over budget on this very history).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence

from loguru import logger

from ava_core.errors import AvaError
from ava_core.models.base import ChatModel, ModelRequest, ModelResponse, ToolCall
from ava_core.models.reliability import step_deadline
from ava_core.observability.events import event

HANDOFF_TOOL = "handoff_to_human"
HANDOFF_ID_PREFIX = "ava_handoff_"
POLITE_REPLY = "Thanks for your patience! Let me bring in someone from our team to help you with this."


def handoff_response(reason: str, *, text: str = POLITE_REPLY, provider: str = "failover") -> ModelResponse:
    """A polite reply plus a ``handoff_to_human`` call with ``reason`` for the team."""
    call = ToolCall(id=f"{HANDOFF_ID_PREFIX}{uuid.uuid4().hex[:12]}", name=HANDOFF_TOOL, args={"reason": reason})
    return ModelResponse(text=text, tool_calls=[call], model="handoff", provider=provider, finish_reason="handoff")


def closing_reply(request: ModelRequest, *, text: str = POLITE_REPLY) -> ModelResponse | None:
    """The reply once AVA's own hand-off has run in this turn (the tool's ``say``, else ``text``).

    It has run when its result is in the history and the conversation is paused: a paused
    conversation starts no new turn, so this is still the turn that handed off (the engine's
    nudges may follow the result). Without a state snapshot, the result must be the last message.
    """
    results = [m for m in request.messages if m.role == "tool" and (m.tool_call_id or "").startswith(HANDOFF_ID_PREFIX)]
    if not results:
        return None
    if request.state is not None:
        if not request.state.handoff:
            return None  # a person resumed the conversation: AVA talks again
    elif request.messages[-1] is not results[-1]:
        return None
    try:
        result = json.loads(results[-1].text)
    except json.JSONDecodeError:
        result = {}
    say = result.get("say") if isinstance(result, dict) else None
    return ModelResponse(text=say or text, model="handoff", provider="failover", finish_reason="handoff")


class FailoverModel:
    """Tries each model in order until one answers; hands off to a person when none does.

    The whole chain runs under one deadline, ``deadline_seconds`` (``AVA_MODEL_STEP_DEADLINE_SECONDS``):
    the providers' retry policy starts no attempt and no wait past it and cuts each call's
    timeout to what is left, and offline models (playbook) still answer after it. Without it the
    worst case stacks: attempts × (timeout + Retry-After) per provider, times the chain, e.g.
    3 × (30 s + 20 s) × 2 providers ≈ 5 minutes for one step. With it, one ``llm_step`` activity
    takes at most the deadline (120 s by default) plus the engine's own store work; the
    orchestrator's durable retry (3 attempts, 5 s apart) runs each attempt as a new invocation,
    so each stays well inside host.json's ``functionTimeout`` (10 minutes, the Consumption
    maximum; the setting is capped at 540 s to keep it so), and a lead waits at most about
    3 × deadline before the hand-off message.
    """

    def __init__(
        self,
        chain: Sequence[ChatModel],
        *,
        text: str = POLITE_REPLY,
        deadline_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not chain:
            raise ValueError("FailoverModel needs at least one model")
        self.chain = list(chain)
        self.name = ">".join(m.name for m in self.chain)
        self.text = text
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        # For logs and the CLI; the per-call record is each response's ``provider``.
        self.answered_by: str | None = None  # the model that answered the last request
        self.failures: list[tuple[str, str]] = []  # (model, error) for the last request

    def complete(self, request: ModelRequest) -> ModelResponse:
        """The first answer from the chain, or a polite reply and a hand-off when every model fails."""
        closing = closing_reply(request, text=self.text)
        if closing is not None:
            self.answered_by, self.failures = None, []
            return closing
        with step_deadline(self.deadline_seconds, clock=self.clock):
            return self._first_answer(request)

    def _first_answer(self, request: ModelRequest) -> ModelResponse:
        log = logger.bind(conversation_id=request.conversation_id)
        self.failures = []
        for model in self.chain:
            try:
                response = model.complete(request)
            except AvaError as exc:
                log.warning("model {} failed, trying the next one: {}", model.name, exc)
                self.failures.append((model.name, str(exc)))
                continue
            except Exception as exc:  # a bug in one provider must not silence the lead
                log.exception("model {} crashed, trying the next one", model.name)
                self.failures.append((model.name, f"{type(exc).__name__}: {exc}"))
                continue
            self.answered_by = model.name
            if self.failures:
                log.info("answered by {} after {} failed", model.name, ", ".join(n for n, _ in self.failures))
                event("model_failover", conversation_id=request.conversation_id, failed_models=[n for n, _ in self.failures], provider=model.name)
            return response if response.provider else response.model_copy(update={"provider": model.name})
        self.answered_by = None
        failed = ", ".join(n for n, _ in self.failures)
        log.bind(alert="model").error("every model failed ({}); handing off to a person", failed)
        event("model_failover", conversation_id=request.conversation_id, failed_models=[n for n, _ in self.failures], ok=False)
        return handoff_response(
            f"AVA's language models are unavailable ({failed} failed); please reply to this lead personally.",
            text=self.text,
        )


class TokenBudgetModel:
    """Stops a conversation's model spend at ``limit`` tokens (input + output) with a polite hand-off.

    ``spent(conversation_id)`` should read the store's totals, which every process shares; without
    it the model keeps its own tally, which only sees the calls made by this process.
    """

    MAX_TRACKED = 10_000  # conversations kept in the local tally; the oldest are forgotten

    def __init__(
        self,
        inner: ChatModel,
        *,
        limit: int,
        spent: Callable[[str], int] | None = None,
        text: str = POLITE_REPLY,
    ):
        self.inner = inner
        self.name = inner.name
        self.limit = limit
        self.text = text
        self._spent = spent
        self._tally: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()  # the Functions worker may run activities in threads

    def used(self, conversation_id: str) -> int:
        """Tokens the conversation has used so far."""
        if self._spent is not None:
            return self._spent(conversation_id)
        with self._lock:
            return self._tally.get(conversation_id, 0)

    def complete(self, request: ModelRequest) -> ModelResponse:
        """The inner model's answer, or a hand-off once the conversation is over budget."""
        closing = closing_reply(request, text=self.text)
        if closing is not None:
            return closing
        cid = request.conversation_id
        if cid is None or self.limit <= 0:
            return self.inner.complete(request)
        used = self.used(cid)
        if used >= self.limit:
            logger.bind(conversation_id=cid, alert="budget").warning(
                "conversation used {} tokens, budget {}; handing off", used, self.limit
            )
            return handoff_response(
                f"This conversation reached AVA's token budget ({used:,} of {self.limit:,} tokens, "
                "AVA_TOKEN_BUDGET_PER_CONVERSATION); please continue it personally.",
                text=self.text,
            )
        response = self.inner.complete(request)
        if self._spent is None:
            with self._lock:
                self._tally[cid] = self._tally.get(cid, 0) + response.usage.input_tokens + response.usage.output_tokens
                self._tally.move_to_end(cid)
                while len(self._tally) > self.MAX_TRACKED:
                    self._tally.popitem(last=False)
        return response
