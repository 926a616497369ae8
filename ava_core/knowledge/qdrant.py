"""The ``Knowledge`` seam over Qdrant: embed the query, search, one passage per document chunk or pair."""

from __future__ import annotations

from typing import Any

from ava_core.knowledge.base import Embedder, Kind, Passage
from ava_core.knowledge.collections import KINDS, KnowledgeIndex

# An objection pair is stored once per phrasing, so fetch more points than passages wanted.
_OVERSAMPLE = 8


class QdrantKnowledge:
    """Semantic search over one business's ``domain`` and ``objections`` collections."""

    def __init__(self, index: KnowledgeIndex, embedder: Embedder):
        self.index = index
        self.embedder = embedder
        self._checked = False

    def warm_up(self) -> None:
        """Load the embedding model now (seconds for the local one) instead of on the first search."""
        self.embedder.embed(["warm up"])

    def search(self, query: str, *, kind: Kind | None = None, limit: int = 5,
               tags: list[str] | None = None) -> list[Passage]:
        """Best passages for ``query``, best first; score is cosine similarity (higher is closer)."""
        if not query.strip() or limit < 1:
            return []
        if not self._checked:
            self.index.check(self.embedder)  # a clear error beats comparing vectors of two models
            self._checked = True
        vector = self.embedder.embed([query])[0]
        # One collection per kind rather than a `kind` filter: embedded Qdrant evaluates
        # filters point by point in Python (≈10 ms per filtered query at 1k points).
        query_filter = _tags_filter(tags) if tags else None
        found: dict[tuple[str, str, str], Passage] = {}
        for k in (kind,) if kind else KINDS:
            fetch = limit * _OVERSAMPLE if k == "objection" else limit
            while True:
                points = self.index.query(k, vector, limit=fetch, query_filter=query_filter)
                passages = [_passage(k, p) for p in points]
                distinct = {(p.kind, p.source, p.id) for p in passages}
                if len(distinct) >= limit or len(points) < fetch:
                    break
                fetch *= 4
            for passage in passages:  # best first, so the first point of a pair carries its score
                found.setdefault((passage.kind, passage.source, passage.id), passage)
        return sorted(found.values(), key=lambda p: p.score, reverse=True)[:limit]


def _passage(kind: Kind, point: Any) -> Passage:
    payload = point.payload or {}
    return Passage(
        id=payload.get("key", str(point.id)),
        kind=kind,
        text=payload.get("text", ""),
        source=payload.get("source", ""),
        title=payload.get("title") or "",
        section=payload.get("section") or "",
        response=payload.get("response"),
        follow_up=payload.get("follow_up"),
        tags=list(payload.get("tags") or []),
        # Cosine similarity of unit vectors is in [-1, 1]; below 0 means "unrelated" anyway.
        score=max(0.0, min(1.0, float(point.score))),
    )


def _tags_filter(tags: list[str]) -> Any:
    from qdrant_client import models as qm

    return qm.Filter(must=[qm.FieldCondition(key="tags", match=qm.MatchAny(any=list(tags)))])
