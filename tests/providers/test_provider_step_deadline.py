"""One model step ends by AVA_MODEL_STEP_DEADLINE_SECONDS, whatever retries and failover would
add up to; and a request error that cannot change is not retried."""

from __future__ import annotations

import httpx2
import pytest

from ava_core.models.base import ModelResponse
from ava_core.models.failover import FailoverModel
from ava_core.models.providers import build_chain, build_provider
from ava_core.models.reliability import (
    Failure,
    ProviderCallError,
    RetryPolicy,
    failure_from_status,
    step_deadline,
)
from tests.providers.fakes import ANTHROPIC, AZURE, lead_asks, make_settings


class Clock:
    """Simulated monotonic time: moved by the policy's sleeps and by calls that hang."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Hanging:
    """An endpoint that never answers: each request takes its whole read timeout, then times out."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.timeouts: list[float] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        timeout = request.extensions["timeout"]["read"]
        self.timeouts.append(timeout)
        self.clock.now += timeout
        raise httpx2.ReadTimeout("timed out", request=request)


class Playbook:
    name = "playbook"

    def complete(self, request):
        return ModelResponse(text="Thanks! Someone will be right with you.", provider="playbook")


def test_hanging_providers_with_retries_and_failover_end_by_the_step_deadline():
    clock = Clock()
    endpoint = Hanging(clock)
    http = httpx2.Client(transport=httpx2.MockTransport(endpoint))
    policy = RetryPolicy(attempts=3, timeout=30.0, sleep=clock.sleep, jitter=lambda: 0.0, clock=clock)
    settings = make_settings(**AZURE, **ANTHROPIC)
    chain = FailoverModel([build_provider("azure", settings, http_client=http, policy=policy),
                           build_provider("anthropic", settings, http_client=http, policy=policy), Playbook()],
                          deadline_seconds=45.0, clock=clock)

    response = chain.complete(lead_asks())

    # Unbounded: 3 × 30 s per provider, twice, plus backoff: over 180 s for one step.
    assert clock.now <= 45.0
    assert response.provider == "playbook"  # the offline model still answers after the deadline
    assert endpoint.timeouts == [30.0, 14.75]  # the second call only got what was left
    assert [name for name, _ in chain.failures] == ["azure", "anthropic"]
    assert "AVA_MODEL_STEP_DEADLINE_SECONDS" in chain.failures[1][1]


def test_no_wait_runs_past_the_deadline():
    clock = Clock()
    policy = RetryPolicy(attempts=5, sleep=clock.sleep, jitter=lambda: 0.0, clock=clock)
    calls = []

    def busy():
        calls.append(clock.now)
        raise RuntimeError("429")

    with step_deadline(10.0, clock=clock), pytest.raises(ProviderCallError, match="no time left"):
        policy.run(busy, provider="azure",
                   classify=lambda exc: Failure(retryable=True, reason="HTTP 429", status=429, retry_after=6.0))
    # The second attempt fits (6 s wait, 4 s left); a third would start at 12 s, past the deadline,
    # so it fails over at once rather than wait for an attempt it cannot make.
    assert calls == [0.0, 6.0]
    assert clock.now == 6.0


def test_the_deadline_comes_from_the_settings():
    settings = make_settings(**AZURE, model_step_deadline_seconds=75)
    chain = build_chain("azure", settings, offline=lambda name: Playbook())
    assert chain.inner.deadline_seconds == 75.0


def test_outside_a_step_calls_keep_their_full_timeout():
    assert RetryPolicy(timeout=30.0).timeout == 30.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_a_request_error_is_not_retried_even_when_the_server_says_to(status):
    assert not failure_from_status(status, {"x-should-retry": "true"}, reason="x").retryable


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_the_servers_x_should_retry_header_decides_for_busy_and_server_errors(status):
    assert not failure_from_status(status, {"x-should-retry": "false"}, reason="x").retryable
    assert failure_from_status(status, {"x-should-retry": "true"}, reason="x").retryable
