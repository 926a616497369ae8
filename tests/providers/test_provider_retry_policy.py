"""The one retry policy: which failures are retried, and how long AVA waits."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ava_core.models.reliability import (
    Failure,
    ProviderCallError,
    RetryPolicy,
    failure_from_status,
    retry_after_seconds,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_retry_after_in_seconds():
    assert retry_after_seconds({"retry-after": "7"}) == 7.0


def test_retry_after_as_an_http_date():
    headers = {"retry-after": format_datetime(NOW + timedelta(seconds=30), usegmt=True)}

    assert retry_after_seconds(headers, now=NOW.timestamp) == 30.0


def test_retry_after_ms_wins_over_retry_after():
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "2"}) == 1.5


def test_a_date_in_the_past_means_no_wait_and_garbage_means_no_hint():
    past = format_datetime(NOW - timedelta(minutes=1), usegmt=True)

    assert retry_after_seconds({"retry-after": past}, now=NOW.timestamp) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_busy_and_server_errors_are_retryable(status):
    assert failure_from_status(status, {}, reason="x").retryable


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_request_errors_are_not_retried(status):
    assert not failure_from_status(status, {}, reason="x").retryable


def test_the_servers_x_should_retry_header_wins_for_busy_and_server_errors():
    assert not failure_from_status(503, {"x-should-retry": "false"}, reason="x").retryable
    # A 400 is the same 400 next time: not retried whatever the header says (test_provider_step_deadline.py).
    assert not failure_from_status(400, {"x-should-retry": "true"}, reason="x").retryable


def test_backoff_grows_exponentially_up_to_the_cap_with_jitter():
    low = RetryPolicy(jitter=lambda: 0.0, base_delay=0.5, max_delay=8.0)
    high = RetryPolicy(jitter=lambda: 1.0, base_delay=0.5, max_delay=8.0)

    assert [low.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert [high.backoff(n) for n in (1, 2, 6)] == [0.5, 1.0, 8.0]


def test_retry_after_longer_than_the_limit_fails_over_instead_of_waiting():
    sleeps = []
    policy = RetryPolicy(attempts=3, max_retry_after=20, sleep=sleeps.append, jitter=lambda: 0.0)
    calls = []

    def call():
        calls.append(1)
        raise RuntimeError("429")

    with pytest.raises(ProviderCallError) as caught:
        policy.run(call, provider="azure",
                   classify=lambda exc: Failure(retryable=True, reason="HTTP 429", status=429, retry_after=60))

    assert len(calls) == 1 and sleeps == []
    assert "AVA_MODEL_RETRY_MAX_WAIT_SECONDS" in str(caught.value)


def test_exceptions_that_are_not_provider_failures_propagate_unchanged():
    policy = RetryPolicy(sleep=lambda s: None)

    def call():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        policy.run(call, provider="azure", classify=lambda exc: None)


def test_policy_from_settings_uses_the_ava_settings():
    from tests.providers.fakes import make_settings

    settings = make_settings(model_max_attempts=5, model_timeout_seconds=12, model_retry_max_wait_seconds=3)
    policy = RetryPolicy.from_settings(settings)

    assert (policy.attempts, policy.timeout, policy.max_retry_after) == (5, 12, 3)
