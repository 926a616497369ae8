"""One business's deployment: every resource, wired; `build()` answers the stack outputs."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization, resources

from ava_infra import catalog, containers, functions, monitoring, openai, roles, storage, vault
from ava_infra.config import StackConfig

WEBHOOKS = {"whatsapp_webhook_url": "whatsapp", "ghl_webhook_url": "ghl"}


def build(cfg: StackConfig) -> dict[str, pulumi.Output[str]]:
    """Create the stack's resources; answer its outputs (webhook URLs for Meta and GoHighLevel, …)."""
    client = authorization.get_client_config_output()
    group = resources.ResourceGroup(
        "group", resource_group_name=f"rg-ava-{cfg.business}", location=cfg.location, tags=cfg.tags
    )
    rg = group.name
    store = storage.create(cfg, rg)
    monitor = monitoring.create(cfg, rg)
    extra_secrets = {}
    if cfg.rd_site and cfg.rd_image_tag:
        extra_secrets["RD_AUTH_CLIENT_SECRET"] = pulumi.Config("ava").require_secret("rd_auth_client_secret")
    keys = vault.create(cfg, rg, client.tenant_id, extra_secrets)

    ai = openai.create(cfg, cfg.openai, rg) if cfg.openai else None

    env = None
    if cfg.qdrant_url is None or cfg.rd_site:
        env = containers.environment(cfg, rg, monitor.workspace)
        container_secret_reads = roles.grant(
            "containers-secret-reads", roles.KEY_VAULT_SECRETS_USER, env.identity.principal_id,
            keys.vault.id, client.subscription_id,
        )
    qdrant_url: pulumi.Input[str]
    if cfg.qdrant_url is not None:
        qdrant_url = cfg.qdrant_url
    else:
        qdrant_url = containers.qdrant(
            cfg, rg, env, store.account.name, store.primary_key, keys, container_secret_reads
        )

    settings = app_settings(cfg, store, monitor, keys, ai, qdrant_url)
    func = functions.create(
        cfg, rg, store.account.name, store.primary_key,
        pulumi.Output.concat(store.account.primary_endpoints.blob, storage.DEPLOYMENT_CONTAINER),
        settings,
    )
    principal = func.app.identity.apply(lambda identity: identity.principal_id)
    grants = [
        ("app-blob", roles.STORAGE_BLOB_DATA_OWNER, store.account.id),
        ("app-queue", roles.STORAGE_QUEUE_DATA_CONTRIBUTOR, store.account.id),
        ("app-table", roles.STORAGE_TABLE_DATA_CONTRIBUTOR, store.account.id),
        ("app-secret-reads", roles.KEY_VAULT_SECRETS_USER, keys.vault.id),
        ("app-telemetry", roles.MONITORING_METRICS_PUBLISHER, monitor.insights.id),
    ]
    if ai is not None:
        grants.append(("app-openai", roles.COGNITIVE_SERVICES_OPENAI_USER, ai.account.id))
    for name, role, scope in grants:
        roles.grant(name, role, principal, scope, client.subscription_id, parent=func.app)

    outputs: dict[str, pulumi.Output[str]] = {
        "function_app_name": func.app.name,
        "resource_group_name": rg,
        "health_url": pulumi.Output.concat("https://", func.hostname, "/api/health"),
        "qdrant_url": pulumi.Output.from_input(qdrant_url),
    }
    if ai is not None:
        outputs["openai_endpoint"] = ai.endpoint
    for output, route in WEBHOOKS.items():
        outputs[output] = pulumi.Output.concat("https://", func.hostname, f"/api/{route}")

    if cfg.rd_site:
        registry = containers.registry(cfg, rg)
        image_pull = roles.grant(
            "containers-image-pull", roles.ACR_PULL, env.identity.principal_id, registry.id, client.subscription_id
        )
        # The R&D site gets the plain settings and the knowledge, no secret and not the
        # production store: it runs the offline models and its own scratch database.
        rd_settings = [{"name": k, "value": v} for k, v in {**cfg.settings, "AVA_QDRANT_URL": qdrant_url}.items()]
        site = containers.rd_site(cfg, rg, env, registry, image_pull, container_secret_reads, keys, rd_settings)
        outputs["registry_login_server"] = registry.login_server
        if site.url is not None:
            outputs["rd_site_url"] = site.url
    return outputs


def app_settings(
    cfg: StackConfig, store: storage.Storage, monitor: monitoring.Monitoring, keys: vault.Vault,
    ai: openai.OpenAI | None, qdrant_url: pulumi.Input[str],
) -> list[dict[str, pulumi.Input[str]]]:
    """The Function App's settings: identity-based storage, the store on the share, secrets as references.

    Flex Consumption sets the worker runtime and the Functions version itself (from the app's
    runtime) and refuses FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION as settings.
    """
    values: dict[str, pulumi.Input[str]] = {
        # The host and the durable task hub reach blobs, queues and tables with the app's identity.
        "AzureWebJobsStorage__accountName": store.account.name,
        "APPLICATIONINSIGHTS_CONNECTION_STRING": monitor.insights.connection_string,
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD",
        "AVA_LOG_JSON": "true",
        **cfg.settings,
        "AVA_DB_PATH": catalog.DB_PATH,
        "AVA_DB_NETWORK_SHARE": "true",
        "AVA_ARCHIVE_DIR": catalog.ARCHIVE_DIR,
        "AVA_QDRANT_URL": qdrant_url,
    }
    if ai is not None:
        values.update({
            "AVA_AZURE_OPENAI_ENDPOINT": ai.endpoint,
            "AVA_AZURE_OPENAI_USE_ENTRA_ID": "true",
            "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT": openai.CHAT_DEPLOYMENT,
            "AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT": openai.EMBEDDING_DEPLOYMENT,
        })
        values.setdefault("AVA_EMBEDDER", "azure")
    for setting in cfg.secrets:
        values[setting] = keys.reference(setting)
    return [{"name": name, "value": value} for name, value in values.items()]
