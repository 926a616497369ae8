"""``ava ingest``: files → chunks and objection pairs → vectors in Qdrant, idempotently.

Point ids are uuid5 of the content, so a re-ingest embeds and writes only what changed,
and deletes the points of changed or deleted files under the paths it was given.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import Embedder, Kind
from ava_core.knowledge.chunking import chunk_document
from ava_core.knowledge.collections import KINDS, KnowledgeIndex
from ava_core.knowledge.documents import DOCUMENT_SUFFIXES, read_document
from ava_core.knowledge.objections import OBJECTION_SUFFIXES, is_objection_file, load_objections

_POINT_NAMESPACE = uuid.UUID("6f1d7c2e-3b8a-5e4f-9a0d-a7a5c0de0001")
EMBED_BATCH = 64

Progress = Callable[[int, int], None]  # (points embedded so far, points to embed)


@dataclass
class Unit:
    """One passage to store: a chunk or an objection pair, with the texts that find it."""

    kind: Kind
    key: str  # the passage id searches return; eval files label with it
    source: str
    payload: dict[str, Any]
    phrasings: list[str]  # one vector each

    @cached_property
    def hash(self) -> str:
        body = json.dumps([self.kind, self.key, self.source, self.payload, self.phrasings], sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:32]

    def point_ids(self) -> list[str]:
        digest = self.hash
        return [str(uuid.uuid5(_POINT_NAMESPACE, f"{self.kind}\x1f{self.key}\x1f{digest}\x1f{i}"))
                for i in range(len(self.phrasings))]


@dataclass
class Counts:
    """Passages (chunks or pairs) by what this ingest did to them."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    points_written: int = 0
    points_deleted: int = 0


@dataclass
class IngestReport:
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    collections: str | None = None  # why the collections were (re)created, if they were
    seconds: float = 0.0


