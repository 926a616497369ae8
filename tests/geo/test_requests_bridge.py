"""The googlemaps client's ``requests`` calls carried by an injected ``httpx.Client``."""

from __future__ import annotations

import httpx
import pytest
import requests

from ava_core.geo.requests_bridge import session_over


def _session(seen: list[httpx.Request]) -> requests.Session:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "OK"})

    return session_over(httpx.Client(transport=httpx.MockTransport(answer)))


def test_a_google_request_reaches_httpx_with_its_method_url_headers_and_body():
    seen: list[httpx.Request] = []
    reply = _session(seen).post("https://maps.googleapis.com/maps/api/geolocate/json?key=k",
                                data=b'{"considerIp": true}',
                                headers={"X-Goog-FieldMask": "location", "X-Raw": b"as-bytes"})

    assert reply.status_code == 200 and reply.json() == {"status": "OK"}
    [sent] = seen
    assert (sent.method, str(sent.url)) == ("POST", "https://maps.googleapis.com/maps/api/geolocate/json?key=k")
    assert sent.headers["X-Goog-FieldMask"] == "location"
    assert sent.headers["X-Raw"] == "as-bytes"
    assert sent.content == b'{"considerIp": true}'


def test_a_streamed_body_is_refused_naming_the_request_before_anything_is_sent():
    seen: list[httpx.Request] = []
    chunks = (part for part in [b"a", b"b"])

    with pytest.raises(requests.exceptions.RequestException, match="POST https://example.com/upload: a generator"):
        _session(seen).post("https://example.com/upload", data=chunks)

    assert seen == []
