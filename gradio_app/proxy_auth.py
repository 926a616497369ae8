"""``AVA_RD_AUTH=proxy``: the platform's sign-in in front of the site does the login.

Container Apps' built-in authentication ("Easy Auth", infra/) signs people in with Entra ID
and passes each request on with who they are in ``X-MS-CLIENT-PRINCIPAL-NAME`` and, as
Base64 JSON claims, ``X-MS-CLIENT-PRINCIPAL``. The platform sets these headers itself and
does not let a request from outside set them, so they are only trustworthy behind it: the
site then refuses, with 401, every request that arrives without an identity.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

PRINCIPAL_NAME = "x-ms-client-principal-name"
PRINCIPAL = "x-ms-client-principal"
# Claims that name a person, in the order worth showing (Entra ID's, then the standard ones).
_NAME_CLAIMS = ("preferred_username", "name", "email", "upn",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
UNAUTHORIZED = (b"401: no signed-in identity. This R&D site runs behind the platform's sign-in "
                b"(AVA_RD_AUTH=proxy); open it through its public address and sign in there.\n")


def principal_name(headers: Mapping[str, str]) -> str | None:
    """Who the platform signed in, from the request's headers; None when there is no readable identity."""
    name = (headers.get(PRINCIPAL_NAME) or "").strip()
    if name:
        return name
    encoded = (headers.get(PRINCIPAL) or "").strip()
    if not encoded:
        return None
    try:
        principal = json.loads(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True))
    except (binascii.Error, ValueError):
        return None
    return _claimed_name(principal)


def _claimed_name(principal: Any) -> str | None:
    if not isinstance(principal, dict) or not isinstance(principal.get("claims"), list):
        return None
    claims: dict[str, str] = {}
    for claim in principal["claims"]:
        if isinstance(claim, dict) and isinstance(claim.get("typ"), str) and isinstance(claim.get("val"), str):
            claims.setdefault(claim["typ"], claim["val"].strip())
    name_type = principal.get("name_typ")
    for kind in ((name_type,) if isinstance(name_type, str) else ()) + _NAME_CLAIMS:
        if claims.get(kind):
            return claims[kind]
    return None


class RequirePrincipal:
    """ASGI middleware: every HTTP request (and websocket) without the platform's identity gets 401."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if principal_name(headers) is None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4401})
                    return
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(UNAUTHORIZED)).encode()),
                    (b"cache-control", b"no-store"),
                ]})
                await send({"type": "http.response.body", "body": UNAUTHORIZED})
                return
        await self.app(scope, receive, send)


def request_user(request) -> str | None:
    """Gradio's ``auth_dependency``: the signed-in name, so the site's pages know who is there."""
    return principal_name(request.headers)
