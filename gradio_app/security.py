"""Who may open the R&D site, and what it never shows in full.

Passwords are stored as scrypt hashes (hashlib, no extra dependency) in the
``scrypt$n$r$p$salt$hash`` form, so the settings never hold a password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os

from ava_core.errors import ConfigError

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The scrypt hash to put in AVA_RD_USERS for ``password``."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def check_login(host: str, users: dict[str, str], auth: str = "users") -> None:
    """Refuse to listen beyond this machine without a login: the site's own, or the platform's."""
    if auth == "proxy":
        if users:
            raise ConfigError(
                "AVA_RD_AUTH=proxy and AVA_RD_USERS are both set: behind the platform's sign-in the site has no "
                "login of its own; unset AVA_RD_USERS, or AVA_RD_AUTH to use it"
            )
        return
    if not users and not is_loopback(host):
        raise ConfigError(
            f"the R&D site would listen on {host} with no login: set AVA_RD_USERS to JSON of user -> hash "
            "(make one with `python -m gradio_app.hash_password`); or AVA_RD_AUTH=proxy when the platform's "
            "sign-in (Container Apps authentication) stands in front; or bind to 127.0.0.1"
        )


class Authenticator:
    """Gradio's ``auth`` callable over the configured users."""

    def __init__(self, users: dict[str, str]):
        self.users = dict(users)

    def __call__(self, username: str, password: str) -> bool:
        stored = self.users.get(username)
        return stored is not None and verify_password(password, stored)


def mask_phone(phone: str | None, *, reveal: bool = False) -> str:
    """A phone number with all but its last four digits hidden, unless the operator reveals it."""
    if not phone:
        return ""
    if reveal:
        return phone
    digits = sum(c.isdigit() for c in phone)
    seen = 0
    out = []
    for c in phone:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 4 else "•")
        else:
            out.append(c)
    return "".join(out)
