"""Recorded HTTP exchanges served by an ``httpx.MockTransport``: an outside API, offline.

Scenarios (``http_fixtures:`` in a scenario file) and tests hand AVA's clients an
``httpx.Client`` on this transport, so the real client code runs against real payloads and
nothing reaches the network. The format is one JSON file per exchange in a directory, read
in name order::

    {"request":  {"method": "POST", "path": "/calendars/events/appointments",
                  "query": {"timezone": "America/Chicago"},        # optional: these must match
                  "json": {"calendarId": "cal-1"}},                # optional: these keys must match
     "response": {"status": 201, "headers": {"Retry-After": "1"},
                  "json": {...}  or  "body_file": "appointment.json"},   # a file beside this one
     "times": 1}                                                   # optional: used at most n times

A request is answered by the first exchange that matches and is not used up; one that
matches nothing is answered 599 with a body naming the request (and counted in ``unmatched``),
so a missing recording fails loudly instead of reaching the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ava_core.errors import ScenarioError

UNMATCHED_STATUS = 599


@dataclass
class Exchange:
    method: str
    path: str
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    json_subset: dict[str, Any] | None = None
    times: int | None = None
    used: int = 0

    def matches(self, request: httpx.Request) -> bool:
        if request.method != self.method.upper() or request.url.path != self.path:
            return False
        if self.times is not None and self.used >= self.times:
            return False
        params = request.url.params
        if any(params.get(k) != str(v) for k, v in self.query.items()):
            return False
        if self.json_subset is not None:
            try:
                sent = json.loads(request.content or b"null")
            except ValueError:
                return False
            return _contains(sent, self.json_subset)
        return True


class RecordedHttp:
    """A transport that answers from recorded exchanges, and remembers every request it saw."""

    def __init__(self, exchanges: list[Exchange]):
        self.exchanges = exchanges
        self.calls: list[httpx.Request] = []
        self.unmatched: list[str] = []
        self.transport = httpx.MockTransport(self._answer)

    @classmethod
    def load(cls, directory: str | Path) -> RecordedHttp:
        """Every ``*.json`` exchange in ``directory``, in name order."""
        folder = Path(directory)
        if not folder.is_dir():
            raise ScenarioError(f"http_fixtures: {folder} is not a directory of recorded exchanges")
        return cls([read_exchange(path) for path in sorted(folder.glob("*.json"))])

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport)

    def requests(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.calls if r.method == method and r.url.path == path]

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for exchange in self.exchanges:
            if exchange.matches(request):
                exchange.used += 1
                content = b"" if exchange.body is None else json.dumps(exchange.body).encode()
                headers = {"content-type": "application/json", **exchange.headers} if content else exchange.headers
                return httpx.Response(exchange.status, headers=headers, content=content)
        what = f"{request.method} {request.url.path}?{request.url.query.decode()}"
        self.unmatched.append(what)
        return httpx.Response(UNMATCHED_STATUS, json={"message": f"no recorded exchange for {what}"})


def read_exchange(path: Path) -> Exchange:
    """One exchange file; ``body_file`` names a JSON file beside it holding the response body."""
    try:
        data = json.loads(path.read_text())
        request, response = data["request"], data["response"]
        body = response.get("json")
        if "body_file" in response:
            body = json.loads((path.parent / response["body_file"]).read_text())
        return Exchange(method=request["method"], path=request["path"], status=int(response.get("status", 200)),
                        body=body, headers=dict(response.get("headers") or {}), query=dict(request.get("query") or {}),
                        json_subset=request.get("json"), times=data.get("times"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(f"{path}: not a recorded exchange ({type(exc).__name__}: {exc})") from None


def _contains(sent: Any, subset: Any) -> bool:
    if isinstance(subset, dict):
        return isinstance(sent, dict) and all(k in sent and _contains(sent[k], v) for k, v in subset.items())
    return sent == subset
