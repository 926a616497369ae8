"""Tavily search (``POST https://api.tavily.com/search``, bearer key): results with extracted content."""

from __future__ import annotations

from ava_core.web.base import SearchHit
from ava_core.web.search_api import SearchAPI

TAVILY_URL = "https://api.tavily.com/search"


class TavilySearch(SearchAPI):
    name = "tavily"

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        body = {
            "query": query, "search_depth": "basic", "topic": "general", "max_results": limit,
            "include_answer": False, "include_raw_content": False,
            "include_domains": self._allow, "exclude_domains": self._deny,
        }
        request = self._client.build_request(
            "POST", TAVILY_URL, json=body, timeout=self._timeout,
            headers={"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"},
        )
        payload = self._send(request)
        hits = [
            SearchHit(title=r.get("title") or r["url"], url=r["url"], snippet=(r.get("content") or "")[:600],
                      published=r.get("published_date"))
            for r in payload.get("results", []) if r.get("url")
        ]
        return self._allowed(hits)[:limit]
