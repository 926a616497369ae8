"""Builds each language-model provider from settings, in one place.

Secrets are read with ``get_secret_value()`` here and nowhere else. Every client is built with
``max_retries=0`` so ``reliability.RetryPolicy`` is the only retry policy, and with the
policy's timeout. ``http_client`` is injectable so tests serve recorded payloads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ava_core.errors import ConfigError
from ava_core.models.base import ChatModel
from ava_core.models.failover import FailoverModel, TokenBudgetModel
from ava_core.models.reliability import RetryPolicy
from ava_core.settings import Settings, required

if TYPE_CHECKING:
    import httpx2

PROVIDERS = ("azure", "anthropic", "openai_compatible")
# Entra ID scope for Azure OpenAI data-plane calls with the AzureOpenAI client
# (api-wire-formats.md §4.1; the v1 API also accepts https://ai.azure.com/.default).
AZURE_SCOPE = "https://cognitiveservices.azure.com/.default"
# Local servers ignore the key, but the openai SDK refuses to build a client without one.
NO_KEY = "unused"


def build_provider(
    name: str,
    settings: Settings,
    *,
    http_client: httpx2.Client | None = None,
    policy: RetryPolicy | None = None,
    credential: Any = None,
) -> ChatModel:
    """The provider called ``name`` with its client; ConfigError names any missing AVA_ variable."""
    policy = policy or RetryPolicy.from_settings(settings)
    if name == "azure":
        return _azure(settings, policy, http_client, credential)
    if name == "anthropic":
        return _anthropic(settings, policy, http_client)
    if name == "openai_compatible":
        return _openai_compatible(settings, policy, http_client)
    raise ConfigError(f"unknown model provider {name!r}: choose one of {', '.join(PROVIDERS)}")


def build_chain(
    primary: str,
    settings: Settings,
    *,
    offline: Callable[[str], ChatModel],
    http_client: httpx2.Client | None = None,
    policy: RetryPolicy | None = None,
    spent: Callable[[str], int] | None = None,
) -> ChatModel:
    """``primary`` then ``AVA_FALLBACK_MODELS`` in order, inside the token budget.

    ``offline(name)`` builds playbook or replay. The chain ends in a polite hand-off when every
    model fails, and ``spent`` (tokens used so far by a conversation id) feeds the budget.
    """
    names = list(dict.fromkeys([primary, *settings.fallback_models]))
    models: list[ChatModel] = []
    for n in names:
        if n in PROVIDERS:
            models.append(build_provider(n, settings, http_client=http_client, policy=policy))
            continue
        try:
            models.append(offline(n))
        except ConfigError as exc:
            raise ConfigError(f"AVA_FALLBACK_MODELS: {exc}") from exc
    chain: ChatModel = FailoverModel(models, deadline_seconds=settings.model_step_deadline_seconds)
    if settings.token_budget_per_conversation > 0:
        chain = TokenBudgetModel(chain, limit=settings.token_budget_per_conversation, spent=spent)
    return chain


def _azure(settings: Settings, policy: RetryPolicy, http_client: Any, credential: Any) -> ChatModel:
    missing = []
    if not settings.azure_openai_endpoint:
        missing.append("AVA_AZURE_OPENAI_ENDPOINT")
    if not settings.azure_openai_chat_deployment:
        missing.append("AVA_AZURE_OPENAI_CHAT_DEPLOYMENT")
    if not settings.azure_openai_api_key and not settings.azure_openai_use_entra_id:
        missing.append("AVA_AZURE_OPENAI_API_KEY (or AVA_AZURE_OPENAI_USE_ENTRA_ID=true)")
    if missing:
        raise ConfigError(f"model provider 'azure' is not configured: set {', '.join(missing)}")
    openai = _sdk("openai")
    from ava_core.models.azure_openai import V1, AzureOpenAIModel, v1_base_url

    endpoint = required(settings.azure_openai_endpoint, "AVA_AZURE_OPENAI_ENDPOINT")
    deployment = required(settings.azure_openai_chat_deployment, "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT")
    base_url = v1_base_url(endpoint, settings.azure_openai_chat_api)
    if settings.azure_openai_use_entra_id:
        # Entra ID wins over a key when both are set: the flag is the explicit choice.
        try:
            from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        except ImportError as exc:
            raise ConfigError(
                "AVA_AZURE_OPENAI_USE_ENTRA_ID=true needs azure-identity: pip install 'ava[providers]'"
            ) from exc
        token = get_bearer_token_provider(credential or DefaultAzureCredential(), AZURE_SCOPE)
        # The v1 API takes the token provider as a callable api_key (openai >= 1.106), fetched per request.
        auth: dict[str, Any] = {"api_key": token} if base_url else {"azure_ad_token_provider": token}
    else:
        auth = {"api_key": required(settings.azure_openai_api_key, "AVA_AZURE_OPENAI_API_KEY").get_secret_value()}
    if base_url:
        # The v1 API: the plain client, no api-version; the deployment name goes in `model`.
        client = openai.OpenAI(base_url=base_url, max_retries=0, timeout=policy.call_timeout,
                               http_client=http_client, **auth)
    else:
        client = openai.AzureOpenAI(
            azure_endpoint=endpoint,
            api_version=settings.azure_openai_api_version,
            max_retries=0,
            timeout=policy.call_timeout,
            http_client=http_client,
            **auth,
        )
    return AzureOpenAIModel(
        client,
        deployment,
        api_version=V1 if base_url else settings.azure_openai_api_version,
        policy=policy,
        max_output_tokens=settings.model_max_output_tokens,
    )


def _anthropic(settings: Settings, policy: RetryPolicy, http_client: Any) -> ChatModel:
    if not settings.anthropic_api_key:
        raise ConfigError("model provider 'anthropic' is not configured: set AVA_ANTHROPIC_API_KEY")
    anthropic = _sdk("anthropic")
    from ava_core.models.anthropic_model import AnthropicModel

    client = anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        max_retries=0,
        timeout=policy.call_timeout,
        http_client=http_client,
    )
    return AnthropicModel(
        client, settings.anthropic_model, policy=policy, max_output_tokens=settings.model_max_output_tokens
    )


def _openai_compatible(settings: Settings, policy: RetryPolicy, http_client: Any) -> ChatModel:
    missing = [
        env
        for env, value in (
            ("AVA_OPENAI_COMPATIBLE_BASE_URL", settings.openai_compatible_base_url),
            ("AVA_OPENAI_COMPATIBLE_MODEL", settings.openai_compatible_model),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"model provider 'openai_compatible' is not configured: set {', '.join(missing)}")
    openai = _sdk("openai")
    from ava_core.models.openai_compatible import OpenAICompatibleModel

    key = settings.openai_compatible_api_key
    model = required(settings.openai_compatible_model, "AVA_OPENAI_COMPATIBLE_MODEL")
    client = openai.OpenAI(
        base_url=settings.openai_compatible_base_url,
        api_key=key.get_secret_value() if key else NO_KEY,
        max_retries=0,
        timeout=policy.call_timeout,
        http_client=http_client,
    )
    return OpenAICompatibleModel(
        client, model, policy=policy, max_output_tokens=settings.model_max_output_tokens
    )


def _sdk(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"the {module} SDK is not installed: pip install 'ava[providers]'") from exc
