"""Log Analytics and Application Insights, with local (key) ingestion off: telemetry needs the identity."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights

from ava_infra.config import StackConfig


@dataclass
class Monitoring:
    workspace: operationalinsights.Workspace
    insights: applicationinsights.Component


def create(cfg: StackConfig, resource_group_name: pulumi.Input[str]) -> Monitoring:
    workspace = operationalinsights.Workspace(
        "logs",
        workspace_name=f"log-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        sku={"name": "PerGB2018"},
        retention_in_days=30,
        tags=cfg.tags,
    )
    insights = applicationinsights.Component(
        "insights",
        resource_name_=f"appi-ava-{cfg.business}",
        resource_group_name=resource_group_name,
        location=cfg.location,
        kind="web",
        application_type="web",
        workspace_resource_id=workspace.id,
        ingestion_mode="LogAnalytics",
        disable_local_auth=True,
        tags=cfg.tags,
    )
    return Monitoring(workspace, insights)
