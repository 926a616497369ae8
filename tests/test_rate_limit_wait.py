"""The rate-limit wait that the WhatsApp and GoHighLevel clients share (``ava_core.retry_after``)."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from ava_core.retry_after import RateLimitWait


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
