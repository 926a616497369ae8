"""Browsing when it is not configured, or when the model provider searches by itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ava_core.web.base import Page, SearchHit, WebOff

if TYPE_CHECKING:
    from ava_core.web.fetch import PageFetcher

OFF_REASON = (
    "web browsing is not configured for this business; answer from search_knowledge, or say a person "
    "from the team will confirm"
)


class NoWebSearch:
    """Search is off. Pages can still be fetched when a fetcher is given (the model provider's
    own search tool finds them, e.g. Claude's server-side web search)."""

    name = "off"

    def __init__(self, fetcher: PageFetcher | None = None, reason: str = OFF_REASON):
        self._fetcher = fetcher
        self._reason = reason

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        raise WebOff(self._reason)

    def fetch(self, url: str) -> Page:
        if self._fetcher is None:
            raise WebOff(self._reason)
        return self._fetcher.fetch(url)
