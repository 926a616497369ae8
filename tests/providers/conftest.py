"""Fixtures for provider tests; the fakes themselves live in ``fakes.py``."""

from __future__ import annotations

import os
from typing import Any

import httpx2
import pytest

from ava_core.models.reliability import RetryPolicy
from tests.providers.fakes import FakeEndpoint


@pytest.fixture
def serve():
    """``serve(*steps)`` -> (httpx2 client for the SDK, the fake endpoint that records requests)."""

    def make(*steps: Any) -> tuple[httpx2.Client, FakeEndpoint]:
        endpoint = FakeEndpoint(list(steps))
        return httpx2.Client(transport=httpx2.MockTransport(endpoint)), endpoint

    return make


@pytest.fixture(autouse=True)
def _no_ambient_configuration(monkeypatch):
    """Tests see only the settings they pass: no AVA_ variables or SDK keys from the machine."""
    for key in list(os.environ):
        if key.startswith(("AVA_", "OPENAI_", "AZURE_OPENAI_", "ANTHROPIC_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(os.path.dirname(__file__))  # no ./.env file is read


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the retry policy asked for; nothing really sleeps."""
    return []


@pytest.fixture
def policy(sleeps) -> RetryPolicy:
    """Three attempts, no jitter, recorded sleeps."""
    return RetryPolicy(attempts=3, timeout=5.0, sleep=sleeps.append, jitter=lambda: 0.0)
