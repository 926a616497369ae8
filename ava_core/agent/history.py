"""The model's view of the conversation: stored messages as provider-neutral ``ChatMessage``s."""

from __future__ import annotations

from ava_core.models.base import ChatMessage, ToolCall
from ava_core.store import BUSINESS, TEAM, StoredMessage

# Enough context for a sales conversation while bounding prompt size; older turns are
# summarised by the channel's history (GoHighLevel) or simply fall out of the window.
WINDOW = 80
# A message a person on the business's team wrote goes to the model as the other side's, marked
# (the context prompt says what the mark means) and named, so it is never read as AVA's own words
# nor as the lead's.
TEAM_MARK = "[team]"
# A message the business's automation sent (a CRM workflow or campaign) goes the same way, marked
# apart: no person wrote it, and it answers nothing the lead asked.
AUTOMATED_MARK = "[automated]"


def to_chat(messages: list[StoredMessage]) -> list[ChatMessage]:
    """Convert stored rows, dropping a window start that would orphan tool results."""
    chat: list[ChatMessage] = []
    for m in messages:
        if m.role == "user":
            chat.append(ChatMessage(role="user", text=m.text or f"[{m.kind}]"))
        elif m.role == "assistant":
            chat.append(
                ChatMessage(role="assistant", text=m.text, tool_calls=[ToolCall(**c) for c in m.tool_calls])
            )
        elif m.role == TEAM:
            chat.append(ChatMessage(role="user", name=TEAM, text=f"{TEAM_MARK} {m.text}"))
        elif m.role == BUSINESS:
            chat.append(ChatMessage(role="user", name=BUSINESS, text=f"{AUTOMATED_MARK} {m.text}"))
        elif m.role == "tool":
            chat.append(ChatMessage(role="tool", text=m.text, tool_call_id=m.tool_call_id, name=m.tool_name))
    while chat and chat[0].role != "user":
        chat.pop(0)
    return chat
