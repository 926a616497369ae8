"""The tools AVA's model may call."""

from ava_core.tools.appointments import cancel_appointment, reschedule_appointment
from ava_core.tools.base import Tool, Toolbox, ToolContext, ToolResult, tool
from ava_core.tools.booking import book_appointment, get_free_slots, send_meeting_link
from ava_core.tools.handoff import handoff_to_human
from ava_core.tools.knowledge import search_knowledge
from ava_core.tools.opt_out import opt_out_lead
from ava_core.tools.qualification import record_qualification
from ava_core.tools.service_area import check_service_area
from ava_core.tools.web import fetch_page, web_search

SALES_TOOLS = [
    record_qualification,
    check_service_area,
    get_free_slots,
    book_appointment,
    send_meeting_link,
    reschedule_appointment,
    cancel_appointment,
    handoff_to_human,
    search_knowledge,
    opt_out_lead,
    web_search,
    fetch_page,
]


def default_toolbox() -> Toolbox:
    return Toolbox(list(SALES_TOOLS))


__all__ = ["SALES_TOOLS", "Tool", "ToolContext", "ToolResult", "Toolbox", "default_toolbox", "tool"]
