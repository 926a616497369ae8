"""Picks a ``ChatModel`` by name: the composition root's one place for that choice."""

from __future__ import annotations

from collections.abc import Callable

from ava_core.errors import ConfigError
from ava_core.models.base import ChatModel
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.profile.models import Profile
from ava_core.settings import Settings

OFFLINE = ("playbook", "replay")
PROVIDERS = ("azure", "anthropic", "openai_compatible")


def build_model(
    name: str,
    settings: Settings,
    profile: Profile,
    *,
    replay: list[ScriptedStep] | None = None,
    spent: Callable[[str], int] | None = None,
) -> ChatModel:
    """The model called ``name``: playbook, replay, or a configured provider.

    A provider comes wrapped: ``AVA_FALLBACK_MODELS`` after it, a polite hand-off when all
    fail, and the per-conversation token budget (``spent`` reads a conversation's tokens so far).
    """
    if name == "playbook":
        from ava_core.models.playbook import PlaybookModel

        return PlaybookModel(profile)
    if name == "replay":
        return ReplayModel(replay or [])
    if name in PROVIDERS:
        from ava_core.models.providers import build_chain

        return build_chain(
            name, settings, offline=lambda n: build_model(n, settings, profile, replay=replay), spent=spent
        )
    raise ConfigError(f"unknown model {name!r}: choose one of {', '.join(OFFLINE + PROVIDERS)}")
