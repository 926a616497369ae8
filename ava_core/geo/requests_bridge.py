"""A ``requests`` transport adapter that sends through an injected ``httpx.Client``.

Why: the ``googlemaps`` client speaks ``requests`` (it takes a ``requests_session``), while
every other client in AVA takes an ``httpx.Client``, and tests and scenarios serve recorded
payloads with one ``httpx.MockTransport``. Mounting this adapter on the session the
googlemaps client uses keeps its request building, status handling and error classes
(``ApiError``, ``Timeout``, ``TransportError``) and still lets one injected httpx client —
real or recorded — carry every Google call. A hand-written geocoding client over httpx would
duplicate what the package already does; a second mocking library (``responses``) would give
tests and scenarios two ways of serving the same payloads.
"""

from __future__ import annotations

from typing import Any

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class HttpxAdapter(BaseAdapter):
    """Sends each prepared ``requests`` request with ``client`` and maps httpx errors back."""

    def __init__(self, client: httpx.Client):
        super().__init__()
        self._client = client

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        if isinstance(timeout, tuple):
            timeout = httpx.Timeout(timeout[1], connect=timeout[0])
        body = request.body
        if not (body is None or isinstance(body, (str, bytes))):
            # googlemaps sends query strings and JSON text; a streamed body (a file, a generator)
            # would be some other caller's upload, which this bridge was never meant to carry.
            raise requests.exceptions.RequestException(
                f"{request.method} {request.url}: a {type(body).__name__} body cannot be sent through httpx here; "
                "pass the body as bytes or str", request=request)
        headers = [(_ascii(name), _ascii(value)) for name, value in request.headers.items()]
        try:
            answer = self._client.request(
                request.method or "GET", request.url or "", headers=headers,
                content=body, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as exc:
            raise requests.exceptions.Timeout(str(exc) or "timed out", request=request) from exc
        except httpx.HTTPError as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.encoding = answer.encoding
        response.reason = answer.reason_phrase
        response.url = str(answer.url)
        response.request = request
        return response

    def close(self) -> None:
        """The httpx client belongs to whoever built it."""


def _ascii(text: str | bytes) -> bytes:
    # What httpx does with a str header name or value: ASCII, or UnicodeEncodeError.
    return text if isinstance(text, bytes) else text.encode("ascii")


def session_over(client: httpx.Client) -> requests.Session:
    """A ``requests.Session`` whose every request goes through ``client``."""
    session = requests.Session()
    adapter = HttpxAdapter(client)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
