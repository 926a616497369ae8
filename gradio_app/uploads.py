"""Documents and objection pairs uploaded on the Knowledge tab: checked, kept in the data
folder, and ingested into the business's collections one file at a time (``ava_core``'s
ingest, with its own progress).

A file is checked before anything is written: its suffix against the formats the ingest
reads, its size against ``AVA_RD_UPLOAD_MAX_MB``, its bytes against its suffix (a PDF starts
with ``%PDF-``; everything else is UTF-8 text). A file that fails, here or in the ingest,
leaves the knowledge base as it was: the previous copy of that file comes back and its
passages with it, and no other file's passages are touched (the ingest's scope is that one
file).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from ava_core.errors import AvaError, KnowledgeError
from ava_core.knowledge.base import Embedder, Knowledge
from ava_core.knowledge.collections import KINDS, KnowledgeIndex
from ava_core.knowledge.documents import DOCUMENT_SUFFIXES, PDF
from ava_core.knowledge.ingest import IngestReport, ingest, source_name
from ava_core.knowledge.objections import OBJECTION_SUFFIXES
from gradio_app.session import Engines

ALLOWED_SUFFIXES = frozenset(DOCUMENT_SUFFIXES | OBJECTION_SUFFIXES)
FORMATS = "Markdown (.md), text (.txt), PDF, HTML, or objection pairs as .yaml/.yml/.csv"
# A PDF's header sits at the start; readers tolerate a little junk before it (ISO 32000-1, 7.5.2).
PDF_MAGIC, PDF_HEADER_WITHIN = b"%PDF-", 1024
# Control characters no text document holds (tab, newline, form feed and carriage return aside).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

Progress = Callable[[float, str], None]  # (share done 0..1, what is happening)


class UploadRejected(KnowledgeError):
    """An uploaded file that cannot be ingested; the message names the file and what is wrong."""


@dataclass
class Result:
    """What became of one uploaded file."""

    name: str
    ok: bool
    detail: str


def safe_name(name: str) -> str:
    """The file name to keep an upload under: no folders, no hidden names, plain characters."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    cleaned = _UNSAFE.sub("-", stem).strip("-.") or "upload"
    suffix = _UNSAFE.sub("", suffix.removeprefix(".")).lower()
    return f"{cleaned}.{suffix}" if suffix else cleaned


