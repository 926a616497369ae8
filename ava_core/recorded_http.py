"""Recorded HTTP exchanges served by an ``httpx.MockTransport``: the outside world, offline.

Scenarios (``http_fixtures:``), tests and the R&D app hand AVA's clients an ``httpx.Client``
on this transport, so the real client code runs against real payloads (GoHighLevel, Google
Maps, a search API, a web page) and nothing reaches the network. A recording is one YAML
file::

    dns:                                     # what the page fetcher's resolver answers
      www.irs.gov: ["23.50.52.17"]
    exchanges:
      - request:
          method: POST                       # GET unless given
          url: https://services.leadconnectorhq.com/calendars/events/appointments
          query: {timezone: America/Chicago} # these query parameters must match
          json: {calendarId: cal-1}          # the JSON body must contain these keys and values
        response:
          status: 201                        # 200 unless given
          headers: {Retry-After: "1"}
          json: {...}   or  text: "..."  or  file: page.html    # a file beside the recording
          # or error: timeout | connect      (the request fails instead of being answered)
        times: 1                             # answers at most this many requests

A page fetch connects to the address the SSRF guard checked, with the page's name in the
``Host`` header, so ``url`` is the URL as the page knows it (scheme, Host header, path).
A request is answered by the first exchange that matches and is not used up; one that
matches nothing is answered 599 with a body naming it and listed in ``unmatched``, so a
missing recording fails loudly instead of reaching the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ava_core.errors import ConfigError
from ava_core.web.base import WebBlocked

UNMATCHED_STATUS = 599


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)


class RecordedRequest(_Strict):
    method: str = "GET"
    url: str = Field(description="scheme://host/path, without the query")
    query: dict[str, str] = Field(default_factory=dict, description="query parameters that must match")
    json_body: Any = Field(None, alias="json", description="keys and values the JSON body must contain")


class RecordedResponse(_Strict):
    status: int = 200
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = Field(None, alias="json")
    text: str | None = None
    file: str | None = Field(None, description="body from this file, relative to the recording")
    error: Literal["timeout", "connect"] | None = None

    @model_validator(mode="after")
    def _one_body(self) -> RecordedResponse:
        given = [name for name in ("json_body", "text", "file", "error") if getattr(self, name) is not None]
        if len(given) > 1:
            names = [{"json_body": "json"}.get(name, name) for name in given]
            raise ValueError(f"give one of json, text, file or error, not {' and '.join(names)}")
        return self


class Exchange(_Strict):
    request: RecordedRequest
    response: RecordedResponse = Field(default_factory=RecordedResponse)
    times: int | None = Field(None, ge=1, description="answers at most this many requests")

    def matches(self, request: httpx.Request) -> bool:
        want = self.request
        if want.method.upper() != request.method or want.url.rstrip("/") != logical_url(request).rstrip("/"):
            return False
        if any(request.url.params.get(k) != v for k, v in want.query.items()):
            return False
        if want.json_body is None:
            return True
        try:
            sent = json.loads(request.content or b"null")
        except ValueError:
            return False
        return _contains(sent, want.json_body)


class Recording(_Strict):
    dns: dict[str, list[str]] = Field(default_factory=dict, description="host → addresses the resolver answers")
    exchanges: list[Exchange] = Field(default_factory=list)


class RecordedHttp:
    """A transport that answers from recorded exchanges, and remembers every request it saw."""

    def __init__(self, exchanges: Iterable[Exchange] = (), *, dns: dict[str, list[str]] | None = None,
                 base: Path | None = None, source: str = "recorded HTTP"):
        self.exchanges = list(exchanges)
        self.dns = {host.lower(): list(addresses) for host, addresses in (dns or {}).items()}
        self.base = base or Path()
        for exchange in self.exchanges:  # a missing body file is a bad recording, not a failed request
            name = exchange.response.file
            if name and not (self.base / name).is_file():
                raise ConfigError(f"{source}: {exchange.request.url}: response file {name!r} not found next to it")
        self.used = [0] * len(self.exchanges)
        self.calls: list[httpx.Request] = []
        self.unmatched: list[str] = []
        self.transport = httpx.MockTransport(self.handle)

    @classmethod
    def load(cls, path: str | Path) -> RecordedHttp:
        """A YAML recording; its ``file:`` bodies are read relative to it."""
        from ava_core.profile.loader import load_yaml_model

        path = Path(path)
        if path.is_dir():
            raise ConfigError(f"{path}: a recording is one YAML file of exchanges, not a directory "
                              "(see ava_core/recorded_http.py)")
        if not path.is_file():
            raise ConfigError(f"{path}: recorded HTTP fixtures not found")
        recording = load_yaml_model(path, Recording)
        return cls(recording.exchanges, dns=recording.dns, base=path.parent, source=str(path))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, trust_env=False)

    def resolve(self, host: str, port: int) -> list[str]:
        """The recorded DNS answer; a host with none does not resolve."""
        answers = self.dns.get(host.lower())
        if not answers:
            raise WebBlocked(f"{host} does not resolve (no recorded DNS answer)")
        return list(answers)

    def requests(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.calls if r.method == method and r.url.path == path]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for number, exchange in enumerate(self.exchanges):
            if exchange.times is not None and self.used[number] >= exchange.times:
                continue
            if exchange.matches(request):
                self.used[number] += 1
                return self._answer(exchange.response, request)
        what = describe(request)
        self.unmatched.append(what)
        return httpx.Response(UNMATCHED_STATUS, json={"message": f"no recorded exchange for {what}"}, request=request)

    def _answer(self, answer: RecordedResponse, request: httpx.Request) -> httpx.Response:
        if answer.error == "timeout":
            raise httpx.ReadTimeout("recorded timeout", request=request)
        if answer.error == "connect":
            raise httpx.ConnectError("recorded connection failure", request=request)
        headers = dict(answer.headers)
        if answer.file:
            content = (self.base / answer.file).read_bytes()
        elif answer.json_body is not None:
            content = json.dumps(answer.json_body).encode()
            headers.setdefault("content-type", "application/json")
        else:
            content = (answer.text or "").encode()
        return httpx.Response(answer.status, headers=headers, content=content, request=request)


def logical_url(request: httpx.Request) -> str:
    """scheme://host/path as the caller meant it: the Host header names the host a pinned
    connection was made for."""
    host = request.headers.get("host") or request.url.netloc.decode()
    return f"{request.url.scheme}://{host}{request.url.path}"


def describe(request: httpx.Request) -> str:
    """The request in one line, to add to the recording; an API key is never echoed."""
    query = urlencode([(k, v) for k, v in request.url.params.multi_items() if k != "key"])
    return f"{request.method} {logical_url(request)}" + (f"?{query}" if query else "")


def _contains(sent: Any, subset: Any) -> bool:
    if isinstance(subset, dict):
        return isinstance(sent, dict) and all(k in sent and _contains(sent[k], v) for k, v in subset.items())
    return sent == subset
