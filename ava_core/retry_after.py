"""Waiting out rate limits, for every HTTP client: how long a server asked us to wait before
trying again (RFC 9110 §10.2.3), and the wait-and-retry loop the channels share.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    import httpx


def retry_after_seconds(headers: Mapping[str, str] | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked to wait: ``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")  # Azure OpenAI and OpenAI send this finer-grained header
    if ms is not None:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)  # RFC 9110 §10.2.3: an HTTP-date is allowed
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)


@dataclass(frozen=True)
class RateLimitWait:
    """How a client waits out a rate limit: the wait the server asked for, else exponential
    backoff (2, 4, 8 … s), for at most ``attempts`` tries, and never a wait past ``max_wait``
    (a longer one is left to the caller's own retry, e.g. a durable activity's)."""

    attempts: int = 4
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time

    def send(self, request: Callable[[], httpx.Response], *, limited: Callable[[httpx.Response], bool],
             what: str, asked: Callable[[httpx.Response], float | None] | None = None) -> httpx.Response:
        """Call ``request`` until its answer is not a rate limit (``limited``), or waiting more is not
        allowed; returns that last answer for the caller to read. ``asked`` reads a wait from a
        client's own headers when the standard ones give none."""
        for attempt in range(1, self.attempts + 1):
            response = request()
            if response.status_code < 400 or attempt == self.attempts or not limited(response):
                return response
            wait = self.wait(response, attempt, asked)
            if wait > self.max_wait:
                return response
            logger.warning("{} rate limited (HTTP {}): retrying in {:.1f}s", what, response.status_code, wait)
            self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns")

    def wait(self, response: httpx.Response, attempt: int,
             asked: Callable[[httpx.Response], float | None] | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        told = retry_after_seconds(response.headers, now=self.now)
        if told is None and asked is not None:
            told = asked(response)
        return told if told is not None else min(2.0 ** attempt, self.max_wait)
