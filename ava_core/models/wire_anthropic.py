"""AVA's messages and tools to and from the Anthropic Messages API wire format.

Reference: https://docs.anthropic.com/en/api/messages and shared/reference/api-wire-formats.md
§5.2 and §5.4. Turns alternate user/assistant, so consecutive messages of one role (several
chat bubbles; tool results and the lead's next words) are merged into one turn, and tool
results travel as ``tool_result`` blocks at the start of a user turn.
"""

from __future__ import annotations

import json
from typing import Any

from ava_core.models.base import (
    ChatMessage,
    ModelRequest,
    ModelResponse,
    ProviderSearch,
    ToolCall,
    ToolSchema,
    Usage,
)
from ava_core.models.wire import paired

# Prompt caching: the cached prefix runs tools -> system -> messages and must match byte
# for byte (api-wire-formats.md §5.4). The tools never change within a deployment, so a
# breakpoint on the last tool caches them even though the system prompt carries the
# current time; a second one on the system block caches it whenever it is unchanged.
EPHEMERAL = {"type": "ephemeral"}
SERVER_SEARCH = {"type": "web_search_20250305", "name": "web_search"}


def to_anthropic_tools(tools: list[ToolSchema]) -> list[dict[str, Any]]:
    """Tool schemas as Anthropic tools, the last one marked for prompt caching."""
    out = [{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools]
    if out:
        out[-1]["cache_control"] = EPHEMERAL
    return out


def to_anthropic_system(system: str, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The system prompt as text blocks: the prompt (cached), then any mid-history system notes."""
    blocks: list[dict[str, Any]] = []
    if system:
        blocks.append({"type": "text", "text": system, "cache_control": EPHEMERAL})
    # Notes go after the cached block so they never change its prefix.
    blocks.extend({"type": "text", "text": n} for n in notes or [] if n)
    return blocks


def to_anthropic_messages(messages: list[ChatMessage]) -> tuple[list[str], list[dict[str, Any]]]:
    """The history as alternating user/assistant turns, plus any system notes found in it."""
    notes: list[str] = []
    turns: list[dict[str, Any]] = []
    for m in paired(messages):
        if m.role == "system":
            notes.append(m.text)
            continue
        role, blocks = _blocks(m)
        if not blocks:
            continue  # the API rejects empty text blocks and empty turns
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        # "tool_result blocks must come first in the user turn" (tool-use docs): results
        # stay in call order, the lead's words follow them.
        turn["content"].sort(key=lambda b: b["type"] != "tool_result")
    return notes, turns


def from_anthropic_messages(turns: list[dict[str, Any]]) -> list[ChatMessage]:
    """Anthropic turns back to AVA's history (one message per text block)."""
    messages: list[ChatMessage] = []
    names: dict[str, str] = {}
    for turn in turns:
        content = turn["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if turn["role"] == "assistant":
            m = message_from_anthropic(content)
            texts = [b["text"] for b in content if b.get("type") == "text" and b.get("text")]
            for text in texts[:-1]:
                messages.append(ChatMessage(role="assistant", text=text))
            messages.append(m.model_copy(update={"text": texts[-1] if texts else ""}))
            names.update({c.id: c.name for c in m.tool_calls})
            continue
        for block in content:
            if block.get("type") == "tool_result":
                call_id = block.get("tool_use_id")
                messages.append(
                    ChatMessage(role="tool", text=_result_text(block.get("content")), tool_call_id=call_id,
                                name=names.get(call_id))
                )
            elif block.get("type") == "text":
                messages.append(ChatMessage(role="user", text=block.get("text", "")))
    return messages


def message_from_anthropic(content: list[dict[str, Any]]) -> ChatMessage:
    """An assistant turn's content blocks as one ``ChatMessage`` (text blocks joined)."""
    texts = [b["text"] for b in content if b.get("type") == "text" and b.get("text")]
    calls = []
    for block in content:
        if block.get("type") != "tool_use":
            continue  # thinking and server-tool blocks are the provider's business, not the lead's
        value = block.get("input")
        if isinstance(value, dict):
            calls.append(ToolCall(id=block["id"], name=block["name"], args=value))
        else:
            calls.append(ToolCall(id=block["id"], name=block["name"], args={}, raw_args=json.dumps(value)))
    return ChatMessage(role="assistant", text="\n\n".join(texts), tool_calls=calls)


def usage_from_anthropic(usage: dict[str, Any] | None) -> Usage:
    """Token usage in AVA's terms: input counts every prompt token, cached the ones read from cache.

    Anthropic's ``input_tokens`` excludes cache reads and writes (api-wire-formats.md §5.4), so
    they are added back; cache writes are priced as plain input (their 1.25x is not modelled).
    """
    if not usage:
        return Usage()
    read = usage.get("cache_read_input_tokens") or 0
    written = usage.get("cache_creation_input_tokens") or 0
    return Usage(
        input_tokens=(usage.get("input_tokens") or 0) + read + written,
        output_tokens=usage.get("output_tokens") or 0,
        cached_tokens=read,
    )


def build_anthropic_request(request: ModelRequest, *, model: str, max_tokens: int) -> dict[str, Any]:
    """Keyword arguments for ``client.messages.create``."""
    notes, turns = to_anthropic_messages(request.messages)
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": turns}
    system = to_anthropic_system(request.system, [request.context, *notes])
    if system:
        body["system"] = system
    tools = request.tools
    if request.provider_search:
        # Claude's server-side search replaces AVA's own web_search tool of the same name (§5.3).
        tools = [t for t in tools if t.name != SERVER_SEARCH["name"]]
    if tools:
        body["tools"] = to_anthropic_tools(tools)
    if request.provider_search:
        body.setdefault("tools", []).append(server_search_tool(request.provider_search))
    return body


def server_search_tool(search: ProviderSearch) -> dict[str, Any]:
    """Anthropic's server-side web search tool (api-wire-formats.md §5.3)."""
    tool: dict[str, Any] = {**SERVER_SEARCH, "max_uses": search.max_uses}
    # The API takes allowed_domains or blocked_domains, never both.
    if search.allowed_domains:
        tool["allowed_domains"] = search.allowed_domains
    elif search.blocked_domains:
        tool["blocked_domains"] = search.blocked_domains
    return tool


def cited_sources(content: list[dict[str, Any]]) -> list[str]:
    """URLs of web search results Claude cited in its text, in order, once each."""
    urls = [
        c.get("url") for b in content if b.get("type") == "text"
        for c in b.get("citations") or [] if c.get("type") == "web_search_result_location" and c.get("url")
    ]
    return list(dict.fromkeys(urls))


def parse_anthropic_message(payload: dict[str, Any], *, provider: str) -> ModelResponse:
    """A Messages API response body as a ``ModelResponse``."""
    content = payload.get("content") or []
    message = message_from_anthropic(content)
    text = message.text
    # The lead sees plain text: a source the answer cites travels with it as its URL.
    missing = [url for url in cited_sources(content) if url not in text]
    if text and missing:
        text = text + "\n\n" + "\n".join(f"Source: {url}" for url in missing)
    return ModelResponse(
        text=text,
        tool_calls=message.tool_calls,
        usage=usage_from_anthropic(payload.get("usage")),
        model=payload.get("model") or "",
        provider=provider,
        finish_reason=payload.get("stop_reason"),
    )


def _blocks(m: ChatMessage) -> tuple[str, list[dict[str, Any]]]:
    """One AVA message as (Anthropic role, content blocks)."""
    if m.role == "tool":
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.text}
        if _failed(m.text):
            block["is_error"] = True
        return "user", [block]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": m.text}] if m.text else []
    if m.role == "assistant":
        # A call whose arguments were not valid JSON is replayed with empty input: the
        # tool result that follows already told the model what was wrong.
        blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.args} for c in m.tool_calls]
        return "assistant", blocks
    return "user", blocks


def _failed(text: str) -> bool:
    """True for a tool result that reports failure (``ToolResult.for_model`` writes ``"ok": false``)."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return False
    return isinstance(value, dict) and value.get("ok") is False


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text")
