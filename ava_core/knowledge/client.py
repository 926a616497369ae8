"""Opens the Qdrant client: an embedded folder by default, a server by URL in production.

Embedded (local) mode keeps everything in this process and locks its folder: a second
client, in any process, fails with "already accessed by another instance". So each
process opens one client per location, lazily, and every caller shares it.
"""

from __future__ import annotations

import atexit
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ava_core.errors import KnowledgeError

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

_opened: dict[str, Connection] = {}
_opening = threading.Lock()


@dataclass
class Connection:
    """One open Qdrant client and where it points; ``lock`` serialises embedded access."""

    client: QdrantClient
    location: str
    embedded: bool
    # Embedded Qdrant is plain Python over in-memory arrays and one SQLite file; it is not
    # safe for concurrent writers, and the R&D app serves requests from several threads.
    lock: threading.RLock = field(default_factory=threading.RLock)

    def guard(self) -> AbstractContextManager:
        """Hold while calling the client: serialises an embedded folder, free for a server."""
        return self.lock if self.embedded else nullcontext()


class FolderInUse(KnowledgeError):
    """The embedded folder is locked by another process; ``reason`` and ``fix`` say it apart."""

    def __init__(self, path: Path):
        self.reason = (f"the knowledge folder {path} is open in another process (the R&D app, `ava chat`, "
                       "or another `ava` command)")
        self.fix = ("stop that process and retry, or run a Qdrant server and set AVA_QDRANT_URL so several "
                    "processes can share it")
        super().__init__(f"{self.reason}: {self.fix}")


def connect(*, url: str | None = None, api_key: str | None = None, path: Path | None = None) -> Connection:
    """The process-wide client for a server ``url`` or an embedded ``path`` (url wins)."""
    if url:
        key = f"url:{url}"
    elif path is not None:
        key = f"path:{Path(path).resolve()}"
    else:
        raise KnowledgeError("no Qdrant location: set AVA_QDRANT_URL, or AVA_QDRANT_PATH for an embedded folder")
    with _opening:
        if key not in _opened:
            _opened[key] = _open_server(url, api_key) if url else _open_embedded(Path(path))  # type: ignore[arg-type]
        return _opened[key]


@atexit.register
def disconnect_all() -> None:
    """Close every client this process opened, releasing embedded folders for other processes."""
    with _opening:
        for connection in _opened.values():
            connection.client.close()
        _opened.clear()


def _qdrant():
    try:
        import qdrant_client
    except ImportError:
        raise KnowledgeError(
            "qdrant-client is not installed: install AVA with the knowledge extra (pip install -e '.[knowledge]')"
        ) from None
    return qdrant_client


def _open_embedded(path: Path) -> Connection:
    qdrant_client = _qdrant()
    try:
        path.mkdir(parents=True, exist_ok=True)
        client = qdrant_client.QdrantClient(path=str(path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise FolderInUse(path) from None
        raise KnowledgeError(f"cannot open the knowledge folder {path}: {exc}") from None
    except OSError as exc:
        raise KnowledgeError(f"cannot open the knowledge folder {path}: {exc.strerror or exc}") from None
    return Connection(client=client, location=str(path), embedded=True)


def _open_server(url: str, api_key: str | None) -> Connection:
    qdrant_client = _qdrant()
    try:
        # check_compatibility would call the server at construction; the first real request
        # reports an unreachable server with a clearer message (see KnowledgeIndex).
        client = qdrant_client.QdrantClient(url=url, api_key=api_key, timeout=10, check_compatibility=False)
    except ValueError as exc:
        raise KnowledgeError(f"AVA_QDRANT_URL {url!r} is not a valid Qdrant URL: {exc}") from None
    return Connection(client=client, location=url, embedded=False)
