"""Fakes for provider tests: an endpoint serving recorded wire payloads, settings, requests.

The openai and anthropic SDKs run on ``httpx2``, so respx cannot see them; each test hands the
SDK an ``httpx2.Client`` over a ``MockTransport`` instead. Nothing here touches the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2

from ava_core.models.base import ChatMessage, ModelRequest, ModelResponse, ToolSchema
from ava_core.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"


def recorded(name: str) -> dict[str, Any]:
    """A recorded exchange: ``{"status", "headers", "body"}`` with the body in the provider's format."""
    return json.loads((FIXTURES / name).read_text())


class FakeEndpoint:
    """Answers each request with the next step: a fixture name, an exchange dict, or an exception to raise."""

    def __init__(self, steps: list[Any]):
        self.steps = list(steps)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected extra request to {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        exchange = recorded(step) if isinstance(step, str) else step
        return httpx2.Response(exchange["status"], headers=exchange.get("headers", {}), json=exchange["body"])

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies AVA sent, in order."""
        return [json.loads(r.content) for r in self.requests]


def make_settings(**values: Any) -> Settings:
    """Settings from keyword values only (no environment, no .env file)."""
    return Settings(_env_file=None, **values)


AZURE = dict(
    azure_openai_endpoint="https://ava-test.openai.azure.com/",
    azure_openai_api_key="azure-key-DO-NOT-PRINT",
    azure_openai_chat_deployment="ava-chat",
)
ANTHROPIC = dict(anthropic_api_key="sk-ant-DO-NOT-PRINT", anthropic_model="claude-sonnet-5-5")
OLLAMA = dict(openai_compatible_base_url="http://localhost:11434/v1", openai_compatible_model="qwen3:8b")

TOOLS = [
    ToolSchema(
        name="get_free_slots",
        description="Open calendar slots in a date range.",
        parameters={
            "type": "object",
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            "additionalProperties": False,
        },
    ),
    ToolSchema(
        name="book_appointment",
        description="Book a slot that get_free_slots returned.",
        parameters={
            "type": "object",
            "properties": {"slot_id": {"type": "string"}},
            "required": ["slot_id"],
            "additionalProperties": False,
        },
    ),
    ToolSchema(
        name="handoff_to_human",
        description="Hand the conversation to a person.",
        parameters={
            "type": "object",
            "properties": {"reason": {"type": "string"}},
            "required": ["reason"],
            "additionalProperties": False,
        },
    ),
]


def lead_asks(text: str = "Can we talk Wednesday morning?", conversation_id: str | None = "42") -> ModelRequest:
    """A one-message request with AVA's tools, as the engine builds it."""
    return ModelRequest(
        system="You are AVA, the assistant of Sunny Solar.",
        messages=[ChatMessage(role="user", text=text)],
        tools=TOOLS,
        conversation_id=conversation_id,
    )


def engine_step(request: ModelRequest, response: ModelResponse, results: dict[str, dict[str, Any]]) -> ModelRequest:
    """The next request, as the engine builds it: the model's turn, then each tool's result by name."""
    messages = [*request.messages, ChatMessage(role="assistant", text=response.text, tool_calls=response.tool_calls)]
    for call in response.tool_calls:
        messages.append(
            ChatMessage(role="tool", tool_call_id=call.id, name=call.name, text=json.dumps(results[call.name]))
        )
    return request.model_copy(update={"messages": messages})
