"""The Function App: Flex Consumption, Linux, Python 3.11, identity-based storage, the share mounted.

Why Flex Consumption (docs/deploy.md): it runs Python 3.11 on Linux, mounts Azure Files shares
(the legacy Linux Consumption plan, being retired, is the one plan that cannot), scales to zero,
and takes its storage and deployment package through the app's managed identity.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import web

from ava_infra import catalog
from ava_infra.config import StackConfig

PYTHON_VERSION = "3.11"
MOUNT_NAME = "ava-store"


@dataclass
class FunctionApp:
    plan: web.AppServicePlan
    app: web.WebApp
    mount: web.WebAppAzureStorageAccounts
    hostname: pulumi.Output[str]


def create(
    cfg: StackConfig, resource_group_name: pulumi.Input[str], storage_account_name: pulumi.Input[str],
    storage_key: pulumi.Input[str], deployment_container_url: pulumi.Input[str],
    app_settings: list[dict[str, pulumi.Input[str]]],
) -> FunctionApp:
    plan = web.AppServicePlan(
        "plan",
        name=f"plan-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        kind="functionapp",
        reserved=True,  # Linux
        sku={"tier": "FlexConsumption", "name": "FC1"},
        tags=cfg.tags,
    )
    app = web.WebApp(
        "app",
        name=f"func-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        kind="functionapp,linux",
        reserved=True,
        server_farm_id=plan.id,
        identity={"type": "SystemAssigned"},
        https_only=True,
        client_cert_enabled=False,
        function_app_config={
            "deployment": {
                "storage": {
                    "type": "blobContainer",
                    "value": deployment_container_url,
                    "authentication": {"type": "SystemAssignedIdentity"},
                }
            },
            "runtime": {"name": "python", "version": PYTHON_VERSION},
            "scale_and_concurrency": {"instance_memory_mb": 2048, "maximum_instance_count": cfg.maximum_instances},
        },
        site_config={
            "app_settings": app_settings,
            "ftps_state": "Disabled",
            "min_tls_version": "1.2",
            "scm_min_tls_version": "1.2",
            "http20_enabled": True,
        },
        tags=cfg.tags,
    )
    # No FTP and no basic-auth deployments: code goes in through Entra ID (az / functions-action).
    web.WebAppFtpAllowed(
        "app-ftp-off", name=app.name, resource_group_name=resource_group_name, allow=False,
        opts=pulumi.ResourceOptions(parent=app),
    )
    web.WebAppScmAllowed(
        "app-scm-basic-auth-off", name=app.name, resource_group_name=resource_group_name, allow=False,
        opts=pulumi.ResourceOptions(parent=app),
    )
    mount = web.WebAppAzureStorageAccounts(
        "app-store-mount",
        name=app.name,
        resource_group_name=resource_group_name,
        properties={
            MOUNT_NAME: {
                "type": "AzureFiles",
                "protocol": "Smb",
                "account_name": storage_account_name,
                "share_name": catalog.SHARE_NAME,
                "access_key": storage_key,
                "mount_path": catalog.MOUNT_PATH,
            }
        },
        opts=pulumi.ResourceOptions(parent=app),
    )
    return FunctionApp(plan, app, mount, app.default_host_name)
