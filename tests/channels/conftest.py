"""Recorded WhatsApp payloads for the channel tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"


@pytest.fixture
def payload():
    """The raw bytes of a recorded payload under tests/fixtures/whatsapp/."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read
