"""Reading a page and searching the web, from recorded payloads."""

from __future__ import annotations

import json

import pytest

from ava_core.web.base import WebError
from ava_core.web.brave import BraveSearch
from ava_core.web.fetch import PageFetcher
from ava_core.web.guard import Guard
from ava_core.web.tavily import TavilySearch
from tests.web.conftest import IRS_IP, IRS_URL, page, recorded, redirect

DNS = {"www.irs.gov": [IRS_IP], "irs.gov": [IRS_IP]}


def fetcher(http, **caps) -> PageFetcher:
    return PageFetcher(http.client(), Guard(resolver=http.resolve), **caps)


def test_a_page_becomes_its_main_text_without_scripts_or_navigation():
    got = fetcher(recorded(page(IRS_URL), dns=DNS)).fetch(IRS_URL)
    assert got.final_url == IRS_URL
    assert got.title.startswith("Residential Clean Energy Credit")
    assert "ends the residential clean energy credit for expenditures made after December 31, 2025" in got.text
    assert "dataLayer" not in got.text and "track(" not in got.text
    assert "Refunds" not in got.text and "Careers" not in got.text
    assert not got.truncated


def test_redirects_between_public_hosts_are_followed_and_the_final_url_reported():
    http = recorded(redirect("https://irs.gov/credit", IRS_URL, status=301), page(IRS_URL), dns=DNS)
    got = fetcher(http).fetch("https://irs.gov/credit")
    assert got.url == "https://irs.gov/credit" and got.final_url == IRS_URL


def test_text_is_capped_in_characters_and_bytes():
    got = fetcher(recorded(page(IRS_URL), dns=DNS), max_chars=200).fetch(IRS_URL)
    assert len(got.text) == 200 and got.truncated
    small = fetcher(recorded(page(IRS_URL), dns=DNS), max_bytes=1_000).fetch(IRS_URL)
    assert small.truncated


def test_a_slow_page_is_given_up_on():
    http = recorded({"request": {"url": IRS_URL}, "response": {"error": "timeout"}}, dns=DNS)
    with pytest.raises(WebError, match="did not answer within 10 s"):
        fetcher(http).fetch(IRS_URL)


def test_the_deadline_covers_every_redirect():
    ticks = iter([0.0, 4.0, 11.0, 11.0])
    http = recorded(redirect("https://irs.gov/credit", IRS_URL), page(IRS_URL), dns=DNS)
    slow = PageFetcher(http.client(), Guard(resolver=http.resolve), timeout=10, monotonic=lambda: next(ticks))
    with pytest.raises(WebError, match="longer than 10 s"):
        slow.fetch("https://irs.gov/credit")


def test_a_file_that_is_not_a_page_is_refused():
    http = recorded({"request": {"url": IRS_URL}, "response": {"text": "%PDF-1.7",
                                                               "headers": {"content-type": "application/pdf"}}},
                    dns=DNS)
    with pytest.raises(WebError, match="application/pdf"):
        fetcher(http).fetch(IRS_URL)


def _tavily(http, **kw) -> TavilySearch:
    return TavilySearch(http.client(), "tvly-recorded", fetcher(http), **kw)


def test_tavily_results_become_titles_urls_and_snippets():
    http = recorded({"request": {"method": "POST", "url": "https://api.tavily.com/search"},
                     "response": {"file": "tavily_search.json"}})
    hits = _tavily(http, deny_domains=["spam.example.net"]).search("federal residential solar tax credit 2026")
    assert [h.url for h in hits] == [IRS_URL, "https://news.example.org/2025/07/solar-credit-ends"]
    assert "after December 31, 2025" in hits[0].snippet
    sent = http.calls[0]
    assert sent.headers["authorization"] == "Bearer tvly-recorded"
    body = json.loads(sent.content)
    assert body["query"] == "federal residential solar tax credit 2026" and body["max_results"] == 5
    assert body["exclude_domains"] == ["spam.example.net"]


def test_a_refused_tavily_key_says_what_to_check():
    http = recorded({"request": {"method": "POST", "url": "https://api.tavily.com/search"},
                     "response": {"file": "tavily_401.json", "status": 401}})
    with pytest.raises(WebError, match="HTTP 401 .*invalid API key.*AVA_WEB_SEARCH_API_KEY"):
        _tavily(http).search("solar credit")


def test_brave_results_lose_their_markup_and_respect_the_allow_list():
    http = recorded({"request": {"url": "https://api.search.brave.com/res/v1/web/search",
                                 "query": {"q": "federal residential solar tax credit 2026"}},
                     "response": {"file": "brave_search.json"}})
    brave = BraveSearch(http.client(), "brave-recorded", fetcher(http), allow_domains=["irs.gov"])
    hits = brave.search("federal residential solar tax credit 2026")
    assert [h.url for h in hits] == [IRS_URL]
    assert hits[0].title == "Residential Clean Energy Credit | Internal Revenue Service"
    assert "<strong>" not in hits[0].snippet
    assert http.calls[0].headers["x-subscription-token"] == "brave-recorded"


def test_brave_over_its_rate_limit_is_a_readable_error():
    http = recorded({"request": {"url": "https://api.search.brave.com/res/v1/web/search"},
                     "response": {"file": "brave_429.json", "status": 429}})
    with pytest.raises(WebError, match="HTTP 429 .*rate limit exceeded.*quota"):
        BraveSearch(http.client(), "k", fetcher(http)).search("solar")
