"""One retry policy for every model provider: per-call timeouts, exponential backoff with
jitter, and the server's ``Retry-After``.

The SDKs' own retries are switched off (``max_retries=0`` where each client is built) so this
policy alone decides how often and how long AVA waits, and failover can move on quickly.
Retried: timeouts, connection errors, 408, 409, 429 and 5xx including Anthropic's 529
"overloaded" (api-wire-formats.md §4.4, §5.5). A server's ``x-should-retry`` header decides
for those; any other 4xx is never retried, whatever the header says: the same request gets
the same answer.

One model step runs under one deadline (``step_deadline``, ``AVA_MODEL_STEP_DEADLINE_SECONDS``)
shared by every provider of the failover chain: no attempt starts after it, no wait runs past
it, and each call's timeout is cut to what is left. So retries × failover can never stack up
to the Functions timeout (see ``FailoverModel`` for the worst case).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from loguru import logger

from ava_core.errors import ProviderError
from ava_core.retry_after import retry_after_seconds

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429})
# The shortest call worth starting before the deadline: less cannot get a model's answer.
MIN_CALL_SECONDS = 1.0

# When the current model step must be over (a time.monotonic() value), or None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("ava_model_step_deadline", default=None)


@contextmanager
def step_deadline(seconds: float | None, *, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Bound every provider call made inside to ``seconds`` from now, retries and failover included.

    Nested deadlines keep the nearer one. None sets no deadline.
    """
    if seconds is None:
        yield
        return
    at = clock() + seconds
    current = _deadline.get()
    token = _deadline.set(at if current is None else min(at, current))
    try:
        yield
    finally:
        _deadline.reset(token)


def seconds_left(clock: Callable[[], float] = time.monotonic) -> float | None:
    """Seconds until the current step's deadline (negative once passed), or None without one."""
    at = _deadline.get()
    return None if at is None else at - clock()


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
    if 400 <= status < 500 and status not in RETRY_STATUSES:
        retryable = False  # a bad request, key, model or size: asking again changes nothing
    elif should_retry in ("true", "false"):
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
        clock: Callable[[], float] = time.monotonic,
    ):
        self.attempts = max(attempts, 1)
        self.call_timeout = timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock

    @property
    def timeout(self) -> float:
        """The timeout for the next call: ``AVA_MODEL_TIMEOUT_SECONDS``, cut to what is left of the step."""
        left = seconds_left(self.clock)
        return self.call_timeout if left is None else max(min(self.call_timeout, left), MIN_CALL_SECONDS)

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
            left = seconds_left(self.clock)
            if left is not None and left < MIN_CALL_SECONDS:
                expired = Failure(retryable=True, reason="no time left in this model step "
                                  "(AVA_MODEL_STEP_DEADLINE_SECONDS)")
                raise ProviderCallError(f"{provider}: {expired.reason}", provider=provider, failure=expired,
                                        attempts=attempt - 1)
            try:
                return call()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                wait = self.wait(attempt, failure) if failure.retryable and attempt < self.attempts else None
                left = seconds_left(self.clock)
                if wait is not None and left is not None and wait + MIN_CALL_SECONDS > left:
                    # Waiting would leave no time for the attempt: fail over now instead.
                    failure = Failure(retryable=True, reason=f"{failure.reason}; no time left in this model step "
                                      "for another attempt (AVA_MODEL_STEP_DEADLINE_SECONDS)", status=failure.status)
                    wait = None
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
