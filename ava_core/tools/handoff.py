"""``handoff_to_human``: pause AVA and bring in a person."""

from __future__ import annotations

from loguru import logger
from pydantic import BaseModel, Field

from ava_core.observability.events import event
from ava_core.tools.base import ToolContext, ToolResult, tool
from ava_core.tools.booking import owed_confirmation


class HandoffArgs(BaseModel):
    reason: str = Field(min_length=3, description="why a person should take over, in one sentence")


@tool("handoff_to_human", HandoffArgs)
def handoff_to_human(ctx: ToolContext, args: HandoffArgs) -> ToolResult:
    """Hand the conversation to a human on the team: for requests for a person, complaints,
    questions you cannot answer, or anything sensitive. AVA stops replying afterwards."""
    ctx.store.set_conversation_status(ctx.conversation_id, "paused", ctx.clock.now(), reason=args.reason)
    logger.bind(alert="handoff", conversation_id=ctx.conversation_id).warning("hand-off: {}", args.reason)
    event("handoff", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, reason=args.reason)
    profile = ctx.profile
    if ctx.language in profile.served_languages:
        say = ctx.local.handoff.message
    else:  # a lead AVA cannot read: the message in each language it speaks, one of them theirs with luck
        say = "\n\n".join(profile.localized(code).handoff.message for code in profile.served_languages)
    # A booking made in this turn is said first: the hand-off may be all the lead hears of it.
    owed = owed_confirmation([(r.name, r.result) for r in ctx.store.tool_calls(ctx.conversation_id)
                              if r.turn_id == ctx.turn_id], ctx.speaking)
    if owed:
        logger.bind(alert="booking", conversation_id=ctx.conversation_id).warning(
            "hand-off right after a booking; the lead is told: {}", owed)
        say = f"{owed}\n\n{say}"
    return ToolResult.success(handoff=True, say=say)
