"""Local stand-ins for the servers AVA ships to: an Elasticsearch ``_bulk`` endpoint and SMTP.

Both listen on 127.0.0.1 only, on a free port, for the length of one test.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class BulkRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def actions_and_documents(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The NDJSON body as (action, document) pairs; it must end with a newline."""
        text = self.body.decode()
        assert text.endswith("\n"), "a _bulk body ends with a newline"
        lines = [json.loads(line) for line in text.splitlines()]
        return list(zip(lines[0::2], lines[1::2], strict=True))


@dataclass
class BulkServer:
    """Speaks Elasticsearch's ``_bulk``: answers each action with an item, as Elasticsearch does.

    ``fail_first`` requests get ``fail_status``; every item of the ``throttle_first`` requests
    gets 429; ``refuse`` maps a document's ``message`` to an
    item error status; ``hang`` keeps every request waiting until ``release`` is set.
    """

    fail_first: int = 0
    throttle_first: int = 0
    fail_status: int = 503
    refuse: dict[str, int] = field(default_factory=dict)
    hang: bool = False
    requests: list[BulkRequest] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> BulkServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = BulkRequest(self.path, dict(self.headers), body)
                server.requests.append(request)
                server.arrived.set()
                if server.hang:
                    server.release.wait(10)
                    return
                if len(server.requests) <= server.fail_first:
                    return self._answer(server.fail_status, {"error": "unavailable", "status": server.fail_status})
                items, errors = [], False
                for action, doc in request.actions_and_documents():
                    (op, meta), = action.items()
                    status = server.refuse.get(doc.get("message"), 201)
                    if len(server.requests) <= server.throttle_first:
                        status = 429
                    if op != "create":  # data streams take create actions only
                        status = 400
                    item: dict[str, Any] = {"_index": meta.get("_index"), "status": status}
                    if status >= 300:
                        errors = True
                        item["error"] = {"type": "mapper_parsing_exception" if status == 400 else
                                         "es_rejected_execution_exception", "reason": "refused by the test"}
                    else:
                        server.documents.append(doc)
                    items.append({op: item})
                self._answer(200, {"took": 1, "errors": errors, "items": items})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class SmtpServer:
    """aiosmtpd on 127.0.0.1, keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 (aiosmtpd's naming)
                from email import message_from_bytes, policy

                server.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        # aiosmtpd connects to its own port to check it started, so it needs a real one, not 0.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=free)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    @property
    def port(self) -> int:
        return self._controller.port

    def __exit__(self, *exc) -> None:
        self._controller.stop()
