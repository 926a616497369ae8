"""One retry policy for every model provider: per-call timeouts, exponential backoff with
jitter, and the server's ``Retry-After``.

The SDKs' own retries are switched off (``max_retries=0`` where each client is built) so this
policy alone decides how often and how long AVA waits, and failover can move on quickly.
Retried: timeouts, connection errors, 408, 409, 429 and 5xx including Anthropic's 529
"overloaded" (api-wire-formats.md §4.4, §5.5). A server's ``x-should-retry`` header wins.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from loguru import logger

from ava_core.errors import ProviderError
from ava_core.retry_after import retry_after_seconds

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class Failure:
    """How one failed call should be treated. ``reason`` is safe to log: it never holds a secret."""

    retryable: bool
    reason: str
    status: int | None = None
    retry_after: float | None = None  # seconds the server asked for


class ProviderCallError(ProviderError):
    """A provider call that failed for good; ``failure`` tells doctor and failover why."""

    def __init__(self, message: str, *, provider: str, failure: Failure, attempts: int):
        super().__init__(message, retryable=failure.retryable, provider=provider)
        self.failure = failure
        self.attempts = attempts


def failure_from_status(
    status: int, headers: Mapping[str, str] | None, *, reason: str, now: Callable[[], float] = time.time
) -> Failure:
    """Classify an HTTP error status: retryable or not, and how long the server asked to wait."""
    should_retry = (headers or {}).get("x-should-retry")
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    else:
        retryable = status in RETRY_STATUSES or status >= 500
    return Failure(retryable=retryable, reason=reason, status=status, retry_after=retry_after_seconds(headers, now=now))


class RetryPolicy:
    """Attempts, timeout and waits for provider calls; ``sleep`` and ``jitter`` are injectable for tests."""

    def __init__(
        self,
        *,
        attempts: int = 3,
        timeout: float = 30.0,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retry_after: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self.attempts = max(attempts, 1)
        self.timeout = timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.jitter = jitter

    @classmethod
    def from_settings(cls, settings, **overrides) -> RetryPolicy:
        """The policy the settings describe (``AVA_MODEL_TIMEOUT_SECONDS`` and friends)."""
        values = dict(
            attempts=settings.model_max_attempts,
            timeout=settings.model_timeout_seconds,
            max_retry_after=settings.model_retry_max_wait_seconds,
        )
        return cls(**{**values, **overrides})

    def backoff(self, failures: int) -> float:
        """Exponential backoff with jitter after ``failures`` failed attempts: half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return ceiling * (0.5 + self.jitter() / 2)

    def wait(self, failures: int, failure: Failure) -> float | None:
        """Seconds to wait before the next attempt, or None when the server asks for too long."""
        if failure.retry_after is None:
            return self.backoff(failures)
        if failure.retry_after > self.max_retry_after:
            return None
        # Honour the server's wait, plus a little jitter so many conversations do not all
        # come back in the same instant.
        return failure.retry_after + self.jitter() * self.base_delay

    def run(
        self,
        call: Callable[[], T],
        *,
        provider: str,
        classify: Callable[[BaseException], Failure | None],
        hints: Mapping[int, str] | None = None,
    ) -> T:
        """Run ``call`` under this policy; raise ``ProviderCallError`` once it fails for good.

        ``classify`` turns an SDK exception into a ``Failure``; exceptions it returns None for
        are not provider failures and propagate unchanged.
        """
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                wait = self.wait(attempt, failure) if failure.retryable and attempt < self.attempts else None
                if wait is None:
                    raise ProviderCallError(
                        _message(provider, failure, attempt, self, hints), provider=provider, failure=failure,
                        attempts=attempt,
                    ) from exc
                logger.bind(provider=provider).warning(
                    "{} call failed ({}); attempt {}/{} in {:.2f}s", provider, failure.reason, attempt + 1,
                    self.attempts, wait,
                )
                self.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _message(
    provider: str, failure: Failure, attempts: int, policy: RetryPolicy, hints: Mapping[int, str] | None
) -> str:
    """What failed, and what to do about it."""
    text = f"{provider}: {failure.reason}"
    if failure.retryable and failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
        text += (
            f"; the server asked to wait {failure.retry_after:.0f}s, longer than "
            f"AVA_MODEL_RETRY_MAX_WAIT_SECONDS={policy.max_retry_after:g}"
        )
    elif attempts > 1:
        text += f" (after {attempts} attempts)"
    hint = (hints or {}).get(failure.status or 0)
    if hint:
        text += f": {hint}"
    elif failure.retryable:
        text += ": the provider is busy or unreachable; AVA fails over to the next model if one is configured"
    return text
