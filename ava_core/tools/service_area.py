"""``check_service_area``: is the lead's property somewhere the business works."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.tools.base import ToolContext, ToolResult, tool


class CheckServiceAreaArgs(BaseModel):
    address_or_zip: str = Field(min_length=2, description="street address, city or 5-digit ZIP code")


@tool("check_service_area", CheckServiceAreaArgs)
def check_service_area(ctx: ToolContext, args: CheckServiceAreaArgs) -> ToolResult:
    """Check whether an address, city or ZIP code is inside the business's service area."""
    check = ctx.geo.check(args.address_or_zip)
    ctx.store.record_area_check(ctx.conversation_id, check.query, check.in_area, check.detail, ctx.clock.now())
    data = check.model_dump(exclude_none=True)
    if check.in_area is False:
        data["say"] = ctx.profile.service_area.out_of_area_message
    return ToolResult.success(**data)
