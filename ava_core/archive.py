"""Retention: conversations idle past the retention period move to compressed JSON lines.

An archive line is written and flushed to disk before the conversation is deleted, and a
conversation that changed in between is kept, so archiving never loses anything. Contacts
stay (their opt-out must outlive their conversations); message bodies stay sealed when a
data key is set.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from loguru import logger

from ava_core.store import Store


@dataclass(frozen=True)
class ArchiveReport:
    conversations: int
    messages: int
    kept: int  # changed while being archived: left in place for the next run
    file: Path | None


def archive_idle_conversations(
    store: Store, directory: Path, *, now: datetime, retention_days: int, limit: int = 500
) -> ArchiveReport:
    """Archive and delete up to ``limit`` conversations idle for ``retention_days``."""
    cutoff = now - timedelta(days=retention_days)
    ids = store.inactive_conversations(cutoff, limit=limit)
    store.prune_processed_webhooks(now - timedelta(days=7))
    if not ids:
        return ArchiveReport(0, 0, 0, None)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"conversations-{now:%Y-%m}.jsonl.gz"
    archived = messages = kept = 0
    # Appending makes a multi-member gzip file, which gzip and Python read as one stream.
    with open(path, "ab") as raw, gzip.GzipFile(fileobj=raw, mode="ab") as out:
        for conversation_id in ids:
            record = store.export_conversation(conversation_id)
            out.write((json.dumps(record, ensure_ascii=False, default=str) + "\n").encode())
            out.flush()  # a sync flush: the line is complete in the file, not only in zlib's buffer
            raw.flush()
            os.fsync(raw.fileno())  # on disk before the rows go
            if store.delete_conversation(conversation_id, updated_at=record["conversation"]["updated_at"]):
                archived += 1
                messages += len(record["messages"])
            else:
                kept += 1
    logger.info("archived {} conversations ({} messages) to {}; {} kept", archived, messages, path, kept)
    return ArchiveReport(archived, messages, kept, path)


def read_archive(path: Path) -> list[dict]:
    """Every conversation record in an archive file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
