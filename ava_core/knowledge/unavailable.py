"""Stands in when a knowledge base exists but cannot be used now (locked, unreachable, mismatched)."""

from __future__ import annotations

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import Kind, Passage


class UnavailableKnowledge:
    """Every search raises the reason the knowledge base could not be opened."""

    def __init__(self, reason: str):
        self.reason = reason

    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5) -> list[Passage]:
        raise KnowledgeError(self.reason)
