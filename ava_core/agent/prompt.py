"""Renders the prompt from its template files, filled from the profile and the state.

Two parts: the stable system prompt (the business, the goal, the rules), which providers
can cache across turns, and the context that changes every step (the state, the time).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from ava_core.profile.models import Profile
from ava_core.state import ConversationState

PROMPTS = Path(__file__).parent / "prompts"


@cache
def _template(name: str) -> Template:
    env = Environment(loader=FileSystemLoader(PROMPTS), undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template(name)


def system_prompt(profile: Profile) -> str:
    """The stable system prompt for this business."""
    return _template("system.md.j2").render(
        persona=profile.persona,
        business=profile.business,
        booking=profile.booking,
        handoff=profile.handoff,
        questions=profile.qualification.questions,
    ) + browsing_prompt(profile)


def browsing_prompt(profile: Profile) -> str:
    """When and how AVA may use the web; empty when the profile names nothing to browse for."""
    if not profile.web.topics:
        return ""
    return _template("browsing.md.j2").render(web=profile.web, business=profile.business)


def context_prompt(state: ConversationState) -> str:
    """What the model must know about this conversation right now."""
    return _template("context.md.j2").render(state=state)
