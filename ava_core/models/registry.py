"""Picks a ``ChatModel`` by name: the composition root's one place for that choice."""

from __future__ import annotations

from ava_core.errors import ConfigError
from ava_core.models.base import ChatModel
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.profile.models import Profile
from ava_core.settings import Settings

OFFLINE = ("playbook", "replay")
PROVIDERS = ("azure", "anthropic", "openai_compatible")


def build_model(
    name: str, settings: Settings, profile: Profile, *, replay: list[ScriptedStep] | None = None
) -> ChatModel:
    """The model called ``name``: playbook, replay, or a configured provider."""
    if name == "playbook":
        from ava_core.models.playbook import PlaybookModel

        return PlaybookModel(profile)
    if name == "replay":
        return ReplayModel(replay or [])
    if name in PROVIDERS:
        from ava_core.models.providers import build_provider

        return build_provider(name, settings)
    raise ConfigError(f"unknown model {name!r}: choose one of {', '.join(OFFLINE + PROVIDERS)}")
