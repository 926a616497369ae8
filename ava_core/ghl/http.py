"""One GoHighLevel API v2 call: bearer token, the ``Version`` header its API wants, rate
limits waited out, and refusals turned into errors that say which setting to fix.

The ``Version`` header differs per API (the OpenAPI specs' enums): conversations and
calendars take ``2021-04-15``, contacts take ``2021-07-28``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ava_core.errors import ChannelError
from ava_core.retry_after import RateLimitWait

BASE_URL = "https://services.leadconnectorhq.com"
CONVERSATIONS = "2021-04-15"
CALENDARS = "2021-04-15"
CONTACTS = "2021-07-28"

# GHL's burst limit is 100 requests per 10 s per app and location; a 429 carries
# X-RateLimit-Interval-Milliseconds, the window to wait out when no Retry-After is sent.
INTERVAL_HEADER = "x-ratelimit-interval-milliseconds"


class GhlError(ChannelError):
    """GoHighLevel refused a request or could not be reached; ``status`` is the HTTP status (0: not reached)."""

    def __init__(self, message: str, *, status: int = 0, retryable: bool = False, maybe_sent: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class GhlApi:
    """The shared HTTP layer of the GoHighLevel modules, around an injected ``httpx.Client``."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        token: str,
        location_id: str,
        base_url: str = BASE_URL,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        max_wait_seconds: float = 30.0,
    ):
        self._client = client
        self._token = token
        self.location_id = location_id
        self._base = base_url.rstrip("/")
        self._rate = RateLimitWait(attempts=max_attempts, max_wait=max_wait_seconds, sleep=sleep)

    def __repr__(self) -> str:  # never show the token
        return f"GhlApi(location={self.location_id!r})"

    def request(self, method: str, path: str, *, version: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """Call ``path`` with the API ``version``; ``what`` names the call in errors ('book the slot')."""
        headers = {"Authorization": f"Bearer {self._token}", "Version": version, "Accept": "application/json"}

        def send() -> httpx.Response:
            try:
                return self._client.request(method, f"{self._base}{path}", headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                sent = not isinstance(exc, _NOT_SENT)
                raise GhlError(f"could not reach GoHighLevel to {what}: {exc}", retryable=True,
                               maybe_sent=sent) from None

        response = self._rate.send(send, limited=lambda r: r.status_code == 429, asked=_window_wait,
                                   what=f"GoHighLevel ({what})")
        if response.status_code < 400:
            return _json(response)
        raise refusal(response, what)


def _window_wait(response: httpx.Response) -> float | None:
    """GHL's own hint when no Retry-After is sent: the rest of the rate-limit window."""
    interval = response.headers.get(INTERVAL_HEADER)
    if interval is not None and response.headers.get("x-ratelimit-remaining", "0") == "0":
        try:
            return max(float(interval) / 1000, 0.0)
        except ValueError:
            return None
    return None


def refusal(response: httpx.Response, what: str) -> GhlError:
    """The common error envelope ``{statusCode, message, error}`` as an error that says what to fix."""
    body = _json(response)
    message = body.get("message")
    if isinstance(message, list):  # 422 sends a list of messages
        message = "; ".join(str(m) for m in message)
    detail = message or body.get("error") or f"HTTP {response.status_code}"
    status = response.status_code
    if status == 401:
        return GhlError(f"GoHighLevel rejected the token ({detail}) trying to {what}: set a valid Private "
                        "Integration Token or OAuth access token in AVA_GHL_ACCESS_TOKEN", status=status)
    if status == 403:
        return GhlError(f"GoHighLevel refused to {what} ({detail}): the token in AVA_GHL_ACCESS_TOKEN lacks the "
                        "scope for it, or AVA_GHL_LOCATION_ID names a location it cannot access", status=status)
    if status == 404:
        return GhlError(f"GoHighLevel found nothing to {what} ({detail}): check AVA_GHL_LOCATION_ID, "
                        "AVA_GHL_CALENDAR_ID and the ids in the request", status=status)
    if status == 422:
        return GhlError(f"GoHighLevel could not process the request to {what}: {detail}", status=status)
    if status == 429:
        return GhlError(f"GoHighLevel rate limit trying to {what}; AVA will try again later", status=status,
                        retryable=True)
    return GhlError(f"GoHighLevel refused to {what} (HTTP {status}): {detail}", status=status,
                    retryable=status >= 500)


# Transport errors raised before the request left this process: nothing reached GoHighLevel.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
