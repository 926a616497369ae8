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

    @property
    def dimension(self) -> int:
        """The length of every vector (an embedder may learn it from its first answer)."""
        ...

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One normalised vector per text."""
        ...


# A process opens the knowledge base once, at start: after the fix, it must start again.
INGEST_FIX = "run `ava ingest` to load the profile's knowledge sources, then restart AVA"


class KnowledgeStatus(BaseModel):
    """Whether the knowledge base can be searched, and if not why and what to do."""

    ok: bool
    reason: str | None = None
    fix: str | None = None

    def line(self) -> str:
        """One line for a person at a terminal."""
        return "knowledge base ready" if self.ok else f"knowledge base unavailable: {self.reason}. Fix: {self.fix}."


def knowledge_status(knowledge: Knowledge) -> KnowledgeStatus:
    """A backend that stands in for an unusable knowledge base says why; any other is usable."""
    status = getattr(knowledge, "status", None)
    return status if isinstance(status, KnowledgeStatus) else KnowledgeStatus(ok=True)


class UnconfiguredKnowledge:
    """Stands in when nothing was ingested (or no knowledge is wanted): every search says so plainly."""

    def __init__(self, where: str | None = None):
        self.status = KnowledgeStatus(
            ok=False, reason="nothing has been ingested" + (f" into {where}" if where else " yet"), fix=INGEST_FIX
        )

    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5) -> list[Passage]:
        raise KnowledgeError(f"knowledge base not configured: {self.status.reason}; {self.status.fix}")
