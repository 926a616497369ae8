"""``reengage_lead``: a reply WhatsApp refused for a closed 24-hour window gets the approved
template, or the conversation goes to a person (``ava_core.reengagement``)."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities.runtime import runtime
from ava_core.reengagement import reengage
from orchestrators.reengagement import ACTIVITY, Undelivered

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload", activity=ACTIVITY)
def reengage_lead(payload: dict[str, Any]) -> dict[str, Any]:
    """Safe to retry: a template already sent for this lead message is not sent again."""
    undelivered = Undelivered.model_validate(payload)
    outcome = reengage(runtime.services().assistant, undelivered.conversation_id, undelivered.message_id,
                       template_failed=undelivered.template_failed)
    return {"outcome": outcome}
