"""The storage account: the Functions host and durable task hub, the deployment package, the shares."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import storage

from ava_infra import catalog
from ava_infra.config import StackConfig

DEPLOYMENT_CONTAINER = "app-package"
QDRANT_SHARE = "qdrant"


@dataclass
class Storage:
    account: storage.StorageAccount
    share: storage.FileShare
    qdrant_share: storage.FileShare
    deployment_container: storage.BlobContainer
    primary_key: pulumi.Output[str]


def create(cfg: StackConfig, resource_group_name: pulumi.Input[str]) -> Storage:
    account = storage.StorageAccount(
        "storage",
        account_name=f"stava{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_blob_public_access=False,
        enable_https_traffic_only=True,
        minimum_tls_version="TLS1_2",
        # The host and the task hub authenticate with the app's identity, but an Azure Files SMB
        # mount (App Service and Container Apps alike) still takes the account key.
        allow_shared_key_access=True,
        tags=cfg.tags,
    )
    share = storage.FileShare(
        "store-share",
        share_name=catalog.SHARE_NAME,
        account_name=account.name,
        resource_group_name=resource_group_name,
        enabled_protocols="SMB",
        share_quota=5,
    )
    qdrant_share = storage.FileShare(
        "qdrant-share",
        share_name=QDRANT_SHARE,
        account_name=account.name,
        resource_group_name=resource_group_name,
        enabled_protocols="SMB",
        share_quota=10,
    )
    container = storage.BlobContainer(
        "deployment-container",
        container_name=DEPLOYMENT_CONTAINER,
        account_name=account.name,
        resource_group_name=resource_group_name,
        public_access="None",
    )
    keys = storage.list_storage_account_keys_output(
        account_name=account.name, resource_group_name=resource_group_name
    )
    primary_key = pulumi.Output.secret(keys.keys[0].value)
    return Storage(account, share, qdrant_share, container, primary_key)
