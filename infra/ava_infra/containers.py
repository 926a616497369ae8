"""Container Apps: Qdrant with its storage on an Azure Files share, and the R&D site behind a login."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import app, containerregistry, managedidentity, operationalinsights

from ava_infra.config import StackConfig
from ava_infra.storage import QDRANT_SHARE
from ava_infra.vault import Vault

QDRANT_PORT = 6333
QDRANT_STORAGE = "/qdrant/storage"
RD_PORT = 7860  # Gradio's default
RD_IMAGE = "ava-rd"


@dataclass
class Environment:
    environment: app.ManagedEnvironment
    identity: managedidentity.UserAssignedIdentity


def environment(
    cfg: StackConfig, resource_group_name: pulumi.Input[str], workspace: operationalinsights.Workspace,
) -> Environment:
    keys = operationalinsights.get_shared_keys_output(
        resource_group_name=resource_group_name, workspace_name=workspace.name
    )
    env = app.ManagedEnvironment(
        "containers",
        environment_name=f"cae-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        app_logs_configuration={
            "destination": "log-analytics",
            "log_analytics_configuration": {
                "customer_id": workspace.customer_id,
                "shared_key": pulumi.Output.secret(keys.primary_shared_key),
            },
        },
        tags=cfg.tags,
    )
    # A user-assigned identity, so its roles (image pull, secret reads) exist before the first
    # revision starts; a system-assigned one would only exist once the app does.
    identity = managedidentity.UserAssignedIdentity(
        "containers-identity", resource_name_=f"id-ava-{cfg.business}-containers",
        resource_group_name=resource_group_name, location=cfg.location, tags=cfg.tags,
    )
    return Environment(env, identity)


def qdrant(
    cfg: StackConfig, resource_group_name: pulumi.Input[str], env: Environment,
    storage_account_name: pulumi.Input[str], storage_key: pulumi.Input[str], vault: Vault,
    secret_reads: pulumi.Resource,
) -> pulumi.Output[str]:
    """Qdrant, one replica (its storage is one folder on one share); answers its HTTPS URL."""
    volume = app.ManagedEnvironmentsStorage(
        "qdrant-storage",
        environment_name=env.environment.name,
        resource_group_name=resource_group_name,
        storage_name="qdrant",
        properties={
            "azure_file": {
                "account_name": storage_account_name,
                "account_key": storage_key,
                "share_name": QDRANT_SHARE,
                "access_mode": "ReadWrite",
            }
        },
    )
    container_app = app.ContainerApp(
        "qdrant",
        container_app_name=f"ca-ava-{cfg.business}-qdrant",
        resource_group_name=resource_group_name,
        location=cfg.location,
        managed_environment_id=env.environment.id,
        identity={"type": "UserAssigned", "user_assigned_identities": [env.identity.id]},
        configuration={
            # External: the Function App runs outside the environment's network. Qdrant refuses
            # every request without the API key, and ingress takes HTTPS only.
            "ingress": {"external": True, "target_port": QDRANT_PORT, "transport": "http", "allow_insecure": False},
            "secrets": [{
                "name": "qdrant-api-key",
                "key_vault_url": vault.secret_url("AVA_QDRANT_API_KEY"),
                "identity": env.identity.id,
            }],
        },
        template={
            "containers": [{
                "name": "qdrant",
                "image": cfg.qdrant_image,
                "resources": {"cpu": 0.5, "memory": "1Gi"},
                "env": [{"name": "QDRANT__SERVICE__API_KEY", "secret_ref": "qdrant-api-key"}],
                "volume_mounts": [{"volume_name": "storage", "mount_path": QDRANT_STORAGE}],
            }],
            "volumes": [{"name": "storage", "storage_type": "AzureFile", "storage_name": volume.name}],
            # One writer per storage folder: Qdrant does not share its files between processes.
            "scale": {"min_replicas": 1, "max_replicas": 1},
        },
        tags=cfg.tags,
        opts=pulumi.ResourceOptions(depends_on=[secret_reads]),
    )
    return pulumi.Output.concat(
        "https://", container_app.name, ".", env.environment.default_domain
    )


@dataclass
class RdSite:
    registry: containerregistry.Registry
    container_app: app.ContainerApp | None
    url: pulumi.Output[str] | None


def registry(cfg: StackConfig, resource_group_name: pulumi.Input[str]) -> containerregistry.Registry:
    """Where CI pushes the R&D image (through Entra ID; no admin user, no anonymous pull)."""
    return containerregistry.Registry(
        "registry",
        registry_name=f"crava{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        sku={"name": "Basic"},
        admin_user_enabled=False,
        anonymous_pull_enabled=False,
        tags=cfg.tags,
    )


def rd_site(
    cfg: StackConfig, resource_group_name: pulumi.Input[str], env: Environment,
    registry: containerregistry.Registry, image_pull: pulumi.Resource, secret_reads: pulumi.Resource,
    vault: Vault, settings: list[dict[str, pulumi.Input[str]]],
) -> RdSite:
    """The Gradio R&D site, once CI has pushed an image (`ava:rd_image_tag`), behind an Entra ID login."""
    if not cfg.rd_image_tag:
        return RdSite(registry, None, None)
    secrets = [{
        "name": "microsoft-provider-authentication-secret",
        "key_vault_url": vault.secret_url("RD_AUTH_CLIENT_SECRET"),
        "identity": env.identity.id,
    }]
    # The platform's sign-in below is the site's login: the site trusts the identity headers it
    # adds (and refuses requests without them) instead of keeping users of its own.
    env_vars: list[dict[str, pulumi.Input[str]]] = [*settings, {"name": "AVA_RD_AUTH", "value": "proxy"}]
    if "AVA_QDRANT_API_KEY" in vault.secrets:
        # The knowledge is the one secret the site needs: by reference, never as a value.
        secrets.append({
            "name": "qdrant-api-key",
            "key_vault_url": vault.secret_url("AVA_QDRANT_API_KEY"),
            "identity": env.identity.id,
        })
        env_vars.append({"name": "AVA_QDRANT_API_KEY", "secret_ref": "qdrant-api-key"})
    container_app = app.ContainerApp(
        "rd-site",
        container_app_name=f"ca-ava-{cfg.business}-rd",
        resource_group_name=resource_group_name,
        location=cfg.location,
        managed_environment_id=env.environment.id,
        identity={"type": "UserAssigned", "user_assigned_identities": [env.identity.id]},
        configuration={
            "ingress": {"external": True, "target_port": RD_PORT, "transport": "auto", "allow_insecure": False},
            "registries": [{"server": registry.login_server, "identity": env.identity.id}],
            "secrets": secrets,
        },
        template={
            "containers": [{
                "name": "rd",
                "image": pulumi.Output.concat(registry.login_server, f"/{RD_IMAGE}:{cfg.rd_image_tag}"),
                "resources": {"cpu": 1.0, "memory": "2Gi"},
                "env": env_vars,
            }],
            "scale": {"min_replicas": 0, "max_replicas": 1},
        },
        tags=cfg.tags,
        opts=pulumi.ResourceOptions(depends_on=[image_pull, secret_reads]),
    )
    tenant = cfg.rd_auth_tenant_id or "common"
    app.ContainerAppsAuthConfig(
        "rd-site-login",
        auth_config_name="current",
        container_app_name=container_app.name,
        resource_group_name=resource_group_name,
        platform={"enabled": True},
        global_validation={
            "unauthenticated_client_action": "RedirectToLoginPage",
            "redirect_to_provider": "azureactivedirectory",
        },
        identity_providers={
            "azure_active_directory": {
                "enabled": True,
                "registration": {
                    "client_id": cfg.rd_auth_client_id,
                    "client_secret_setting_name": "microsoft-provider-authentication-secret",
                    "open_id_issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                },
            }
        },
        http_settings={"require_https": True},
        opts=pulumi.ResourceOptions(parent=container_app),
    )
    url = pulumi.Output.concat("https://", container_app.name, ".", env.environment.default_domain)
    return RdSite(registry, container_app, url)