def check_upload(path: Path, name: str, *, max_bytes: int) -> None:
    """Raise UploadRejected unless ``path`` (uploaded as ``name``) is a format the ingest reads,
    within the size limit, and its content is what its suffix says."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRejected(f"{name}: {suffix or 'a file without a suffix'} is not taken; upload {FORMATS}")
    size = path.stat().st_size
    if size == 0:
        raise UploadRejected(f"{name}: the file is empty")
    if size > max_bytes:
        raise UploadRejected(f"{name}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.4g} MB limit "
                             "(AVA_RD_UPLOAD_MAX_MB)")
    if suffix in PDF:
        with path.open("rb") as handle:
            if PDF_MAGIC not in handle.read(PDF_HEADER_WITHIN):
                raise UploadRejected(f"{name}: not a PDF (no %PDF- header); export it as PDF again")
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadRejected(f"{name}: not UTF-8 text (byte {exc.start} cannot be read); a {suffix} file must be "
                             "text saved as UTF-8") from None
    found = _BINARY.search(text)
    if found:
        raise UploadRejected(f"{name}: binary content (control character {ord(found.group()):#04x} at character "
                             f"{found.start()}); a {suffix} file must be plain text")


class Uploads:
    """Keeps uploaded files in ``folder`` and ingests each into the site's knowledge base."""

    def __init__(self, engines: Engines, folder: Path, *, max_bytes: int,
                 on_knowledge: Callable[[Knowledge], None] | None = None):
        self.engines = engines
        self.folder = folder
        self.max_bytes = max_bytes
        self.on_knowledge = on_knowledge
        # One ingest at a time: two operators uploading at once would race on the same points.
        self._lock = threading.Lock()

    def ingest(self, files: list[tuple[Path, str]], progress: Progress = lambda share, what: None) -> list[Result]:
        """Check and ingest each (uploaded path, original name); returns what became of each, in order."""
        if not files:
            raise UploadRejected("choose at least one file to upload")
        results: dict[int, Result] = {}
        accepted: list[tuple[int, Path, str]] = []
        for number, (path, original) in enumerate(files):
            name = safe_name(original)
            try:
                if any(name == taken for _, _, taken in accepted):
                    raise UploadRejected(f"{original}: uploaded twice in one batch (as {name})")
                check_upload(Path(path), original, max_bytes=self.max_bytes)
            except UploadRejected as exc:
                results[number] = Result(name, False, str(exc))
                continue
            accepted.append((number, Path(path), name))
        if accepted:
            with self._lock:
                progress(0.0, "opening the knowledge base")
                index, embedder = self._target()
                for position, (number, path, name) in enumerate(accepted):

                    def share(done: float, at: int = position) -> float:
                        return (at + done) / len(accepted)

                    try:
                        report = self._ingest_one(path, name, index, embedder, progress, share)
                    except AvaError as exc:
                        results[number] = Result(name, False, str(exc))
                        continue
                    results[number] = Result(name, True, summary(report))
                    progress(share(1), f"{name}: done")
                if any(r.ok for r in results.values()):
                    self._publish(index, embedder)
        return [results[number] for number in range(len(files))]

    def _ingest_one(self, upload: Path, name: str, index: KnowledgeIndex, embedder: Embedder,
                    progress: Progress, share: Callable[[float], float]) -> IngestReport:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        # Hidden, so an ingest of the whole folder never reads it.
        previous = self.folder / f".{name}.previous"
        if target.exists():
            os.replace(target, previous)
        shutil.copyfile(upload, target)
        progress(share(0), f"{name}: reading")

        def started(count: int) -> None:
            progress(share(0), f"{name}: {count} passage{'s' * (count != 1)} to embed")

        def embedded(done: int, count: int) -> None:
            progress(share(done / count if count else 1), f"{name}: embedded {done} of {count}")

        try:
            report = ingest([target], index, embedder, on_start=started, on_progress=embedded)
            if not any(c.added + c.updated + c.unchanged for c in report.counts.values()):
                raise UploadRejected(f"{name}: no text found to search (a title alone, or an empty table)")
        except BaseException:
            self._roll_back(target, previous, index, embedder)
            raise
        previous.unlink(missing_ok=True)
        return report

    def _roll_back(self, target: Path, previous: Path, index: KnowledgeIndex, embedder: Embedder) -> None:
        """Put the file and its passages back as they were before this upload."""
        if previous.exists():
            os.replace(previous, target)
        else:
            target.unlink(missing_ok=True)
        try:
            if target.exists():
                # Re-reading the previous copy drops any passage the failed ingest already wrote.
                ingest([target], index, embedder)
            elif index.exists():
                source = source_name(target)
                for kind in KINDS:
                    index.delete(kind, [p.id for p in index.stored(kind) if p.source == source])
        except AvaError as exc:
            logger.bind(alert="knowledge").error(
                "after a failed upload, {} could not be restored in the knowledge base: {}; run `ava ingest {}`",
                target, exc, self.folder)

    def _target(self) -> tuple[KnowledgeIndex, Embedder]:
        """The collections the site searches, and the embedder that built them."""
        from ava_core.knowledge.factory import build_embedder, open_index
        from ava_core.knowledge.qdrant import QdrantKnowledge

        knowledge = self.engines.knowledge
        if isinstance(knowledge, QdrantKnowledge):
            index, embedder = knowledge.index, knowledge.embedder
        else:
            index, embedder = open_index(self.engines.settings, self.engines.profile), \
                build_embedder(self.engines.settings)
        if index.exists():
            # The ingest would rebuild collections another embedder built, dropping every passage.
            index.check(embedder)
        return index, embedder

    def _publish(self, index: KnowledgeIndex, embedder: Embedder) -> None:
        """A site that started with no knowledge base searches the new one from now on."""
        from ava_core.knowledge.qdrant import QdrantKnowledge

        if not isinstance(self.engines.knowledge, QdrantKnowledge):
            self.engines.knowledge = QdrantKnowledge(index, embedder)
            if self.on_knowledge:
                self.on_knowledge(self.engines.knowledge)


def summary(report: IngestReport) -> str:
    """What an ingest did to one file, in a line."""
    parts = []
    for kind, label in (("domain", "chunks"), ("objection", "objection pairs")):
        c = report.counts[kind]
        counts = [f"{n} {what}" for n, what in ((c.added, "new"), (c.updated, "updated"), (c.unchanged, "unchanged"),
                                                  (c.removed, "removed")) if n]
        if counts:
            parts.append(f"{label}: {', '.join(counts)}")
    return "; ".join(parts) + f" ({report.seconds:.1f} s)"


def uploads_dir(engines: Engines) -> Path:
    """Where uploads are kept: beside the store, so `ava ingest` on that folder restores them."""
    return Path(engines.settings.db_path).parent / "knowledge-uploads"
