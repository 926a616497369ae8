"""What the search-API backends share: the HTTP call, its errors, domain filtering, page fetches."""

from __future__ import annotations

from typing import Any

import httpx

from ava_core.web.base import Page, SearchHit, WebError
from ava_core.web.fetch import PageFetcher
from ava_core.web.guard import domain_matches

HINTS = {
    401: "check AVA_WEB_SEARCH_API_KEY",
    403: "the key's plan does not allow this; check the provider's dashboard",
    429: "the search quota is used up for now; answer from the business's knowledge",
    432: "the plan's credits are used up; check the provider's dashboard",
    433: "the plan's limit is reached; check the provider's dashboard",
}


class SearchAPI:
    """Base for a search API by key; subclasses build the request and read the answer."""

    name = "search"

    def __init__(self, client: httpx.Client, api_key: str, fetcher: PageFetcher, *,
                 allow_domains: list[str] | None = None, deny_domains: list[str] | None = None,
                 timeout: float = 10.0):
        self._client = client
        self._key = api_key
        self._fetcher = fetcher
        self._allow = list(allow_domains or [])
        self._deny = list(deny_domains or [])
        self._timeout = timeout

    def fetch(self, url: str) -> Page:
        return self._fetcher.fetch(url)

    def _send(self, request: httpx.Request) -> Any:
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            raise WebError(f"{self.name} did not answer within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise WebError(f"could not reach {self.name}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            hint = HINTS.get(response.status_code, "try again later")
            raise WebError(f"{self.name} answered HTTP {response.status_code}{_detail(response)}: {hint}")
        try:
            return response.json()
        except ValueError as exc:
            raise WebError(f"{self.name} answered with something that is not JSON") from exc

    def _allowed(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The profile's domain lists apply to results too, whatever the API filtered."""
        from urllib.parse import urlsplit

        kept = []
        for hit in hits:
            host = urlsplit(hit.url).hostname or ""
            if self._allow and not domain_matches(host, self._allow):
                continue
            if self._deny and domain_matches(host, self._deny):
                continue
            kept.append(hit)
        return kept


def _detail(response: httpx.Response) -> str:
    """The provider's own error words, when it gives them (never echoing the request)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("error")
    if detail is None and isinstance(body, dict) and isinstance(body.get("error"), dict):
        detail = body["error"].get("detail") or body["error"].get("code")
    return f" ({str(detail)[:200]})" if detail else ""
