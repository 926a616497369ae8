"""What every wire format needs from AVA's history before translating it.

``wire_openai`` and ``wire_anthropic`` are the only places that speak a provider's format;
this module holds the rules they share: tool arguments as JSON text, and a history in which
every tool call is answered right after it. Both APIs reject anything else with HTTP 400
(OpenAI: "an assistant message with 'tool_calls' must be followed by tool messages";
Anthropic: "tool_use ids were found without tool_result blocks immediately after").
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from typing import Any

from loguru import logger

from ava_core.models.base import ChatMessage, ToolCall

# The text a tool call gets when its result never reached the store (a crash between the
# model step and the tool step); the model reads it as a failed call and can try again.
UNANSWERED_RESULT = json.dumps({"ok": False, "error": "this tool call did not complete; call it again if needed"})


def parse_arguments(raw: str | dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """Tool-call arguments as a dict, or ``({}, raw)`` when they are not a JSON object."""
    if isinstance(raw, dict):  # some OpenAI-compatible servers send an object, not JSON text
        return raw, None
    if raw is None or not raw.strip():  # a tool without parameters may get "" instead of "{}"
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}, raw
    if not isinstance(value, dict):
        return {}, raw
    return value, None


def arguments_text(call: ToolCall) -> str:
    """The JSON text to send back for a call: the model's own text when it was not valid JSON."""
    if call.raw_args is not None:
        return call.raw_args
    return json.dumps(call.args, ensure_ascii=False)


def paired(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The history with each tool result moved right after its call.

    A lead's message stored while tools ran comes after the results; a call whose result is
    missing gets ``UNANSWERED_RESULT``; a result whose call is not in the window is dropped.
    """
    results: dict[str, deque[ChatMessage]] = defaultdict(deque)
    for m in messages:
        if m.role == "tool" and m.tool_call_id:
            results[m.tool_call_id].append(m)
    out: list[ChatMessage] = []
    for m in messages:
        if m.role == "tool":
            continue
        out.append(m)
        for call in m.tool_calls if m.role == "assistant" else []:
            queue = results.get(call.id)
            if queue:
                result = queue.popleft()
                out.append(result if result.name else result.model_copy(update={"name": call.name}))
            else:
                out.append(ChatMessage(role="tool", tool_call_id=call.id, name=call.name, text=UNANSWERED_RESULT))
    orphans = sum(len(q) for q in results.values())
    orphans += sum(1 for m in messages if m.role == "tool" and not m.tool_call_id)
    if orphans:
        logger.debug("dropped {} tool result(s) whose call is outside the history window", orphans)
    return out
