"""Shipping log documents to Elasticsearch's ``_bulk`` API or to Logstash's HTTP input.

The sink only puts the record's (already masked) ECS document on a bounded queue; one
background thread sends batches by size or by time, retries with exponential backoff, and
counts and logs whatever it has to drop (a full queue, a server down past the retries, a
document Elasticsearch refused). So a slow or hanging server never blocks a webhook or a turn.

httpx, not the official ``elasticsearch`` client: AVA makes one kind of request (a POST of
NDJSON) and already depends on httpx; the client would add its transport package, tie AVA to
a server major version, and still not speak to Logstash.
"""

from __future__ import annotations

import contextlib
import json
import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from loguru import logger

# Records logged by these threads (the shipper's own reports, httpx's lines about its requests)
# are never shipped: shipping them would make every request log a line that needs a request.
SHIPPER_THREAD = "ava-log-shipper"

# Put on the queue by ``stop`` so a thread waiting for documents wakes at once and flushes.
_WAKE: dict[str, Any] = {}

# Statuses worth another try: throttled, or the server (or a proxy before it) in trouble.
RETRYABLE = frozenset({429, 502, 503, 504, 500})


class Target(Protocol):
    """Where batches go: how to ask, and which documents of a batch to try again."""

    name: str

    def request(self, docs: list[dict[str, Any]]) -> tuple[str, dict[str, str], bytes]: ...

    def outcome(self, response: httpx.Response, docs: list[dict[str, Any]]) -> tuple[list[dict], list[str]]:
        """(documents to send again, one error line per document refused for good)."""
        ...


class ElasticsearchBulk:
    """``POST /_bulk`` with ``create`` actions into a data stream (the only action data streams take)."""

    name = "elasticsearch"

    def __init__(self, url: str, data_stream: str, api_key: str | None = None):
        self.url = url.rstrip("/") + "/_bulk"
        self.data_stream = data_stream
        self.headers = {"Content-Type": "application/x-ndjson"}
        if api_key:
            self.headers["Authorization"] = f"ApiKey {api_key}"

    def request(self, docs):
        action = json.dumps({"create": {"_index": self.data_stream}})
        lines = []
        for doc in docs:
            lines += [action, json.dumps(doc, ensure_ascii=False, default=str)]
        return self.url, self.headers, ("\n".join(lines) + "\n").encode()  # NDJSON ends with a newline

    def outcome(self, response, docs):
        body = response.json()
        if not body.get("errors"):
            return [], []
        again, refused = [], []
        for doc, item in zip(docs, body.get("items", []), strict=False):
            result = next(iter(item.values()), {})
            status = int(result.get("status", 0))
            if status < 300:
                continue
            if status in RETRYABLE:
                again.append(doc)
            else:
                error = result.get("error") or {}
                refused.append(f"{status} {error.get('type', '?')}: {str(error.get('reason', ''))[:200]}")
        return again, refused


class LogstashHttp:
    """Logstash's ``http`` input: a JSON array, which its json codec splits into events."""

    name = "logstash"

    def __init__(self, url: str):
        self.url = url
        self.headers = {"Content-Type": "application/json"}

    def request(self, docs):
        return self.url, self.headers, json.dumps(docs, ensure_ascii=False, default=str).encode()

    def outcome(self, response, docs):
        return [], []  # the http input takes the batch whole, or answers with an error status


@dataclass
class ShipperStats:
    queued: int = 0
    sent: int = 0
    dropped: int = 0
    retries: int = 0


