"""The Azure OpenAI embedder against recorded payloads, served by an httpx2 mock transport."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx2
import openai
import pytest

from ava_core.errors import KnowledgeError
from ava_core.knowledge.azure_embedder import AzureOpenAIEmbedder
from ava_core.knowledge.factory import build_embedder
from ava_core.settings import Settings

# The documented embeddings response, vectors shortened to 8 numbers; `data` is out of
# order on purpose, and one vector is not unit length, to show both are handled.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "azure_embeddings.json"
RECORDED = json.loads(FIXTURE.read_text())


class Endpoint:
    """Plays the Azure deployment: serves queued responses and records each request."""

    def __init__(self, *responses: httpx2.Response):
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> openai.AzureOpenAI:
        return openai.AzureOpenAI(
            azure_endpoint="https://ava-test.openai.azure.com", api_key="test-key", api_version="2024-10-21",
            max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(self)),
        )


def ok(payload=RECORDED) -> httpx2.Response:
    return httpx2.Response(200, json=payload)


def test_vectors_come_back_in_input_order_and_unit_length():
    endpoint = Endpoint(ok())
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small")

    vectors = embedder.embed(["first text", "second text"])

    assert vectors[0] == pytest.approx([0.6, 0.0, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert vectors[1] == pytest.approx([0.0, 0.6, 0.0, 0.8, 0.0, 0.0, 0.0, 0.0])
    assert all(math.isclose(sum(x * x for x in v), 1.0) for v in vectors)
    assert embedder.dimension == 8
    assert embedder.name == "azure:embed-small"
    request = endpoint.requests[0]
    assert request.url.path == "/openai/deployments/embed-small/embeddings"
    assert request.headers["api-key"] == "test-key"
    assert json.loads(request.content)["input"] == ["first text", "second text"]


def test_texts_are_sent_in_batches():
    endpoint = Endpoint(ok(), ok(), ok())
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small", batch_size=2)

    vectors = embedder.embed(["a", "b", "c", "d", "e", "f"])

    assert len(vectors) == 6
    assert [len(json.loads(r.content)["input"]) for r in endpoint.requests] == [2, 2, 2]


def test_a_429_is_retried_after_the_servers_retry_after():
    endpoint = Endpoint(
        httpx2.Response(429, headers={"retry-after": "7"}, json={"error": {"code": "429", "message": "Rate limit"}}),
        ok(),
    )
    waits: list[float] = []
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append)

    assert len(embedder.embed(["a", "b"])) == 2
    assert waits == [7.0]


def test_server_errors_are_retried_then_reported():
    endpoint = Endpoint(*[httpx2.Response(503, json={"error": {"message": "busy"}}) for _ in range(3)])
    waits: list[float] = []
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small", max_attempts=3, sleep=waits.append)

    with pytest.raises(KnowledgeError, match="failed 3 times, last: HTTP 503"):
        embedder.embed(["a"])
    assert waits == [1.0, 2.0]  # exponential backoff when no Retry-After is given


def test_the_finer_retry_after_ms_is_read_first():
    endpoint = Endpoint(httpx2.Response(429, headers={"retry-after-ms": "1500", "retry-after": "2"},
                                        json={"error": {"code": "429", "message": "Rate limit"}}), ok())
    waits: list[float] = []
    AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append).embed(["a", "b"])
    assert waits == [1.5]


def test_a_retry_after_given_as_a_date_is_waited_until_then():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    endpoint = Endpoint(httpx2.Response(429, headers={"retry-after": when}, json={"error": {"message": "slow"}}), ok())
    waits: list[float] = []
    AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append).embed(["a", "b"])
    assert waits == [pytest.approx(20, abs=2)]


def test_a_wait_longer_than_ava_waits_is_reported_at_once_with_how_long_was_asked():
    endpoint = Endpoint(httpx2.Response(429, headers={"retry-after": "86400"},
                                        json={"error": {"code": "429", "message": "daily quota exceeded"}}))
    waits: list[float] = []
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append)

    with pytest.raises(KnowledgeError, match="asked to wait 86400 s") as caught:
        embedder.embed(["a"])
    assert "quota" in str(caught.value)
    assert waits == [] and len(endpoint.requests) == 1


def test_a_dropped_connection_is_tried_again():
    endpoint = Endpoint(httpx2.ConnectError("connection reset"), ok())
    waits: list[float] = []
    assert len(AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append).embed(["a", "b"])) == 2
    assert waits == [1.0]


def test_a_wrong_key_is_not_retried_and_says_what_to_check():
    endpoint = Endpoint(httpx2.Response(401, json={"error": {"code": "401", "message": "Access denied"}}))
    waits: list[float] = []
    embedder = AzureOpenAIEmbedder(endpoint.client(), "embed-small", sleep=waits.append)

    with pytest.raises(KnowledgeError, match="AVA_AZURE_OPENAI_API_KEY"):
        embedder.embed(["a"])
    assert waits == [] and len(endpoint.requests) == 1


def test_settings_build_the_azure_embedder():
    endpoint = Endpoint(ok())
    settings = Settings(
        embedder="azure", azure_openai_endpoint="https://ava-test.openai.azure.com",
        azure_openai_api_key="test-key", azure_openai_embedding_deployment="embed-small",
    )

    embedder = build_embedder(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(endpoint)))

    assert len(embedder.embed(["a", "b"])) == 2
    assert endpoint.requests[0].url.params["api-version"] == "2024-10-21"


def test_azure_without_a_deployment_says_which_setting_is_missing():
    settings = Settings(embedder="azure", azure_openai_endpoint="https://x.openai.azure.com", azure_openai_api_key="k")

    with pytest.raises(KnowledgeError, match="AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT"):
        build_embedder(settings)
