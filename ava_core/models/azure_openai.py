"""Azure OpenAI chat completions, with Azure's content filter turned into a safe reply and a
hand-off instead of an error.

Two APIs (api-wire-formats.md §4.1): the dated one (``openai.AzureOpenAI``, the deployment in
the path and ``AVA_AZURE_OPENAI_API_VERSION`` in the query), and the v1 API
(``AVA_AZURE_OPENAI_CHAT_API=v1``): the plain ``openai.OpenAI`` client on
``<resource>/openai/v1/``, no ``api-version``, the deployment as ``model``.

Reasoning deployments (o-series, gpt-5) take ``max_completion_tokens`` and refuse
``max_tokens`` with a 400 ``unsupported_parameter``; the v1 API and dated versions after
2024-10-21 send the former, and a deployment that refuses the latter gets the former from
then on.

Azure filters in two ways (api-wire-formats.md §4.3): a blocked prompt is HTTP 400 with
``error.code == "content_filter"``; a filtered completion is HTTP 200 with
``finish_reason == "content_filter"`` and empty or partial content. Neither must reach the lead.
"""

from __future__ import annotations

from typing import Any

import openai
from loguru import logger

from ava_core.models.base import ModelRequest, ModelResponse
from ava_core.models.failover import handoff_response
from ava_core.models.openai_compatible import OpenAICompatibleModel

FILTERED_REPLY = "Thanks for your message! I'd like someone from our team to follow up with you on this personally."


class ContentFiltered(Exception):
    """Azure's content filter blocked the prompt; ``categories`` are the ones it flagged."""

    def __init__(self, categories: list[str]):
        super().__init__(", ".join(categories) or "content_filter")
        self.categories = categories


def filtered_categories(error: Any) -> list[str]:
    """The flagged categories of a 400 content-filter error body (the ``error`` object)."""
    if not isinstance(error, dict):
        return []
    inner = error.get("innererror") or {}
    # The service sends ``content_filter_result``; the docs' example says ``content_filter_results``.
    results = inner.get("content_filter_result") or inner.get("content_filter_results") or {}
    return sorted(
        name for name, verdict in results.items()
        if isinstance(verdict, dict) and (verdict.get("filtered") or verdict.get("detected"))
    )


V1 = "v1"


def v1_base_url(endpoint: str, chat_api: str) -> str | None:
    """The v1 API's base URL when the settings choose it (or the endpoint already names it), else
    None: the dated API."""
    trimmed = endpoint.rstrip("/")
    if trimmed.endswith("/openai/v1"):
        return trimmed + "/"
    if chat_api == V1:
        return trimmed + "/openai/v1/"
    return None


def max_tokens_field(api_version: str) -> str:
    """``max_tokens`` up to the 2024-10-21 GA API (its spec has nothing else); the v1 API and later
    dated versions use ``max_completion_tokens``, which reasoning deployments (o-series, gpt-5) require."""
    if api_version.strip().lower() == V1:
        return "max_completion_tokens"
    return "max_tokens" if api_version <= "2024-10-21" else "max_completion_tokens"


def _refuses_max_tokens(exc: openai.BadRequestError) -> bool:
    """The 400 a reasoning deployment answers to ``max_tokens``."""
    return exc.code == "unsupported_parameter" and getattr(exc, "param", None) == "max_tokens"


class AzureOpenAIModel(OpenAICompatibleModel):
    """A ``ChatModel`` over an Azure OpenAI chat deployment (``model`` is the deployment name)."""

    name = "azure"
    hints = {
        401: "check AVA_AZURE_OPENAI_API_KEY, or the identity's token when AVA_AZURE_OPENAI_USE_ENTRA_ID=true",
        403: "with Entra ID the identity needs the 'Cognitive Services OpenAI User' role; also check the "
        "resource's network rules",
        404: "check AVA_AZURE_OPENAI_CHAT_DEPLOYMENT (the deployment name, not the model name) and "
        "AVA_AZURE_OPENAI_API_VERSION (a dated version such as 2024-10-21, or v1)",
    }

    def __init__(
        self, client: openai.OpenAI | openai.AzureOpenAI, deployment: str, *, api_version: str = "2024-10-21", **kwargs
    ):
        super().__init__(client, deployment, **kwargs)
        self.max_tokens_field = max_tokens_field(api_version)

    def complete(self, request: ModelRequest) -> ModelResponse:
        """One step; a filtered prompt or completion becomes a polite reply and a hand-off."""
        try:
            response = super().complete(request)
        except ContentFiltered as blocked:
            return self._filtered(f"the prompt ({', '.join(blocked.categories) or 'unspecified'})")
        if response.finish_reason == "content_filter":
            filtered = self._filtered("the model's reply")
            return filtered.model_copy(update={"usage": response.usage, "model": response.model})
        return response

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        if "max_tokens" in body and self.max_tokens_field == "max_completion_tokens":
            body = _with_completion_tokens(body)  # learnt on an earlier call
        try:
            return super()._create(body)
        except openai.BadRequestError as exc:
            if exc.code == "content_filter":
                raise ContentFiltered(filtered_categories(exc.body)) from exc
            if _refuses_max_tokens(exc) and "max_tokens" in body:
                logger.info("Azure deployment {} is a reasoning model: capping output with max_completion_tokens",
                            self.model)
                self.max_tokens_field = "max_completion_tokens"
                return self._create(_with_completion_tokens(body))
            raise

    def _filtered(self, what: str) -> ModelResponse:
        reason = f"Azure OpenAI's content filter blocked {what}; a person should read this conversation and reply."
        response = handoff_response(reason, text=FILTERED_REPLY, provider=self.name)
        return response.model_copy(update={"model": self.model, "finish_reason": "content_filter"})


def _with_completion_tokens(body: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in body.items() if k != "max_tokens"}
    return {**rest, "max_completion_tokens": body["max_tokens"]}
