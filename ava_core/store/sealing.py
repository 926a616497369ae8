"""Encryption at rest for message bodies and contact PII.

With a data key, text is sealed with Fernet (AES-128-CBC + HMAC) and lookup keys such as
phone numbers are replaced by a keyed hash, so the database file alone reveals neither.
Without a key (local development) both are identity functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import overload

from ava_core.errors import ConfigError


class Sealer:
    """Seals and opens text; ``blind`` gives a stable, keyed lookup value."""

    _PREFIX = "enc:"

    def __init__(self, key: str | None = None):
        self._fernet = None
        self._mac_key = b""
        if key:
            from cryptography.fernet import Fernet

            try:
                self._fernet = Fernet(key.encode())
            except (ValueError, TypeError):
                raise ConfigError(
                    "AVA_DATA_KEY is not a valid Fernet key: make one with "
                    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
                ) from None
            self._mac_key = hashlib.sha256(b"ava-blind-index" + base64.urlsafe_b64decode(key)).digest()

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    # Overloads: sealing or opening a text gives a text; only a missing value stays missing.
    @overload
    def seal(self, text: str) -> str: ...
    @overload
    def seal(self, text: None) -> None: ...
    def seal(self, text: str | None) -> str | None:
        if text is None or self._fernet is None:
            return text
        return self._PREFIX + self._fernet.encrypt(text.encode()).decode()

    @overload
    def open(self, stored: str) -> str: ...
    @overload
    def open(self, stored: None) -> None: ...
    def open(self, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(self._PREFIX):
            return stored
        if self._fernet is None:
            raise ConfigError("the store holds encrypted data but AVA_DATA_KEY is not set")
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(stored[len(self._PREFIX):].encode()).decode()
        except InvalidToken:
            raise ConfigError("AVA_DATA_KEY does not match the key the store was written with") from None

    def blind(self, value: str) -> str:
        if self._fernet is None:
            return value
        return "h:" + hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()
