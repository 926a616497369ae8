"""Renders the system prompt from its template file, filled from the profile and the state."""

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


def system_prompt(profile: Profile, state: ConversationState) -> str:
    """The system prompt for one model step."""
    return _template("system.md.j2").render(
        persona=profile.persona,
        business=profile.business,
        booking=profile.booking,
        handoff=profile.handoff,
        state=state,
    )
