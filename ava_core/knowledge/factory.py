"""Builds the configured ``Knowledge`` backend."""

from __future__ import annotations

from ava_core.knowledge.base import Knowledge, UnconfiguredKnowledge
from ava_core.profile.models import Profile
from ava_core.settings import Settings


def build_knowledge(settings: Settings, profile: Profile) -> Knowledge:
    """The knowledge base for this deployment; until one is ingested, a plain 'not configured'."""
    return UnconfiguredKnowledge()
