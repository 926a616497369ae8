"""One URL → its readable text, through the SSRF guard, capped in bytes, characters and seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import httpx

from ava_core.web.base import Page, WebBlocked, WebError
from ava_core.web.guard import Guard, Target

USER_AGENT = "AVA-assistant/1.0 (+fetches one page a lead asked about)"
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
MAX_REDIRECTS = 5


class PageFetcher:
    """Fetches pages with an injected httpx client, connecting only to addresses the guard checked.

    The client must not follow redirects itself or go through a proxy (build it with
    ``trust_env=False``): either would connect somewhere the guard never saw.
    """

    def __init__(self, client: httpx.Client, guard: Guard, *, max_bytes: int = 2_000_000,
                 max_chars: int = 6_000, timeout: float = 10.0, monotonic: Callable[[], float] = time.monotonic):
        self._client = client
        self._guard = guard
        self._max_bytes = max_bytes
        self._max_chars = max_chars
        self._timeout = timeout
        self._monotonic = monotonic

    def fetch(self, url: str) -> Page:
        deadline = self._monotonic() + self._timeout
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target = self._guard.pin(current)
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                raise WebError(f"{url} took longer than {self._timeout:g} s")
            request = self._client.build_request(
                "GET", target.connect_url,
                headers={"Host": _host_header(target), "User-Agent": USER_AGENT,
                         "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8"},
                extensions={"sni_hostname": target.host, "timeout": httpx.Timeout(remaining).as_dict()},
            )
            try:
                response = self._client.send(request, stream=True, follow_redirects=False)
            except httpx.TimeoutException as exc:
                raise WebError(f"{target.url} did not answer within {self._timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise WebError(f"could not fetch {target.url}: {type(exc).__name__}") from exc
            try:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(target.url, response.headers["location"])
                    continue  # the next hop goes through the guard again
                if response.status_code >= 400:
                    raise WebError(f"{target.url} answered HTTP {response.status_code}")
                kind = response.headers.get("content-type", "text/html").split(";")[0].strip().lower()
                if kind not in TEXT_TYPES:
                    raise WebError(f"{target.url} is {kind}, not a web page AVA can read")
                body, cut = self._read(response, deadline, target.url)
            finally:
                response.close()
            return self._page(url, target.url, kind, body, cut)
        raise WebBlocked(f"{url} redirected more than {MAX_REDIRECTS} times")

    def _read(self, response: httpx.Response, deadline: float, url: str) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if self._monotonic() > deadline:
                raise WebError(f"{url} took longer than {self._timeout:g} s")
            chunks.append(chunk)
            size += len(chunk)
            if size >= self._max_bytes:
                return b"".join(chunks)[: self._max_bytes], True
        return b"".join(chunks), False

    def _page(self, url: str, final_url: str, kind: str, body: bytes, cut: bool) -> Page:
        if kind == "text/plain":
            title, text = None, body.decode("utf-8", errors="replace").strip()
        else:
            # trafilatura takes ~0.4 s to import: only when a page is actually read.
            from ava_core.web.readable import readable

            title, text = readable(body, final_url)
        truncated = cut or len(text) > self._max_chars
        return Page(url=url, final_url=final_url, title=title, text=text[: self._max_chars], truncated=truncated)


def _host_header(target: Target) -> str:
    port = urlsplit(target.url).port
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if port is None else f"{host}:{port}"
