"""Key Vault: every secret of the stack, read by the app through @Microsoft.KeyVault references."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from ava_infra import catalog
from ava_infra.config import StackConfig


@dataclass
class Vault:
    vault: keyvault.Vault
    secrets: dict[str, keyvault.Secret]  # by AVA_ setting name

    def reference(self, setting: str) -> pulumi.Output[str]:
        """An app setting value that App Service resolves from the vault, always the newest version."""
        return pulumi.Output.concat(
            "@Microsoft.KeyVault(VaultName=", self.vault.name,
            ";SecretName=", self.secrets[setting].name, ")",
        )

    def secret_url(self, setting: str) -> pulumi.Output[str]:
        """The versionless secret URL, as Container Apps' Key Vault secret references take it."""
        return pulumi.Output.concat(
            "https://", self.vault.name, ".vault.azure.net/secrets/", self.secrets[setting].name
        )


def create(
    cfg: StackConfig, resource_group_name: pulumi.Input[str], tenant_id: pulumi.Input[str],
    extra_secrets: dict[str, pulumi.Input[str]] | None = None,
) -> Vault:
    vault = keyvault.Vault(
        "vault",
        vault_name=f"kv-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        properties={
            "tenant_id": tenant_id,
            "sku": {"family": "A", "name": "standard"},
            # Azure RBAC rather than access policies: the app's identity gets one role on this
            # vault (Key Vault Secrets User), which reads secret values and nothing else.
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": 7,
            "enable_purge_protection": True,
        },
        tags=cfg.tags,
    )
    values: dict[str, pulumi.Input[str]] = dict(cfg.secrets)
    values.update(extra_secrets or {})
    secrets = {
        setting: keyvault.Secret(
            catalog.vault_secret_name(setting),
            secret_name=catalog.vault_secret_name(setting),
            vault_name=vault.name,
            resource_group_name=resource_group_name,
            properties={"value": pulumi.Output.secret(value)},
        )
        for setting, value in values.items()
    }
    return Vault(vault, secrets)
