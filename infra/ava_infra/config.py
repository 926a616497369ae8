"""The stack's configuration (`Pulumi.<stack>.yaml`), read and checked once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi

from ava_infra import catalog

_BUSINESS = re.compile(r"^[a-z][a-z0-9]{2,11}$")


class StackConfigError(ValueError):
    """A stack setting is missing or wrong; the message names the `pulumi config` key."""


@dataclass(frozen=True)
class OpenAIConfig:
    """An Azure OpenAI account with one chat and one embedding deployment, reached by identity."""

    location: str
    chat_model: str
    chat_model_version: str
    chat_capacity: int
    embedding_model: str
    embedding_model_version: str
    embedding_capacity: int


@dataclass(frozen=True)
class StackConfig:
    business: str
    location: str
    settings: dict[str, str]
    secrets: dict[str, pulumi.Output[str]]
    openai: OpenAIConfig | None
    qdrant_url: str | None
    qdrant_image: str
    rd_site: bool
    rd_image_tag: str | None
    rd_auth_client_id: str | None
    rd_auth_tenant_id: str | None
    maximum_instances: int
    tags: dict[str, str] = field(default_factory=dict)


def load() -> StackConfig:
    """Read the `ava:` namespace; raise StackConfigError naming the key at the first problem."""
    cfg = pulumi.Config("ava")
    business = cfg.require("business")
    if not _BUSINESS.match(business):
        raise StackConfigError(
            f"ava:business {business!r}: 3 to 12 lower-case letters and digits, starting with a letter "
            "(it names the Azure resources, some of which allow nothing else)"
        )
    settings = {str(k): str(v) for k, v in (cfg.get_object("settings") or {}).items()}
    _check_plain_settings(settings)
    secrets = {}
    for name in catalog.SECRET_SETTINGS:
        value = cfg.get_secret(catalog.config_key(name))
        if value is not None:
            secrets[name] = value
    qdrant_url = cfg.get("qdrant_url")
    if qdrant_url is None and "AVA_QDRANT_API_KEY" not in secrets:
        raise StackConfigError(
            "the Qdrant container needs an API key: `pulumi config set --secret ava:qdrant_api_key <key>` "
            "(or point at your own Qdrant with `pulumi config set ava:qdrant_url https://...`)"
        )
    rd_site = cfg.get_bool("rd_site")
    rd_site = True if rd_site is None else rd_site
    rd_image_tag = cfg.get("rd_image_tag")
    rd_auth_client_id = cfg.get("rd_auth_client_id")
    if rd_site and rd_image_tag and not (rd_auth_client_id and cfg.get_secret("rd_auth_client_secret")):
        raise StackConfigError(
            "the R&D site is only deployed behind a login: set ava:rd_auth_client_id and "
            "`pulumi config set --secret ava:rd_auth_client_secret` (an Entra ID app registration), "
            "or turn it off with `pulumi config set ava:rd_site false`"
        )
    return StackConfig(
        business=business,
        location=cfg.get("location") or pulumi.Config("azure-native").require("location"),
        settings=settings,
        secrets=secrets,
        openai=_openai(cfg),
        qdrant_url=qdrant_url,
        qdrant_image=cfg.get("qdrant_image") or catalog.QDRANT_IMAGE,
        rd_site=rd_site,
        rd_image_tag=rd_image_tag,
        rd_auth_client_id=rd_auth_client_id,
        rd_auth_tenant_id=cfg.get("rd_auth_tenant_id"),
        maximum_instances=cfg.get_int("maximum_instances") or 40,
        tags={"app": "ava", "business": business},
    )


def _check_plain_settings(settings: dict[str, str]) -> None:
    for name in settings:
        if not name.startswith("AVA_"):
            raise StackConfigError(f"ava:settings.{name}: only AVA_ settings belong here")
        if name in catalog.SECRET_SETTINGS:
            raise StackConfigError(
                f"ava:settings.{name} is a secret: remove it and use "
                f"`pulumi config set --secret ava:{catalog.config_key(name)} <value>` (it goes to Key Vault)"
            )
        if name in catalog.STACK_OWNED_SETTINGS:
            raise StackConfigError(f"ava:settings.{name} is set by the stack from what it builds: remove it")


def _openai(cfg: pulumi.Config) -> OpenAIConfig | None:
    raw = cfg.get_object("openai")
    if not raw:
        return None
    return OpenAIConfig(
        location=raw.get("location") or cfg.get("location") or pulumi.Config("azure-native").require("location"),
        chat_model=raw.get("chat_model", "gpt-4o-mini"),
        chat_model_version=raw.get("chat_model_version", "2024-07-18"),
        chat_capacity=int(raw.get("chat_capacity", 30)),
        embedding_model=raw.get("embedding_model", "text-embedding-3-small"),
        embedding_model_version=raw.get("embedding_model_version", "1"),
        embedding_capacity=int(raw.get("embedding_capacity", 30)),
    )
