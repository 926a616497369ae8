"""The production ``Embedder``: an Azure OpenAI embeddings deployment through the ``openai`` SDK."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from ava_core.errors import KnowledgeError

# Azure OpenAI takes at most 2048 inputs per embeddings request; smaller batches keep each
# request well under the per-minute token quota and make a retry cheap.
DEFAULT_BATCH = 256
_MAX_WAIT_SECONDS = 60.0


class AzureOpenAIEmbedder:
    """Batched embeddings with retries on 429 and 5xx that honour ``Retry-After``."""

    def __init__(
        self,
        client: Any,
        deployment: str,
        *,
        dimension: int | None = None,
        batch_size: int = DEFAULT_BATCH,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """``client`` is an ``openai.AzureOpenAI`` built with ``max_retries=0``: retries are ours."""
        self._client = client
        self.deployment = deployment
        self.name = f"azure:{deployment}"
        self._dimension = dimension
        self.batch_size = max(1, min(batch_size, 2048))
        self.max_attempts = max(1, max_attempts)
        self._sleep = sleep

    @property
    def dimension(self) -> int:
        """The deployment's vector size; asked of the deployment once if not given."""
        if self._dimension is None:
            self._dimension = len(self._request(["dimension probe"])[0])
        return self._dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit-length vector per text, in order."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._request(texts[start:start + self.batch_size]))
        if vectors and self._dimension is None:
            self._dimension = len(vectors[0])
        return vectors

    def _request(self, batch: list[str]) -> list[list[float]]:
        import openai

        # The API rejects empty strings; a blank chunk still needs a vector in its slot.
        batch = [text if text.strip() else " " for text in batch]
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._client.embeddings.create(input=batch, model=self.deployment)
                break
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise KnowledgeError(
                        f"Azure OpenAI embeddings ({self.deployment}) refused the request: "
                        f"{_describe(exc)}; {_hint(exc.status_code)}"
                    ) from None
                failure: Exception = exc
            except openai.APIConnectionError as exc:
                failure = exc
            if attempt == self.max_attempts:
                raise KnowledgeError(
                    f"Azure OpenAI embeddings ({self.deployment}) failed {attempt} times, last: "
                    f"{_describe(failure)}; check the deployment's quota and AVA_AZURE_OPENAI_ENDPOINT"
                )
            self._sleep(_wait_before(failure, attempt))
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise KnowledgeError(
                f"Azure OpenAI embeddings ({self.deployment}) returned {len(data)} vectors for {len(batch)} texts"
            )
        return [_unit(item.embedding) for item in data]


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _wait_before(exc: Exception, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After when given, else exponential backoff."""
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return min(float(ms) / 1000, _MAX_WAIT_SECONDS)
        except ValueError:
            pass
    if (value := headers.get("retry-after")) is not None:
        try:
            return min(max(float(value), 0.0), _MAX_WAIT_SECONDS)
        except ValueError:
            try:
                delay = parsedate_to_datetime(value).timestamp() - time.time()
                return min(max(delay, 0.0), _MAX_WAIT_SECONDS)
            except (TypeError, ValueError):
                pass
    return min(2.0 ** (attempt - 1), _MAX_WAIT_SECONDS)


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    message = " ".join(str(getattr(exc, "message", exc)).split())[:200]
    return f"HTTP {status}: {message}" if status else message


def _hint(status: int) -> str:
    return {
        401: "check AVA_AZURE_OPENAI_API_KEY (or the managed identity's role)",
        403: "check the key's or identity's access to this resource",
        404: "check AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT and AVA_AZURE_OPENAI_API_VERSION",
        400: "a text may be too long for the model (8192 tokens)",
    }.get(status, "check the Azure OpenAI settings")
