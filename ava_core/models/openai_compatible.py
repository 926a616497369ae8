"""Chat completions on any OpenAI-compatible endpoint: Ollama, vLLM, LM Studio, OpenAI itself.

The client is built in ``providers.py``; this model only translates (``wire_openai``), calls
through the one retry policy (``reliability``) and returns tool calls for the engine to run.
"""

from __future__ import annotations

from typing import Any

import openai

from ava_core.models.base import ModelRequest, ModelResponse
from ava_core.models.reliability import Failure, RetryPolicy, failure_from_status
from ava_core.models.wire_openai import build_openai_request, parse_openai_completion


def classify_openai_error(exc: BaseException) -> Failure | None:
    """An ``openai`` SDK exception as a ``Failure``; None for anything else."""
    if isinstance(exc, openai.APITimeoutError):
        return Failure(retryable=True, reason="the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return Failure(retryable=True, reason="could not connect to the endpoint")
    if isinstance(exc, openai.APIStatusError):
        return failure_from_status(exc.status_code, exc.response.headers, reason=status_reason(exc))
    return None


def status_reason(exc: openai.APIStatusError) -> str:
    """``HTTP 404 DeploymentNotFound: …``; the server's text is left out on 401/403 in case it echoes a key."""
    reason = f"HTTP {exc.status_code}"
    if exc.code:
        reason += f" {exc.code}"
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message")
    if message and exc.status_code not in (401, 403):
        reason += f": {str(message)[:300]}"
    return reason


class OpenAICompatibleModel:
    """A ``ChatModel`` over the chat-completions API of an OpenAI-compatible server."""

    name = "openai_compatible"
    # Local servers understand ``max_tokens``; OpenAI's newer ``max_completion_tokens`` is not
    # implemented everywhere (older Ollama and LM Studio ignore or reject it).
    max_tokens_field = "max_tokens"
    hints = {
        401: "check AVA_OPENAI_COMPATIBLE_API_KEY",
        403: "check AVA_OPENAI_COMPATIBLE_API_KEY",
        404: "check AVA_OPENAI_COMPATIBLE_BASE_URL (it usually ends in /v1) and AVA_OPENAI_COMPATIBLE_MODEL "
        "(e.g. pulled with `ollama pull`)",
    }

    def __init__(self, client: openai.OpenAI, model: str, *, policy: RetryPolicy, max_output_tokens: int = 2048):
        self.client = client
        self.model = model
        self.policy = policy
        self.max_output_tokens = max_output_tokens

    def complete(self, request: ModelRequest) -> ModelResponse:
        """One chat-completions call: a reply, tool calls, or both."""
        body = build_openai_request(
            request, model=self.model, max_tokens=self.max_output_tokens, max_tokens_field=self.max_tokens_field
        )
        payload = self.policy.run(
            lambda: self._create(body), provider=self.name, classify=classify_openai_error, hints=self.hints
        )
        return parse_openai_completion(payload, provider=self.name)

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        completion = self.client.chat.completions.create(**body, timeout=self.policy.timeout)
        return completion.model_dump(mode="json")