class Shipper:
    """A Loguru sink (file-like: ``write`` and ``stop``) that ships ECS documents in the background."""

    def __init__(
        self,
        target: Target,
        client: httpx.Client,
        *,
        batch_size: int = 500,
        flush_seconds: float = 2.0,
        queue_size: int = 10_000,
        max_retries: int = 5,
        backoff_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
        shutdown_seconds: float = 5.0,
    ):
        self.target = target
        self.client = client
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.shutdown_seconds = shutdown_seconds
        self.stats = ShipperStats()
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reported_drops = 0
        self._in_flight = 0  # documents of the batch being sent
        self._thread = threading.Thread(target=self._run, name=SHIPPER_THREAD, daemon=True)
        self._thread.start()

    # --- the logging side: never waits ------------------------------------------------

    def write(self, message) -> None:
        record = message.record
        doc = record["extra"].get("ecs")
        if doc is None or record["thread"].name == SHIPPER_THREAD or self._stopping.is_set():
            return
        try:
            self._queue.put_nowait(doc)
        except queue.Full:
            self._count(dropped=1)
        else:
            self._count(queued=1)

    def stop(self) -> None:
        """Flush what is queued (for at most ``shutdown_seconds``), then count the rest as dropped."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with contextlib.suppress(queue.Full):  # a full queue: the thread is not waiting anyway
            self._queue.put_nowait(_WAKE)
        self._thread.join(self.shutdown_seconds)
        if self._thread.is_alive():
            logger.warning("log shipping to {}: {} document(s) still being sent at shutdown, not confirmed",
                           self.target.name, self._in_flight)
        else:
            self.client.close()
        left = sum(1 for doc in list(self._queue.queue) if doc is not _WAKE)
        if left:
            self._count(dropped=left)
        self._report_drops()

    # --- the background thread --------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch:
                self._in_flight = len(batch)
                try:
                    self._send(batch)
                except Exception as exc:  # the thread must outlive any one batch
                    self._drop(batch, f"unexpected {type(exc).__name__}: {exc}")
                self._in_flight = 0
            self._report_drops()
            if self._stopping.is_set() and self._queue.empty():
                return

    def _take(self) -> list[dict[str, Any]]:
        """Up to ``batch_size`` documents: as soon as there are that many, or after ``flush_seconds``."""
        batch: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.flush_seconds
        while len(batch) < self.batch_size:
            try:
                if self._stopping.is_set():  # flushing: take what is there, wait for nothing
                    doc = self._queue.get_nowait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    doc = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if doc is not _WAKE:
                batch.append(doc)
        return batch

    def _send(self, docs: list[dict[str, Any]]) -> None:
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._count(retries=1)
                self._stopping.wait(self._backoff(attempt))  # a shutdown cuts the wait short
            url, headers, body = self.target.request(docs)
            try:
                response = self.client.post(url, headers=headers, content=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRYABLE:
                problem = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 300:
                self._drop(docs, f"HTTP {response.status_code} {response.text[:200]} (not retried)")
                return
            try:
                again, refused = self.target.outcome(response, docs)
            except ValueError:  # not the answer Elasticsearch gives (a proxy's page, a cut-off body)
                problem = f"HTTP {response.status_code} with an unreadable body"
                continue
            self._count(sent=len(docs) - len(again) - len(refused))
            if refused:
                self._drop_refused(refused)
            if not again:
                return
            docs, problem = again, "items throttled (429)"
        self._drop(docs, f"{problem}, after {self.max_retries} retries")

    def _backoff(self, attempt: int) -> float:
        """Exponential, with jitter so many workers do not retry in step."""
        base = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)

    def _drop(self, docs: list[dict[str, Any]], why: str) -> None:
        self._count(dropped=len(docs))
        logger.warning("log shipping to {}: dropped {} document(s): {}", self.target.name, len(docs), why)
        with self._lock:
            self._reported_drops = self.stats.dropped

    def _drop_refused(self, refused: list[str]) -> None:
        self._count(dropped=len(refused))
        logger.warning("log shipping to {}: {} document(s) refused, e.g. {}", self.target.name, len(refused),
                       refused[0])
        with self._lock:
            self._reported_drops = self.stats.dropped

    def _report_drops(self) -> None:
        """Log drops not yet logged (the queue was full): counted, and never silent."""
        with self._lock:
            new = self.stats.dropped - self._reported_drops
            self._reported_drops = self.stats.dropped
            total = self.stats.dropped
        if new:
            logger.warning("log shipping to {}: dropped {} document(s) (queue full or shutting down); {} in all",
                           self.target.name, new, total)

    def _count(self, *, queued: int = 0, sent: int = 0, dropped: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.stats.queued += queued
            self.stats.sent += sent
            self.stats.dropped += dropped
            self.stats.retries += retries
