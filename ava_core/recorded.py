"""Recorded HTTP exchanges served by an ``httpx.MockTransport``: the outside world, offline.

Scenarios (``http_fixtures:``), tests and the R&D app use it to replay what Google Maps, a
search API or a web page answered, with no network. A page fetch connects to the address the
SSRF guard checked, with the page's name in the ``Host`` header, so requests are matched on
the URL as the page knows it (scheme, Host header, path), plus any query parameters given.
DNS answers for the page fetcher come from the same file (``dns:``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ava_core.errors import ConfigError
from ava_core.web.base import WebBlocked


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordedRequest(_Strict):
    method: str = "GET"
    url: str = Field(description="scheme://host/path, without the query")
    params: dict[str, str] = Field(default_factory=dict, description="query parameters that must match")


class RecordedResponse(_Strict):
    status: int = 200
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = Field(None, alias="json")
    text: str | None = None
    file: str | None = Field(None, description="body from this file, relative to the fixtures file")
    error: Literal["timeout", "connect"] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Exchange(_Strict):
    request: RecordedRequest
    response: RecordedResponse


class Recording(_Strict):
    dns: dict[str, list[str]] = Field(default_factory=dict, description="host → addresses the resolver answers")
    exchanges: list[Exchange] = Field(default_factory=list)
    base: Path | None = Field(None, exclude=True)


def load_recording(path: str | Path) -> Recording:
    """A YAML recording; its ``file:`` bodies are read relative to it."""
    from ava_core.profile.loader import load_yaml_model

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: recorded HTTP fixtures not found")
    recording = load_yaml_model(path, Recording).model_copy(update={"base": path.parent})
    for exchange in recording.exchanges:
        name = exchange.response.file
        if name and not (path.parent / name).is_file():
            raise ConfigError(f"{path}: {exchange.request.url}: response file {name!r} not found next to it")
    return recording


class RecordedHTTP:
    """Answers each request with the first matching exchange; an unmatched request is an error
    that names it, so a scenario never silently reaches for the network."""

    def __init__(self, recording: Recording):
        self.recording = recording
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), trust_env=False)

    def resolve(self, host: str, port: int) -> list[str]:
        """The recorded DNS answer; a host with none does not resolve."""
        answers = self.recording.dns.get(host.lower())
        if not answers:
            raise WebBlocked(f"{host} does not resolve (no recorded DNS answer)")
        return list(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = logical_url(request)
        for exchange in self.recording.exchanges:
            want = exchange.request
            if want.method.upper() != request.method or want.url.rstrip("/") != url.rstrip("/"):
                continue
            if any(request.url.params.get(k) != v for k, v in want.params.items()):
                continue
            return self._answer(exchange.response, request)
        asked = sorted(k for k in request.url.params if k != "key")  # never echo a key
        raise httpx.ConnectError(f"no recorded answer for {request.method} {url} (query: {', '.join(asked)})",
                                 request=request)

    def _answer(self, answer: RecordedResponse, request: httpx.Request) -> httpx.Response:
        if answer.error == "timeout":
            raise httpx.ReadTimeout("recorded timeout", request=request)
        if answer.error == "connect":
            raise httpx.ConnectError("recorded connection failure", request=request)
        headers = dict(answer.headers)
        if answer.file:
            content = (self.recording.base / answer.file).read_bytes()
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
