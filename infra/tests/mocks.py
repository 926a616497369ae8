"""Runs the program against Pulumi's mock engine and records what it asked Azure for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

# Outputs Azure computes, which the program reads back: the mocks answer these per resource type.
_COMPUTED = {
    "azure-native:storage:StorageAccount": lambda name, _: {
        "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"}
    },
    "azure-native:web:WebApp": lambda name, _: {
        "defaultHostName": f"{name}.azurewebsites.net",
        "identity": {"type": "SystemAssigned", "principalId": "principal-function-app"},
    },
    "azure-native:managedidentity:UserAssignedIdentity": lambda name, _: {"principalId": f"principal-{name}"},
    "azure-native:applicationinsights:Component": lambda name, _: {
        "connectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000"
    },
    "azure-native:operationalinsights:Workspace": lambda name, _: {"customerId": "workspace-customer-id"},
    "azure-native:app:ManagedEnvironment": lambda name, _: {"defaultDomain": "nicepond-1234.eastus2.azurecontainerapps.io"},
    "azure-native:containerregistry:Registry": lambda name, _: {"loginServer": f"{name}.azurecr.io"},
}

# The input that holds a resource's Azure name, in the order they are looked for.
_NAME_INPUTS = (
    "name", "secretName", "shareName", "containerName", "deploymentName", "storageName", "containerAppName",
    "accountName", "vaultName", "environmentName", "registryName", "workspaceName", "resourceName",
)

STORAGE_KEY = "mock-storage-account-key=="
SHARED_KEY = "mock-log-analytics-shared-key=="


_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the engine marks a secret value


def _unwrap(value: Any, path: str, secrets: set[str]) -> Any:
    """The plain value, noting the path of every secret found on the way."""
    if isinstance(value, dict):
        if _SECRET_SIG in value:
            secrets.add(path)
            return _unwrap(value["value"], path, secrets)
        return {k: _unwrap(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


@dataclass
class Resource:
    type: str
    name: str
    inputs: dict[str, Any]
    secret_inputs: set[str] = field(default_factory=set)  # paths whose value was marked secret


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    resources: list[Resource] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        secrets: set[str] = set()
        self.resources.append(Resource(args.typ, args.name, _unwrap(dict(args.inputs), "", secrets), secrets))
        # The outputs are the inputs, plus a `name` (Output.concat on names fails without one)
        # and what Azure would compute.
        name = next((args.inputs[k] for k in _NAME_INPUTS if k in args.inputs), args.name)
        if args.typ == "azure-native:resources:ResourceGroup":
            name = args.inputs["resourceGroupName"]
        outputs = {"name": name, **args.inputs}
        identity = outputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # Given as a list of ids, answered by Azure as a map from id to the identity's details.
            outputs["identity"] = {**identity, "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]}}
        if args.typ in _COMPUTED:
            outputs.update(_COMPUTED[args.typ](name, args.inputs))
        return f"/subscriptions/sub/resourceGroups/rg/providers/{args.typ}/{args.name}", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "azure-native:storage:listStorageAccountKeys":
            return {"keys": [{"keyName": "key1", "value": STORAGE_KEY, "permissions": "FULL"}]}
        if args.token == "azure-native:authorization:getClientConfig":
            return {"clientId": "client", "objectId": "deployer", "subscriptionId": "sub-0001", "tenantId": "tenant-0001"}
        if args.token == "azure-native:operationalinsights:getSharedKeys":
            return {"primarySharedKey": SHARED_KEY, "secondarySharedKey": "unused"}
        raise NotImplementedError(f"the mocks do not answer {args.token}: add it to tests/mocks.py")

    # Lookups -----------------------------------------------------------------------------
    def of_type(self, typ: str) -> list[Resource]:
        return [r for r in self.resources if r.type == f"azure-native:{typ}"]

    def one(self, typ: str) -> Resource:
        found = self.of_type(typ)
        assert len(found) == 1, f"expected one {typ}, found {[r.name for r in found]}"
        return found[0]


@dataclass
class Deployment:
    mocks: RecordingMocks
    outputs: dict[str, Any]

    def app_settings(self) -> dict[str, str]:
        app = self.mocks.one("web:WebApp")
        return {s["name"]: s["value"] for s in app.inputs["siteConfig"]["appSettings"]}


def deploy(config: dict[str, Any], secrets: dict[str, str] | None = None) -> Deployment:
    """Run the program once with this `ava:` config (and these secret config values)."""
    import json

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="ava", stack="test", preview=False)
    values = {"azure-native:location": "eastus2"}
    for key, value in {**config, **(secrets or {})}.items():
        values[f"ava:{key}"] = value if isinstance(value, str) else json.dumps(value)
    pulumi.runtime.set_all_config(values, [f"ava:{k}" for k in (secrets or {})])

    from ava_infra import config as stack_config
    from ava_infra import stack

    collected: dict[str, Any] = {}

    @pulumi.runtime.test
    def run():
        outputs = stack.build(stack_config.load())
        return pulumi.Output.all(**outputs).apply(collected.update)

    run()
    return Deployment(mocks, collected)
