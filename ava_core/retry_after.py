"""Waiting out rate limits, for every HTTP client: how long a server asked us to wait before
trying again (RFC 9110 §10.2.3), and the wait-and-retry loop the channels and the Azure OpenAI
embedder share: ``send`` for a client that returns a refusal, ``call`` for an SDK that raises one.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


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


class RetriesSpent(Exception):
    """A call still failing when no more tries are allowed: ``attempts`` made, ``last`` the last
    failure, ``asked`` the wait the server asked for when it was longer than the client waits."""

    def __init__(self, last: Exception, *, attempts: int, asked: float | None = None):
        super().__init__(str(last))
        self.last = last
        self.attempts = attempts
        self.asked = asked


@dataclass(frozen=True)
class RateLimitWait:
    """How a client waits out a rate limit: the wait the server asked for, else exponential
    backoff (``first_backoff``, then twice as long each time: 2, 4, 8 … s), for at most
    ``attempts`` tries, and never a wait past ``max_wait`` (a longer one is left to the caller's
    own retry, e.g. a durable activity's)."""

    attempts: int = 4
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time
    first_backoff: float = 2.0

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

    def call(self, request: Callable[[], T], *, retry: Callable[[Exception], bool], what: str) -> T:
        """Call ``request`` until it returns; a failure ``retry`` accepts (a rate limit, a busy
        server, a dropped connection) is tried again after the wait its answer (the exception's
        ``response``) asked for, else backoff. Any other failure is raised as it is; a retryable
        one that is still failing when tries or the wait run out raises ``RetriesSpent``."""
        for attempt in range(1, self.attempts + 1):
            try:
                return request()
            except Exception as exc:
                if not retry(exc):
                    raise
                if attempt == self.attempts:
                    raise RetriesSpent(exc, attempts=attempt) from exc
                wait = self.wait(getattr(exc, "response", None), attempt)
                if wait > self.max_wait:
                    raise RetriesSpent(exc, attempts=attempt, asked=wait) from exc
                logger.warning("{} failed ({}): retrying in {:.1f}s", what, exc, wait)
                self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def wait(self, response: Any, attempt: int,
             asked: Callable[[httpx.Response], float | None] | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: what ``response`` (any answer with
        ``headers``, or None when none came) asked for, else backoff."""
        headers = getattr(response, "headers", None)
        told = retry_after_seconds(headers, now=self.now)
        if told is None and asked is not None and response is not None:
            told = asked(response)
        return told if told is not None else min(self.first_backoff * 2.0 ** (attempt - 1), self.max_wait)
