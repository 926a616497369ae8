"""The production ``Embedder``: an Azure OpenAI embeddings deployment through the ``openai`` SDK."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from ava_core.errors import KnowledgeError
from ava_core.retry_after import RateLimitWait, RetriesSpent

# Azure OpenAI takes at most 2048 inputs per embeddings request; smaller batches keep each
# request well under the per-minute token quota and make a retry cheap.
DEFAULT_BATCH = 256
_MAX_WAIT_SECONDS = 60.0


class AzureOpenAIEmbedder:
    """Batched embeddings with retries on 429, 5xx and dropped connections that honour the
    server's ``Retry-After`` (``RateLimitWait``, as every AVA client waits out rate limits)."""

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
        # Backoff from 1 s when Azure names no wait; a wait past a minute (a daily quota) is not
        # waited out: the ingest stops and says so.
        self._rate = RateLimitWait(attempts=self.max_attempts, max_wait=_MAX_WAIT_SECONDS, sleep=sleep,
                                   first_backoff=1.0)

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

        def busy(exc: Exception) -> bool:
            """A rate limit, a server error or a dropped connection: worth another try."""
            if isinstance(exc, openai.APIStatusError):
                return exc.status_code == 429 or exc.status_code >= 500
            return isinstance(exc, openai.APIConnectionError)

        # The API rejects empty strings; a blank chunk still needs a vector in its slot.
        batch = [text if text.strip() else " " for text in batch]
        what = f"Azure OpenAI embeddings ({self.deployment})"
        try:
            response = self._rate.call(lambda: self._client.embeddings.create(input=batch, model=self.deployment),
                                       retry=busy, what=what)
        except RetriesSpent as spent:
            if spent.asked is not None:
                raise KnowledgeError(
                    f"{what} asked to wait {spent.asked:.0f} s ({_describe(spent.last)}), longer than AVA waits "
                    f"({_MAX_WAIT_SECONDS:.0f} s): the deployment's quota is spent for now; run the ingest again "
                    "later, or raise the quota"
                ) from None
            raise KnowledgeError(
                f"{what} failed {spent.attempts} times, last: {_describe(spent.last)}; check the deployment's "
                "quota and AVA_AZURE_OPENAI_ENDPOINT"
            ) from None
        except openai.APIStatusError as exc:
            raise KnowledgeError(f"{what} refused the request: {_describe(exc)}; {_hint(exc.status_code)}") from None
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise KnowledgeError(
                f"Azure OpenAI embeddings ({self.deployment}) returned {len(data)} vectors for {len(batch)} texts"
            )
        return [_unit(item.embedding) for item in data]


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


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
