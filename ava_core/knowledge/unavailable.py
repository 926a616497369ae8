"""Stands in when a knowledge base exists but cannot be used now (locked, unreachable, mismatched)."""

from __future__ import annotations

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import Kind, KnowledgeStatus, Passage


class UnavailableKnowledge:
    """Every search raises the reason the knowledge base could not be opened, and its fix."""

    def __init__(self, reason: str, fix: str):
        self.status = KnowledgeStatus(ok=False, reason=reason, fix=fix)

    @property
    def reason(self) -> str:
        return f"{self.status.reason}: {self.status.fix}"

    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5) -> list[Passage]:
        raise KnowledgeError(self.reason)
