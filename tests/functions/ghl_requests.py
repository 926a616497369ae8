"""GoHighLevel webhook requests to ``/api/ghl``: signed with key pairs made for the test run."""

from __future__ import annotations

import base64

import azure.functions as func
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

WORKFLOW_SECRET = "test-workflow-secret"

# Generated per test run: no private key is ever committed.
ED25519_KEY = ed25519.Ed25519PrivateKey.generate()
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def spki_base64(key) -> str:
    """The public key as GHL's docs print it: the base64 SPKI body alone."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def ed25519_signature(body: bytes, key=ED25519_KEY) -> str:
    return base64.b64encode(key.sign(body)).decode()


def rsa_signature(body: bytes, key=RSA_KEY) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def post(body: bytes, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
         signed: bool = True) -> func.HttpRequest:
    """A POST as a marketplace app sends it (``x-ghl-signature``), unless ``signed=False``."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if signed:
        sent.setdefault("x-ghl-signature", ed25519_signature(body))
    return func.HttpRequest(method="POST", url="http://localhost:7071/api/ghl", headers=sent, body=body,
                            params=params or {})
