"""Builds the configured ``Knowledge`` backend and ``Embedder`` from settings."""

from __future__ import annotations

from typing import Any

from loguru import logger

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import Embedder, Knowledge, UnconfiguredKnowledge
from ava_core.knowledge.client import FolderInUse, connect
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.unavailable import UnavailableKnowledge
from ava_core.profile.models import Profile
from ava_core.settings import Settings, required

_AZURE_SCOPE = "https://cognitiveservices.azure.com/.default"


def build_knowledge(settings: Settings, profile: Profile) -> Knowledge:
    """Qdrant search when this business's collections exist and can be opened; otherwise a
    backend whose ``status`` and searches say why not and what to do (see ``knowledge_status``).

    Startup never fails on knowledge: a lead still gets answers without it. But it is said,
    with its fix, in a warning once per process, in `ava chat`, `ava simulate` and /api/health.
    """
    if not settings.qdrant_url and not settings.qdrant_path.exists():
        # Nothing ingested yet; looking must not create or lock the folder.
        return _unusable(UnconfiguredKnowledge(f"{settings.qdrant_path} (the folder does not exist)"))
    try:
        index = open_index(settings, profile)
        if not index.exists():
            return _unusable(UnconfiguredKnowledge(f"{index.location} for {profile.business.name}"))
        embedder = build_embedder(settings)
        if settings.embedder == "local":
            index.check(embedder)  # free for the local model; Azure's is checked on first search
    except FolderInUse as exc:
        return _unusable(UnavailableKnowledge(exc.reason, exc.fix))
    except KnowledgeError as exc:
        # The message already says what to do (re-ingest, check AVA_QDRANT_URL, …).
        return _unusable(UnavailableKnowledge(str(exc), "do what the reason says, then restart AVA"))
    from ava_core.knowledge.qdrant import QdrantKnowledge

    return QdrantKnowledge(index, embedder)


_warned: set[str] = set()


def _unusable(knowledge: UnconfiguredKnowledge | UnavailableKnowledge) -> Knowledge:
    """Log why the knowledge base is unusable, once per process and reason."""
    line = knowledge.status.line()
    if line not in _warned:
        _warned.add(line)
        logger.bind(alert="knowledge").warning(line)
    return knowledge


def open_index(settings: Settings, profile: Profile) -> KnowledgeIndex:
    """This business's collections in the configured Qdrant: the server by URL, else the local folder."""
    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    connection = connect(url=settings.qdrant_url, api_key=api_key, path=settings.qdrant_path)
    return KnowledgeIndex(connection, profile.business.name)


def build_embedder(settings: Settings, *, http_client: Any = None) -> Embedder:
    """The local model unless AVA_EMBEDDER=azure; ``http_client`` lets tests serve recorded payloads."""
    if settings.embedder == "local":
        from ava_core.knowledge.local_embedder import LocalEmbedder

        return LocalEmbedder()
    missing = [name for name, value in (
        ("AVA_AZURE_OPENAI_ENDPOINT", settings.azure_openai_endpoint),
        ("AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT", settings.azure_openai_embedding_deployment),
    ) if not value]
    if not (settings.azure_openai_api_key or settings.azure_openai_use_entra_id):
        missing.append("AVA_AZURE_OPENAI_API_KEY (or AVA_AZURE_OPENAI_USE_ENTRA_ID=true)")
    if missing:
        raise KnowledgeError(f"AVA_EMBEDDER=azure needs {', '.join(missing)}; or set AVA_EMBEDDER=local")
    try:
        import openai
    except ImportError:
        raise KnowledgeError("the openai package is not installed: pip install -e '.[providers]'") from None
    from ava_core.knowledge.azure_embedder import AzureOpenAIEmbedder

    auth: dict[str, Any]
    if settings.azure_openai_use_entra_id:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider

        auth = {"azure_ad_token_provider": get_bearer_token_provider(DefaultAzureCredential(), _AZURE_SCOPE)}
    else:
        auth = {"api_key": required(settings.azure_openai_api_key, "AVA_AZURE_OPENAI_API_KEY").get_secret_value()}
    client = openai.AzureOpenAI(
        azure_endpoint=required(settings.azure_openai_endpoint, "AVA_AZURE_OPENAI_ENDPOINT"),
        api_version=settings.azure_openai_api_version,
        max_retries=0,  # AzureOpenAIEmbedder retries itself, honouring Retry-After
        http_client=http_client,
        **auth,
    )
    return AzureOpenAIEmbedder(client, required(settings.azure_openai_embedding_deployment,
                                                "AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT"))
