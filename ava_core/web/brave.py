"""Brave Search (``GET https://api.search.brave.com/res/v1/web/search``, subscription token)."""

from __future__ import annotations

import lxml.html

from ava_core.web.base import SearchHit
from ava_core.web.search_api import SearchAPI

BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"


class BraveSearch(SearchAPI):
    name = "brave"

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        request = self._client.build_request(
            "GET", BRAVE_URL, params={"q": query, "count": min(limit * 2, 20)}, timeout=self._timeout,
            headers={"X-Subscription-Token": self._key, "Accept": "application/json"},
        )
        payload = self._send(request)
        hits = [
            SearchHit(title=_plain(r.get("title") or r["url"]), url=r["url"],
                      snippet=_plain(r.get("description") or "")[:600], published=r.get("page_age") or r.get("age"))
            for r in (payload.get("web") or {}).get("results", []) if r.get("url")
        ]
        return self._allowed(hits)[:limit]


def _plain(fragment: str) -> str:
    """Brave marks query words with <strong>; the model gets plain text."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
