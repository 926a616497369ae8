"""Built-in Azure roles the stack grants, and one way to grant them: to a principal, on one scope."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

# Built-in role definition ids (the same in every tenant).
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"  # host leases, durable blobs, deployment package
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"  # durable task hub queues
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"  # durable task hub history
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"  # read secret values, nothing else
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"  # telemetry to Application Insights
COGNITIVE_SERVICES_OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"  # call deployments, no management
ACR_PULL = "7f951dfd-4ca5-4a8a-b13f-c06b33b4a5b1"  # pull images

NAMES = {
    STORAGE_BLOB_DATA_OWNER: "Storage Blob Data Owner",
    STORAGE_QUEUE_DATA_CONTRIBUTOR: "Storage Queue Data Contributor",
    STORAGE_TABLE_DATA_CONTRIBUTOR: "Storage Table Data Contributor",
    KEY_VAULT_SECRETS_USER: "Key Vault Secrets User",
    MONITORING_METRICS_PUBLISHER: "Monitoring Metrics Publisher",
    COGNITIVE_SERVICES_OPENAI_USER: "Cognitive Services OpenAI User",
    ACR_PULL: "AcrPull",
}


def grant(
    name: str, role: str, principal_id: pulumi.Input[str], scope: pulumi.Input[str],
    subscription_id: pulumi.Input[str], parent: pulumi.Resource | None = None,
) -> authorization.RoleAssignment:
    """Grant one built-in role to a managed identity, on one resource only."""
    return authorization.RoleAssignment(
        name,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
        ),
        scope=scope,
        description=NAMES[role],
        opts=pulumi.ResourceOptions(parent=parent),
    )
