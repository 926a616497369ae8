"""Signed webhook requests, as Meta would send them to ``/api/whatsapp``."""

from __future__ import annotations

import hashlib
import hmac

import azure.functions as func

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PHONE_NUMBER_ID = "106540352242922"


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(body: bytes, *, signature: str | None = "sign") -> func.HttpRequest:
    """A POST with Meta's signature header (``signature=None`` leaves it out)."""
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = sign(body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return func.HttpRequest(method="POST", url="http://localhost:7071/api/whatsapp", headers=headers, body=body)
