"""The ``WebSearch`` seam: search the web, and fetch one page as readable text."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from ava_core.errors import AvaError


class WebError(AvaError):
    """A search or a page fetch failed; the message says why and what to try."""


class WebBlocked(WebError):
    """The URL is refused: not http(s), a private or internal address, or a denied domain."""


class WebOff(WebError):
    """Browsing is not configured for this deployment."""


class SearchHit(BaseModel):
    title: str
    url: str
    snippet: str = ""
    published: str | None = None


class Page(BaseModel):
    url: str  # as requested
    final_url: str  # after redirects
    title: str | None = None
    text: str
    truncated: bool = False


class WebSearch(Protocol):
    name: str

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        """Titles, URLs and snippets for a query; raises WebError."""
        ...

    def fetch(self, url: str) -> Page:
        """One page's main text, after the SSRF guard; raises WebBlocked or WebError."""
        ...
