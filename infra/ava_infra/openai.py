"""An optional Azure OpenAI account with a chat and an embedding deployment, keys off (identity only)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices

from ava_infra.config import OpenAIConfig, StackConfig

CHAT_DEPLOYMENT = "chat"
EMBEDDING_DEPLOYMENT = "embedding"


@dataclass
class OpenAI:
    account: cognitiveservices.Account
    endpoint: pulumi.Output[str]


def create(cfg: StackConfig, openai: OpenAIConfig, resource_group_name: pulumi.Input[str]) -> OpenAI:
    subdomain = f"oai-ava-{cfg.business}"
    account = cognitiveservices.Account(
        "openai",
        account_name=subdomain,
        resource_group_name=resource_group_name,
        location=openai.location,
        kind="OpenAI",
        sku={"name": "S0"},
        properties={
            "custom_sub_domain_name": subdomain,  # Entra ID tokens need the resource's own endpoint
            "disable_local_auth": True,
            "public_network_access": "Enabled",
        },
        tags=cfg.tags,
    )
    chat = cognitiveservices.Deployment(
        "openai-chat",
        deployment_name=CHAT_DEPLOYMENT,
        account_name=account.name,
        resource_group_name=resource_group_name,
        sku={"name": "Standard", "capacity": openai.chat_capacity},
        properties={"model": {"format": "OpenAI", "name": openai.chat_model, "version": openai.chat_model_version}},
    )
    # One deployment at a time: Azure refuses concurrent deployment changes on one account.
    cognitiveservices.Deployment(
        "openai-embedding",
        deployment_name=EMBEDDING_DEPLOYMENT,
        account_name=account.name,
        resource_group_name=resource_group_name,
        sku={"name": "Standard", "capacity": openai.embedding_capacity},
        properties={
            "model": {"format": "OpenAI", "name": openai.embedding_model, "version": openai.embedding_model_version}
        },
        opts=pulumi.ResourceOptions(depends_on=[chat]),
    )
    return OpenAI(account, pulumi.Output.concat("https://", subdomain, ".openai.azure.com/"))
