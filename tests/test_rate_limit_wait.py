"""The rate-limit wait that the WhatsApp, GoHighLevel and Azure OpenAI embeddings clients share
(``ava_core.retry_after``)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ava_core.retry_after import RateLimitWait, RetriesSpent


def _answers(*responses: httpx.Response):
    queue = list(responses)
    sent: list[httpx.Response] = []

    def request() -> httpx.Response:
        sent.append(queue.pop(0))
        return sent[-1]

    return request, sent


def _limited(response: httpx.Response) -> bool:
    return response.status_code == 429


def test_the_servers_retry_after_is_waited_then_the_answer_returned():
    sleeps: list[float] = []
    request, sent = _answers(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200))
    answer = RateLimitWait(sleep=sleeps.append).send(request, limited=_limited, what="test API")
    assert answer.status_code == 200 and sleeps == [3.0] and len(sent) == 2


def test_a_clients_own_header_is_read_only_when_no_retry_after_is_sent():
    sleeps: list[float] = []
    request, _ = _answers(httpx.Response(429, headers={"x-window-ms": "1500"}), httpx.Response(429),
                          httpx.Response(200))
    asked = lambda r: float(r.headers["x-window-ms"]) / 1000 if "x-window-ms" in r.headers else None  # noqa: E731
    RateLimitWait(sleep=sleeps.append).send(request, limited=_limited, what="test API", asked=asked)
    assert sleeps == [1.5, 4.0]  # the hint, then backoff for the second attempt


def test_other_refusals_are_returned_at_once():
    sleeps: list[float] = []
    request, sent = _answers(httpx.Response(401), httpx.Response(200))
    assert RateLimitWait(sleep=sleeps.append).send(request, limited=_limited, what="t").status_code == 401
    assert sleeps == [] and len(sent) == 1


@given(headers=st.lists(st.one_of(st.none(), st.integers(0, 120).map(str), st.just("soon")), min_size=1, max_size=8),
       attempts=st.integers(1, 6), cap=st.floats(0.5, 60))
def test_never_more_attempts_than_allowed_nor_a_wait_past_the_cap(headers, attempts, cap):
    sleeps: list[float] = []
    responses = [httpx.Response(429, headers={"Retry-After": h} if h is not None else {}) for h in headers]
    request, sent = _answers(*responses, *[httpx.Response(429)] * 8)
    answer = RateLimitWait(attempts=attempts, max_wait=cap, sleep=sleeps.append).send(
        request, limited=_limited, what="t")
    assert answer.status_code == 429
    assert len(sent) <= attempts and len(sleeps) == len(sent) - 1
    assert all(0 <= s <= cap for s in sleeps)


# --- clients whose SDK raises on a refusal (the Azure OpenAI embedder) ----------------------------


class Refused(Exception):
    """What an SDK raises for an HTTP refusal: the answer rides on the exception."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _raising(*outcomes):
    queue = list(outcomes)
    made: list[object] = []

    def request():
        made.append(queue.pop(0))
        if isinstance(made[-1], Exception):
            raise made[-1]
        return made[-1]

    return request, made


def _busy(exc: Exception) -> bool:
    return isinstance(exc, Refused) and exc.response.status_code in (429, 503) or isinstance(exc, ConnectionError)


def test_a_raised_rate_limit_waits_the_servers_retry_after_then_returns_the_result():
    sleeps: list[float] = []
    request, made = _raising(Refused(httpx.Response(429, headers={"retry-after-ms": "2500"})), "vectors")
    assert RateLimitWait(sleep=sleeps.append).call(request, retry=_busy, what="t") == "vectors"
    assert sleeps == [2.5] and len(made) == 2


def test_a_failure_without_an_answer_backs_off_from_the_first_wait():
    sleeps: list[float] = []
    request, _ = _raising(ConnectionError("reset"), ConnectionError("reset"), "vectors")
    assert RateLimitWait(first_backoff=1.0, sleep=sleeps.append).call(request, retry=_busy, what="t") == "vectors"
    assert sleeps == [1.0, 2.0]


def test_a_failure_not_worth_retrying_is_raised_as_it_is():
    request, made = _raising(Refused(httpx.Response(401)), "vectors")
    with pytest.raises(Refused):
        RateLimitWait(sleep=lambda s: None).call(request, retry=_busy, what="t")
    assert len(made) == 1


def test_a_wait_longer_than_allowed_gives_up_at_once_and_says_how_long_was_asked():
    sleeps: list[float] = []
    request, made = _raising(Refused(httpx.Response(429, headers={"Retry-After": "86400"})), "vectors")
    with pytest.raises(RetriesSpent) as spent:
        RateLimitWait(max_wait=60, sleep=sleeps.append).call(request, retry=_busy, what="t")
    assert (spent.value.attempts, spent.value.asked, sleeps) == (1, 86400.0, [])
    assert isinstance(spent.value.last, Refused) and len(made) == 1


@given(outcomes=st.lists(st.one_of(st.none(), st.integers(0, 120).map(str), st.just("soon")), min_size=1,
                         max_size=8), attempts=st.integers(1, 6), cap=st.floats(0.5, 60))
def test_a_raising_client_is_never_tried_more_than_allowed_nor_waits_past_the_cap(outcomes, attempts, cap):
    sleeps: list[float] = []
    failures = [Refused(httpx.Response(503, headers={"Retry-After": h} if h is not None else {})) for h in outcomes]
    request, made = _raising(*failures, *[Refused(httpx.Response(503)) for _ in range(8)])
    with pytest.raises(RetriesSpent) as spent:
        RateLimitWait(attempts=attempts, max_wait=cap, sleep=sleeps.append).call(request, retry=_busy, what="t")
    assert spent.value.attempts == len(made) <= attempts and len(sleeps) == len(made) - 1
    assert all(0 <= s <= cap for s in sleeps)
