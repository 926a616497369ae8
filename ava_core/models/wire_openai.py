"""AVA's messages and tools to and from the OpenAI chat-completions wire format.

Used for OpenAI, Azure OpenAI and OpenAI-compatible servers (Ollama, vLLM, LM Studio).
Reference: https://platform.openai.com/docs/api-reference/chat/create and
shared/reference/api-wire-formats.md §4.2 (Azure's extra filter fields are ignored here).
"""

from __future__ import annotations

import uuid
from typing import Any

from ava_core.models.base import (
    ChatMessage,
    ModelRequest,
    ModelResponse,
    ToolCall,
    ToolSchema,
    Usage,
)
from ava_core.models.wire import arguments_text, paired, parse_arguments


def to_openai_tools(tools: list[ToolSchema]) -> list[dict[str, Any]]:
    """Tool schemas as chat-completions ``function`` tools."""
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
        for t in tools
    ]


def to_openai_messages(system: str, messages: list[ChatMessage], *, context: str = "") -> list[dict[str, Any]]:
    """The system prompt, the per-step context and the history as chat-completions messages.

    The stable prompt comes first and alone so that the provider's automatic prefix cache
    can reuse it; the context that changes every step follows it.
    """
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    if context:
        out.append({"role": "system", "content": context})
    for m in paired(messages):
        if m.role in ("system", "user"):
            out.append({"role": m.role, "content": m.text})
        elif m.role == "assistant":
            if not m.text and not m.tool_calls:
                continue  # the API requires content unless tool_calls are given
            wire: dict[str, Any] = {"role": "assistant", "content": m.text or None}
            if m.tool_calls:
                wire["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": arguments_text(c)}}
                    for c in m.tool_calls
                ]
            out.append(wire)
        else:
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.text})
    return out


def from_openai_messages(wire: list[dict[str, Any]]) -> tuple[str, list[ChatMessage]]:
    """Chat-completions messages back to the system prompt and AVA's history."""
    system = ""
    messages: list[ChatMessage] = []
    names: dict[str, str] = {}
    for i, w in enumerate(wire):
        role = w.get("role")
        if role == "system" and i == 0:
            system = _text(w.get("content"))
        elif role == "assistant":
            m = message_from_openai(w)
            names.update({c.id: c.name for c in m.tool_calls})
            messages.append(m)
        elif role == "tool":
            call_id = w.get("tool_call_id")
            messages.append(
                ChatMessage(role="tool", text=_text(w.get("content")), tool_call_id=call_id,
                            name=names.get(call_id) if call_id is not None else None)
            )
        elif role in ("system", "user"):
            messages.append(ChatMessage(role=role, text=_text(w.get("content"))))
    return system, messages


def message_from_openai(message: dict[str, Any]) -> ChatMessage:
    """An assistant message (request history or response choice) as a ``ChatMessage``."""
    calls = []
    for call in message.get("tool_calls") or []:
        if call.get("type", "function") != "function":
            continue  # custom tools are never offered, so they cannot be called
        function = call.get("function") or {}
        args, raw = parse_arguments(function.get("arguments"))
        calls.append(
            ToolCall(
                # Some compatible servers omit the id; the engine needs one to pair the result.
                id=call.get("id") or f"call_{uuid.uuid4().hex[:12]}",
                name=function.get("name") or "",
                args=args,
                raw_args=raw,
            )
        )
    return ChatMessage(role="assistant", text=_text(message.get("content")), tool_calls=calls)


def usage_from_openai(usage: dict[str, Any] | None) -> Usage:
    """Token usage; ``prompt_tokens`` already includes the cached ones."""
    if not usage:
        return Usage()
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=usage.get("prompt_tokens") or 0,
        output_tokens=usage.get("completion_tokens") or 0,
        cached_tokens=details.get("cached_tokens") or 0,
    )


def build_openai_request(
    request: ModelRequest, *, model: str, max_tokens: int, max_tokens_field: str = "max_tokens"
) -> dict[str, Any]:
    """Keyword arguments for ``client.chat.completions.create``."""
    body: dict[str, Any] = {
        "model": model,
        "messages": to_openai_messages(request.system, request.messages, context=request.context),
        max_tokens_field: max_tokens,
    }
    if request.tools:  # an empty list is rejected ("[] is too short - 'tools'")
        body["tools"] = to_openai_tools(request.tools)
    return body


def parse_openai_completion(payload: dict[str, Any], *, provider: str) -> ModelResponse:
    """A chat-completions response body as a ``ModelResponse``."""
    choices = payload.get("choices") or [{}]
    choice = choices[0]
    message = message_from_openai(choice.get("message") or {})
    return ModelResponse(
        text=message.text,
        tool_calls=message.tool_calls,
        usage=usage_from_openai(payload.get("usage")),
        model=payload.get("model") or "",
        provider=provider,
        finish_reason=choice.get("finish_reason"),
    )


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content-part list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