def ingest(
    paths: Iterable[Path | str],
    index: KnowledgeIndex,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    on_progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> IngestReport:
    """Bring the collections in line with ``paths`` (files or folders); returns what changed."""
    started = time.perf_counter()
    roots = [Path(p) for p in paths]
    report = IngestReport()
    files = discover(roots, report)
    units = read_units(files)
    report.files = [source_name(f) for f in files]
    report.collections = index.ensure(embedder, rebuild=rebuild)
    scopes = [source_name(p) for p in roots]

    writes: list[tuple[Kind, str, Unit, int]] = []  # (kind, point id, unit, phrasing index)
    deletes: dict[Kind, list[str]] = {k: [] for k in KINDS}
    for kind in KINDS:
        counts = report.counts[kind]
        old_hashes: dict[tuple[str, str], set[str]] = {}
        old_ids: set[str] = set()
        elsewhere: dict[str, str] = {}  # objection id -> the file outside this ingest that holds it
        for point in index.stored(kind):
            if in_scope(point.source, scopes):
                old_hashes.setdefault((point.source, point.key), set()).add(point.hash)
                old_ids.add(point.id)
            elif kind == "objection":
                elsewhere[point.key] = point.source
        new_ids: set[str] = set()
        new_keys: set[tuple[str, str]] = set()
        for unit in (u for u in units if u.kind == kind):
            if unit.key in elsewhere:
                # Eval files and the trace name a pair by its id: two pairs under one id would be ambiguous.
                raise KnowledgeError(
                    f"objection id {unit.key!r} is in both {unit.source} and {elsewhere[unit.key]} (already "
                    f"ingested); ids must be unique: rename one, or if {elsewhere[unit.key]} was moved or deleted, "
                    "ingest its folder so its pairs are dropped (or start over with `ava ingest --rebuild`)"
                )
            ident = (unit.source, unit.key)
            new_keys.add(ident)
            ids = unit.point_ids()
            new_ids.update(ids)
            before = old_hashes.get(ident)
            if before is None:
                counts.added += 1
            elif before == {unit.hash} and set(ids) <= old_ids:
                counts.unchanged += 1
            else:
                counts.updated += 1
            writes += [(kind, pid, unit, i) for i, pid in enumerate(ids) if pid not in old_ids]
        counts.removed = sum(1 for ident in old_hashes if ident not in new_keys)
        deletes[kind] = sorted(old_ids - new_ids)

    if on_start:
        on_start(len(writes))
    _write(index, embedder, writes, report, on_progress)
    # Stale points go only after their replacements are in, so a search never finds a gap.
    for kind, ids in deletes.items():
        for start in range(0, len(ids), 1000):
            index.delete(kind, ids[start:start + 1000])
        report.counts[kind].points_deleted = len(ids)
    report.seconds = time.perf_counter() - started
    return report


def discover(paths: list[Path], report: IngestReport) -> list[Path]:
    """The files to read under ``paths``, sorted; what a folder holds but AVA can't read is noted."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            if path.suffix.lower() not in DOCUMENT_SUFFIXES | OBJECTION_SUFFIXES:
                raise KnowledgeError(
                    f"{path}: cannot ingest {path.suffix or 'a file without a suffix'}; use Markdown, "
                    "text, PDF, HTML, or an objections .yaml/.csv"
                )
            if path.suffix.lower() in OBJECTION_SUFFIXES and not is_objection_file(path):
                raise KnowledgeError(
                    f"{path}: not an objections file (YAML needs a top-level `objections:` list, "
                    "CSV needs objection and response columns)"
                )
            found.setdefault(path, None)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue
                suffix = file.suffix.lower()
                if suffix in DOCUMENT_SUFFIXES:
                    found.setdefault(file, None)
                elif suffix in OBJECTION_SUFFIXES:
                    if is_objection_file(file):
                        found.setdefault(file, None)
                    else:
                        report.skipped.append((source_name(file), "no top-level `objections:` list"))
                else:
                    report.skipped.append((source_name(file), f"{suffix or 'no suffix'} is not a known format"))
        else:
            raise KnowledgeError(f"{path}: no such file or folder (check knowledge.sources in the profile)")
    return list(found)


def read_units(files: list[Path]) -> list[Unit]:
    """Every passage in ``files``: document chunks and objection pairs."""
    units: list[Unit] = []
    pair_sources: dict[str, str] = {}
    chunk_keys: set[str] = set()
    for file in files:
        source = source_name(file)
        if file.suffix.lower() in OBJECTION_SUFFIXES:
            for pair in load_objections(file):
                if pair.id in pair_sources:
                    raise KnowledgeError(
                        f"objection id {pair.id!r} is in both {pair_sources[pair.id]} and {source}; ids must be unique"
                    )
                pair_sources[pair.id] = source
                units.append(Unit(
                    kind="objection", key=pair.id, source=source, phrasings=pair.phrasings,
                    payload={"text": pair.objection, "response": pair.response,
                             "follow_up": pair.follow_up, "tags": pair.tags},
                ))
            continue
        doc = read_document(file, source)
        for chunk in chunk_document(doc):
            key = _unique(f"{file.stem}#{slug(chunk.heading or doc.title)}", chunk_keys)
            context = " › ".join(p for p in (doc.title, chunk.section) if p)
            units.append(Unit(
                kind="domain", key=key, source=source,
                # The title and headings go into the vector too: a chunk that says "it takes
                # one day" is found by "how long is the install" through its heading.
                phrasings=[f"{context}\n{chunk.text}" if context else chunk.text],
                payload={"text": chunk.text, "title": doc.title, "section": chunk.section, "tags": []},
            ))
    return units


def _write(index: KnowledgeIndex, embedder: Embedder, writes: list[tuple[Kind, str, Unit, int]],
           report: IngestReport, on_progress: Progress | None) -> None:
    from qdrant_client import models as qm

    # Similar lengths in one batch: the model pads every text to the batch's longest.
    writes = sorted(writes, key=lambda w: len(w[2].phrasings[w[3]]))
    done = 0
    for start in range(0, len(writes), EMBED_BATCH):
        batch = writes[start:start + EMBED_BATCH]
        vectors = embedder.embed([unit.phrasings[i] for _, _, unit, i in batch])
        for kind in KINDS:
            points = [
                qm.PointStruct(id=pid, vector=vector, payload={
                    **unit.payload, "kind": unit.kind, "key": unit.key, "source": unit.source,
                    "hash": unit.hash, "phrasing": unit.phrasings[i],
                })
                for (k, pid, unit, i), vector in zip(batch, vectors, strict=True) if k == kind
            ]
            index.upsert(kind, points)
            report.counts[kind].points_written += len(points)
        done += len(batch)
        if on_progress:
            on_progress(done, len(writes))


def source_name(path: Path | str) -> str:
    """How a file is named in passages: relative to the working folder when inside it."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return resolved.as_posix()


def in_scope(source: str, scopes: list[str]) -> bool:
    """True when ``source`` is one of ``scopes`` or lies in a folder among them."""
    return any(scope == "." or source == scope or source.startswith(scope.rstrip("/") + "/") for scope in scopes)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60].rstrip("-") or "section"


def _unique(key: str, seen: set[str]) -> str:
    candidate, n = key, 1
    while candidate in seen:
        n += 1
        candidate = f"{key}~{n}"
    seen.add(candidate)
    return candidate
