"""``check_service_area``: is the lead's property somewhere the business works."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.tools.base import ToolContext, ToolResult, tool


class CheckServiceAreaArgs(BaseModel):
    address_or_zip: str = Field(
        min_length=2,
        description="what the lead gave: street address, 5-digit ZIP, city, landmark, or a shared location "
        "as 'lat, lng'",
    )


@tool("check_service_area", CheckServiceAreaArgs)
def check_service_area(ctx: ToolContext, args: CheckServiceAreaArgs) -> ToolResult:
    """Check whether an address, ZIP code, city, landmark or shared location is inside the business's
    service area. If the result has `ask`, ask the lead that before judging."""
    check = ctx.geo.check(args.address_or_zip)
    place = {"address": check.address, "lat": check.lat, "lng": check.lng} if check.lat is not None else None
    ctx.store.record_area_check(
        ctx.conversation_id, check.query, check.in_area, check.detail, ctx.clock.now(),
        place=place, timezone=check.timezone, distance_miles=check.distance_miles, backend=check.backend,
    )
    data = check.model_dump(exclude_none=True)
    if check.ask:
        # The backend's question, put in the lead's language: which place they meant, or the ZIP.
        lines = ctx.said
        data["ask"] = lines.confirm_place.format(places=f" {lines.either} ".join(check.candidates)) \
            if check.candidates else lines.ask_zip
    if check.in_area is False:
        data["say"] = ctx.local.service_area.out_of_area_message
    if check.timezone and check.timezone != ctx.profile.business.timezone:
        data["lead_timezone_note"] = f"the lead is in {check.timezone}: times offered will show their local time too"
    return ToolResult.success(**data)
