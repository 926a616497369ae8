"""Anthropic Claude through the ``anthropic`` SDK's Messages API.

Named ``anthropic_model`` so it does not shadow the SDK package. The system prompt and the
tool definitions are marked for prompt caching (``wire_anthropic``); sampling parameters are
left at their defaults because newer Sonnet models reject custom ones (api-wire-formats.md §5.1).
"""

from __future__ import annotations

from typing import Any

import anthropic

from ava_core.models.base import ModelRequest, ModelResponse
from ava_core.models.failover import handoff_response
from ava_core.models.reliability import Failure, ProviderCallError, RetryPolicy, failure_from_status
from ava_core.models.wire_anthropic import build_anthropic_request, parse_anthropic_message

# How many times a turn that Claude paused (a long server-side search) is handed back to it to
# finish before AVA settles for what it has; each round is a billed request.
MAX_CONTINUATIONS = 3
REFUSAL_REPLY = "Thanks for your message! I'd like someone from our team to follow up with you on this personally."


def classify_anthropic_error(exc: BaseException) -> Failure | None:
    """An ``anthropic`` SDK exception as a ``Failure``; None for anything else."""
    if isinstance(exc, anthropic.APITimeoutError):
        return Failure(retryable=True, reason="the request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        return Failure(retryable=True, reason="could not connect to api.anthropic.com")
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    reason = f"HTTP {exc.status_code}"
    if exc.type:
        reason += f" {exc.type}"
    if exc.api_message and exc.status_code not in (401, 403):
        reason += f": {exc.api_message[:300]}"
    failure = failure_from_status(exc.status_code, exc.response.headers, reason=reason)
    if exc.error_code == "enforced_spend_limit_reached":
        # A 429 that waiting will not fix: the workspace's monthly spend cap (§5.5).
        return Failure(retryable=False, reason=f"{reason} (workspace spend limit reached)", status=exc.status_code)
    return failure


class AnthropicModel:
    """A ``ChatModel`` over Claude's Messages API."""

    name = "anthropic"
    hints = {
        401: "check AVA_ANTHROPIC_API_KEY",
        403: "the API key's workspace may not use this model; check AVA_ANTHROPIC_MODEL and the Console",
        404: "check AVA_ANTHROPIC_MODEL against the model ids listed in the Anthropic docs",
        429: "rate or spend limit reached; raise it in the Anthropic Console or fail over to another model",
    }

    def __init__(self, client: anthropic.Anthropic, model: str, *, policy: RetryPolicy, max_output_tokens: int = 2048):
        self.client = client
        self.model = model
        self.policy = policy
        self.max_output_tokens = max_output_tokens

    def complete(self, request: ModelRequest) -> ModelResponse:
        """One Messages API call: a reply, tool calls, or both."""
        body = build_anthropic_request(request, model=self.model, max_tokens=self.max_output_tokens)
        payload = self._call(body)
        for _ in range(MAX_CONTINUATIONS):
            if payload.get("stop_reason") != "pause_turn":
                break
            # Claude paused a long turn of server-side searching: its turn so far goes back as-is,
            # as the start of the assistant's turn, and it carries on from there (§5.2).
            so_far = {"role": "assistant", "content": payload.get("content") or []}
            payload = joined(payload, self._call({**body, "messages": [*body["messages"], so_far]}))
        if payload.get("stop_reason") == "pause_turn":
            # Half an answer ("Let me check…") would leave the lead waiting for the rest: fail over.
            raise ProviderCallError(
                f"Claude was still searching after {MAX_CONTINUATIONS} continuations; "
                "the turn fails over; if this repeats, turn web.provider_search off in the profile",
                provider=self.name, failure=Failure(retryable=False, reason="turn still paused"),
                attempts=MAX_CONTINUATIONS + 1,
            )
        response = parse_anthropic_message(payload, provider=self.name)
        if response.finish_reason == "refusal":
            # Claude's safety classifiers stopped the reply: same treatment as Azure's filter.
            refused = handoff_response(
                "Claude declined to answer this conversation; a person should read it and reply.",
                text=REFUSAL_REPLY, provider=self.name,
            )
            return refused.model_copy(update={"usage": response.usage, "model": response.model,
                                              "finish_reason": "refusal"})
        return response

    def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.policy.run(
            lambda: self._create(body), provider=self.name, classify=classify_anthropic_error, hints=self.hints
        )

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        message = self.client.messages.create(**body, timeout=self.policy.timeout)
        return message.model_dump(mode="json")


def joined(paused: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    """A paused turn and its continuation as one response: all the content, the tokens of both."""
    usage = {
        key: ((paused.get("usage") or {}).get(key) or 0) + ((rest.get("usage") or {}).get(key) or 0)
        for key in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    }
    content = [*(paused.get("content") or []), *(rest.get("content") or [])]
    return {**rest, "content": content, "usage": usage}
