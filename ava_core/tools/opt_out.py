"""``opt_out_lead``: the lead asked not to be contacted, in words no phrase table lists."""

from __future__ import annotations

from loguru import logger
from pydantic import BaseModel, Field

from ava_core.tools.base import ToolContext, ToolResult, tool


class OptOutArgs(BaseModel):
    reason: str = Field(min_length=3, description="the lead's words that ask to stop, or why you read them so")
    language: str | None = Field(
        None, pattern=r"^[a-z]{2}$", description="ISO 639-1 code of the language the lead wrote in, e.g. en, es"
    )


@tool("opt_out_lead", OptOutArgs)
def opt_out_lead(ctx: ToolContext, args: OptOutArgs) -> ToolResult:
    """Stop all messages to this lead because they asked not to be contacted, however they
    said it ("lose this number", "I'm done with you people"). When in doubt whether they want
    to stop, call it: a lead who is not written to again can write back, a lead who is can't
    unread it. AVA sends the confirmation itself; don't write a reply afterwards."""
    ctx.store.set_opted_out(ctx.contact_id, ctx.clock.now())
    profile = ctx.profile
    language = args.language if args.language in profile.served_languages else profile.persona.language
    logger.bind(conversation_id=ctx.conversation_id).info("lead opted out (model): {}", args.reason)
    return ToolResult.success(
        opted_out=True, language=language, say=profile.localized(language).opt_out.confirmation
    )
