"""The ``Knowledge`` and ``Embedder`` seams: semantic search over what the business knows."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel

from ava_core.errors import KnowledgeError

Kind = Literal["domain", "objection"]


class Passage(BaseModel):
    """One search hit: a document chunk, or an objection with its response."""

    id: str
    kind: Kind
    text: str  # the chunk, or the objection as a lead would say it
    source: str  # file the passage came from
    title: str = ""
    section: str = ""
    response: str | None = None  # objections only
    follow_up: str | None = None  # objections only: a question to ask after the response
    tags: list[str] = []
    score: float = 0.0


class Knowledge(Protocol):
    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5) -> list[Passage]:
        """Best passages for ``query``, best first; ``kind`` narrows to one collection."""
        ...


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One normalised vector per text."""
        ...


class UnconfiguredKnowledge:
    """Stands in when no knowledge base is configured: every search says so plainly."""

    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5) -> list[Passage]:
        raise KnowledgeError(
            "knowledge base not configured: run `ava ingest` on the profile's knowledge sources"
        )
