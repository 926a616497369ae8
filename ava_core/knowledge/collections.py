"""The two Qdrant collections of one business, and which embedder built them.

``domain`` holds document chunks, ``objections`` holds objection→response pairs (one point
per phrasing). Each collection's metadata names the embedder and dimension that built it,
so vectors from another model are never compared with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import Embedder, Kind
from ava_core.knowledge.client import Connection

if TYPE_CHECKING:
    from qdrant_client import models as qm

KINDS: tuple[Kind, ...] = ("domain", "objection")
FORMAT = 1  # bump when the payload layout changes; older collections then need `ava ingest`
# Filters and ingest's bookkeeping read these fields; a Qdrant server indexes them.
INDEXED_FIELDS = ("kind", "key", "source", "tags")
_SCROLL_PAGE = 1000
_blas: Any = None


@dataclass(frozen=True)
class StoredPoint:
    """What ingest needs to know of a point already in a collection."""

    id: str
    key: str
    hash: str
    source: str


def collection_names(business_name: str) -> dict[Kind, str]:
    """Collection name per kind; prefixed by the business so one server can hold several."""
    slug = re.sub(r"[^a-z0-9]+", "-", business_name.casefold()).strip("-") or "business"
    return {"domain": f"{slug}-domain", "objection": f"{slug}-objections"}


class KnowledgeIndex:
    """One business's collections in one Qdrant (embedded folder or server)."""

    def __init__(self, connection: Connection, business_name: str):
        self.connection = connection
        self.names = collection_names(business_name)

    @property
    def location(self) -> str:
        return self.connection.location

    # --- what is there ---------------------------------------------------------------------

    def exists(self) -> bool:
        """True when both collections exist (something was ingested)."""
        with self._calling("list the collections"):
            return all(self.connection.client.collection_exists(n) for n in self.names.values())

    def built_with(self) -> tuple[str, int] | None:
        """(embedder name, dimension) that built the collections, or None if they don't agree."""
        from qdrant_client import models as qm

        seen: set[tuple[Any, Any, int | None, Any]] = set()
        for name in self.names.values():
            with self._calling(f"read collection {name}"):
                config = self.connection.client.get_collection(name).config
            meta = (config.metadata or {}).get("ava") or {}
            vectors = config.params.vectors  # one unnamed vector: AVA never names them
            size = vectors.size if isinstance(vectors, qm.VectorParams) else None
            seen.add((meta.get("embedder"), meta.get("dimension"), size, meta.get("format")))
        if len(seen) != 1:
            return None
        embedder, dimension, size, fmt = seen.pop()
        if not isinstance(embedder, str) or size is None or dimension != size or fmt != FORMAT:
            return None
        return embedder, size

    def check(self, embedder: Embedder) -> None:
        """Raise a KnowledgeError unless the collections exist and were built by ``embedder``."""
        if not self.exists():
            raise KnowledgeError(
                f"no knowledge base in {self.location}: run `ava ingest` on the profile's knowledge sources"
            )
        built = self.built_with()
        wanted = (embedder.name, embedder.dimension)
        if built != wanted:
            was = f"{built[0]} ({built[1]} dimensions)" if built else "an older or unknown embedder"
            raise KnowledgeError(
                f"the knowledge base in {self.location} was built with {was}, but AVA is configured "
                f"for {wanted[0]} ({wanted[1]} dimensions): re-ingest with `ava ingest` "
                "(or set AVA_EMBEDDER back to what built it)"
            )

    def ensure(self, embedder: Embedder, *, rebuild: bool = False) -> str | None:
        """Create the collections for ``embedder``; recreate them if another embedder built them.

        Returns why they were (re)created, or None when the existing ones were kept.
        """
        from qdrant_client import models as qm

        exists = self.exists()
        if exists and not rebuild and self.built_with() == (embedder.name, embedder.dimension):
            return None
        if rebuild:
            reason = "rebuilt on request"
        elif not exists:
            reason = "created"
        else:
            built = self.built_with()
            reason = f"rebuilt: built with {built[0] if built else 'an older format'}, now {embedder.name}"
        for kind, name in self.names.items():
            with self._calling(f"create collection {name}"):
                client = self.connection.client
                if client.collection_exists(name):
                    client.delete_collection(name)
                client.create_collection(
                    name,
                    vectors_config=qm.VectorParams(size=embedder.dimension, distance=qm.Distance.COSINE),
                    metadata={"ava": {"embedder": embedder.name, "dimension": embedder.dimension,
                                      "kind": kind, "format": FORMAT}},
                )
                # Embedded Qdrant ignores payload indexes (it scans every point, ≈10 ms per
                # filtered query at 1k points) and warns about them; a server uses them.
                if not self.connection.embedded:
                    for field_name in INDEXED_FIELDS:
                        client.create_payload_index(name, field_name, qm.PayloadSchemaType.KEYWORD)
        return reason

    def stored(self, kind: Kind) -> list[StoredPoint]:
        """Every point of one collection, without vectors."""
        name = self.names[kind]
        points: list[StoredPoint] = []
        offset = None
        while True:
            with self._calling(f"read collection {name}"):
                records, offset = self.connection.client.scroll(
                    name, limit=_SCROLL_PAGE, offset=offset,
                    with_payload=["key", "hash", "source"], with_vectors=False,
                )
            for r in records:
                payload = r.payload or {}
                points.append(StoredPoint(id=str(r.id), key=payload.get("key", ""),
                                          hash=payload.get("hash", ""), source=payload.get("source", "")))
            if offset is None:
                return points

    def count(self, kind: Kind) -> int:
        with self._calling(f"count collection {self.names[kind]}"):
            return self.connection.client.count(self.names[kind], exact=True).count

    # --- changing and searching --------------------------------------------------------------

    def upsert(self, kind: Kind, points: list[qm.PointStruct]) -> None:
        if points:
            with self._calling(f"write to collection {self.names[kind]}"):
                self.connection.client.upsert(self.names[kind], points=points, wait=True)

    def delete(self, kind: Kind, ids: list[str]) -> None:
        from qdrant_client import models as qm

        if ids:
            with self._calling(f"delete from collection {self.names[kind]}"):
                self.connection.client.delete(
                    self.names[kind], points_selector=qm.PointIdsList(points=ids), wait=True
                )

    def query(self, kind: Kind, vector: list[float], *, limit: int,
              query_filter: qm.Filter | None = None) -> list[qm.ScoredPoint]:
        """Nearest points by cosine similarity, best first."""
        blas = _one_blas_thread() if self.connection.embedded else nullcontext()
        with self._calling(f"search collection {self.names[kind]}"), blas:
            return self.connection.client.query_points(
                self.names[kind], query=vector, limit=limit, query_filter=query_filter,
                with_payload=True, with_vectors=False,
            ).points

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        from qdrant_client.http.exceptions import ApiException

        with self.connection.guard():
            try:
                yield
            except KnowledgeError:
                raise
            except (ApiException, OSError, ValueError) as exc:
                detail = " ".join(str(exc).split())[:300]
                hint = "" if self.connection.embedded else "; check AVA_QDRANT_URL and AVA_QDRANT_API_KEY"
                raise KnowledgeError(f"Qdrant at {self.location} could not {what}: {detail}{hint}") from None



def _one_blas_thread() -> AbstractContextManager:
    """Embedded Qdrant scores every point with numpy. OpenBLAS threads then keep spinning and
    starve the next query embedding: measured on 2 cores at 10k chunks, embedding p90 went
    from 11 ms to 108 ms. One BLAS thread for the scan costs ~2 ms and avoids that."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController  # comes with sentence-transformers
        except ImportError:
            _blas = False
        else:
            _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas") if _blas else nullcontext()
