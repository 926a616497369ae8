"""Builds the configured ``WebSearch``: a search API by key, or off."""

from __future__ import annotations

import httpx

from ava_core.errors import ConfigError
from ava_core.profile.models import Profile
from ava_core.settings import Settings, required
from ava_core.web.base import WebSearch
from ava_core.web.fetch import PageFetcher
from ava_core.web.guard import Guard, Resolver, system_resolver
from ava_core.web.off import NoWebSearch


def web_backend(settings: Settings, profile: Profile) -> str:
    """off (the profile names nothing to browse for), tavily, brave, or fetch only (no search API:
    pages are still read, and Claude may search with its own tool when the profile lets it)."""
    if not profile.web.topics:
        return "off"
    if settings.web_search != "off":
        if not settings.web_search_api_key:
            raise ConfigError(f"AVA_WEB_SEARCH={settings.web_search} needs AVA_WEB_SEARCH_API_KEY")
        return settings.web_search
    return "fetch only"


def build_fetcher(profile: Profile, *, http: httpx.Client | None = None,
                  resolver: Resolver | None = None) -> PageFetcher:
    web = profile.web
    guard = Guard(resolver=resolver or system_resolver, allow_domains=tuple(web.allow_domains),
                  deny_domains=tuple(web.deny_domains))
    # No proxy from the environment and no automatic redirects: both would connect somewhere
    # the guard never checked.
    http = http or httpx.Client(trust_env=False, follow_redirects=False)
    return PageFetcher(http, guard, max_bytes=web.fetch_max_bytes, max_chars=web.fetch_max_chars,
                       timeout=web.fetch_timeout_seconds)


def build_web(settings: Settings, profile: Profile, *, http: httpx.Client | None = None,
              resolver: Resolver | None = None) -> WebSearch:
    """The web backend; ``http`` and ``resolver`` are injected by tests and recorded scenarios."""
    backend = web_backend(settings, profile)
    if backend == "off":
        return NoWebSearch()
    fetcher = build_fetcher(profile, http=http, resolver=resolver)
    if backend == "fetch only":
        return NoWebSearch(fetcher, reason=(
            "no web search is configured for this business (AVA_WEB_SEARCH), though fetch_page can read a "
            "page whose URL you have: answer from search_knowledge, or say a person from the team will confirm"))
    from ava_core.web.brave import BraveSearch
    from ava_core.web.tavily import TavilySearch

    cls = TavilySearch if backend == "tavily" else BraveSearch
    api_http = http or httpx.Client(timeout=settings.web_search_timeout_seconds)
    key = required(settings.web_search_api_key, "AVA_WEB_SEARCH_API_KEY").get_secret_value()
    return cls(api_http, key, fetcher,
               allow_domains=profile.web.allow_domains, deny_domains=profile.web.deny_domains,
               timeout=settings.web_search_timeout_seconds)
