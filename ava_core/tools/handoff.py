"""``handoff_to_human``: pause AVA and bring in a person."""

from __future__ import annotations

from loguru import logger
from pydantic import BaseModel, Field

from ava_core.tools.base import ToolContext, ToolResult, tool


class HandoffArgs(BaseModel):
    reason: str = Field(min_length=3, description="why a person should take over, in one sentence")


@tool("handoff_to_human", HandoffArgs)
def handoff_to_human(ctx: ToolContext, args: HandoffArgs) -> ToolResult:
    """Hand the conversation to a human on the team: for requests for a person, complaints,
    questions you cannot answer, or anything sensitive. AVA stops replying afterwards."""
    ctx.store.set_conversation_status(ctx.conversation_id, "paused", ctx.clock.now(), reason=args.reason)
    logger.bind(alert="handoff", conversation_id=ctx.conversation_id).warning("hand-off: {}", args.reason)
    return ToolResult.success(handoff=True, say=ctx.profile.handoff.message)
