"""The stack on Pulumi's mocks: what exists, how it is wired, and the security settings that hold."""

from __future__ import annotations

import posixpath

import pytest
from ava_infra import catalog, roles
from ava_infra.config import StackConfigError

from tests.conftest import CONFIG, SECRETS
from tests.mocks import STORAGE_KEY, deploy


@pytest.fixture(scope="module")
def stack():
    return deploy(CONFIG, SECRETS)


def role_grants(stack, principal: str) -> set[tuple[str, str]]:
    """(role name, scope resource name) for every role assignment to this principal."""
    found = set()
    for r in stack.mocks.of_type("authorization:RoleAssignment"):
        if r.inputs["principalId"] == principal:
            role = r.inputs["roleDefinitionId"].rsplit("/", 1)[1]
            found.add((roles.NAMES[role], r.inputs["scope"].rsplit("/", 1)[1]))
    return found


# Storage ---------------------------------------------------------------------------------------

def test_storage_refuses_public_blobs_old_tls_and_plain_http(stack):
    account = stack.mocks.one("storage:StorageAccount").inputs
    assert account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["enableHttpsTrafficOnly"] is True
    for container in stack.mocks.of_type("storage:BlobContainer"):
        assert container.inputs["publicAccess"] == "None"


def test_the_share_is_mounted_where_the_app_keeps_its_database(stack):
    settings = stack.app_settings()
    db_path = settings["AVA_DB_PATH"]
    assert posixpath.isabs(db_path) and not db_path.startswith("/home/site/wwwroot")
    assert settings["AVA_DB_NETWORK_SHARE"] == "true"

    (mount,) = stack.mocks.one("web:WebAppAzureStorageAccounts").inputs["properties"].values()
    assert mount["type"] == "AzureFiles"
    assert posixpath.dirname(db_path) == mount["mountPath"]
    assert settings["AVA_ARCHIVE_DIR"].startswith(mount["mountPath"] + "/")
    shares = {s.inputs["shareName"]: s.inputs for s in stack.mocks.of_type("storage:FileShare")}
    assert shares[mount["shareName"]]["enabledProtocols"] == "SMB"
    assert mount["accountName"] == stack.mocks.one("storage:StorageAccount").inputs["accountName"]
    assert mount["accessKey"] == STORAGE_KEY
    assert "properties" in stack.mocks.one("web:WebAppAzureStorageAccounts").secret_inputs


def test_the_store_settings_cannot_be_overridden_from_stack_config():
    with pytest.raises(StackConfigError, match="AVA_DB_PATH is set by the stack"):
        deploy({**CONFIG, "settings": {"AVA_DB_PATH": "data/ava.sqlite3"}}, SECRETS)


# The Function App ------------------------------------------------------------------------------

def test_the_function_app_is_linux_python_311_on_flex_consumption(stack):
    plan = stack.mocks.one("web:AppServicePlan").inputs
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    assert plan["reserved"] is True
    app = stack.mocks.one("web:WebApp").inputs
    assert app["kind"] == "functionapp,linux" and app["reserved"] is True
    assert app["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}
    assert app["functionAppConfig"]["deployment"]["storage"]["authentication"] == {"type": "SystemAssignedIdentity"}


def test_the_function_app_takes_https_only_tls_12_and_no_ftp(stack):
    app = stack.mocks.one("web:WebApp").inputs
    assert app["httpsOnly"] is True
    assert app["identity"] == {"type": "SystemAssigned"}
    assert app["siteConfig"]["ftpsState"] == "Disabled"
    assert app["siteConfig"]["minTlsVersion"] == "1.2"
    assert stack.mocks.one("web:WebAppFtpAllowed").inputs["allow"] is False
    assert stack.mocks.one("web:WebAppScmAllowed").inputs["allow"] is False


def test_the_host_reaches_storage_by_identity_not_by_connection_string(stack):
    settings = stack.app_settings()
    assert settings["AzureWebJobsStorage__accountName"] == "stavasunny"
    assert "AzureWebJobsStorage" not in settings
    # Flex Consumption refuses these two; it takes the runtime from functionAppConfig.
    assert "FUNCTIONS_WORKER_RUNTIME" not in settings
    assert "FUNCTIONS_EXTENSION_VERSION" not in settings


# Secrets ---------------------------------------------------------------------------------------

def test_every_secret_reaches_the_app_as_a_key_vault_reference(stack):
    settings = stack.app_settings()
    vault_secrets = {s.inputs["secretName"]: s for s in stack.mocks.of_type("keyvault:Secret")}
    for key in SECRETS:
        setting = "AVA_" + key.upper()
        name = catalog.vault_secret_name(setting)
        assert settings[setting] == f"@Microsoft.KeyVault(VaultName=kv-ava-sunny;SecretName={name})"
        assert vault_secrets[name].inputs["properties"]["value"] == SECRETS[key]
        assert "properties" in vault_secrets[name].secret_inputs


def test_no_app_setting_holds_a_plaintext_secret(stack):
    values = "\n".join(stack.app_settings().values())
    for secret in (*SECRETS.values(), STORAGE_KEY):
        assert secret not in values
    assert "AccountKey=" not in values and "SharedAccessSignature" not in values


def test_a_secret_in_the_plain_settings_map_is_refused():
    with pytest.raises(StackConfigError, match="pulumi config set --secret ava:whatsapp_app_secret"):
        deploy({**CONFIG, "settings": {"AVA_WHATSAPP_APP_SECRET": "oops"}}, SECRETS)


def test_the_vault_grants_by_role_and_keeps_deleted_secrets(stack):
    vault = stack.mocks.one("keyvault:Vault").inputs["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert "accessPolicies" not in vault
    assert vault["enableSoftDelete"] is True and vault["enablePurgeProtection"] is True


def test_the_app_identity_has_only_the_roles_it_needs(stack):
    assert role_grants(stack, "principal-function-app") == {
        ("Storage Blob Data Owner", "storage"),
        ("Storage Queue Data Contributor", "storage"),
        ("Storage Table Data Contributor", "storage"),
        ("Key Vault Secrets User", "vault"),
        ("Monitoring Metrics Publisher", "insights"),
        ("Cognitive Services OpenAI User", "openai"),
    }


def test_without_azure_openai_the_app_gets_no_openai_role():
    stack = deploy({k: v for k, v in CONFIG.items() if k != "openai"}, SECRETS)
    assert not stack.mocks.of_type("cognitiveservices:Account")
    assert ("Cognitive Services OpenAI User", "openai") not in role_grants(stack, "principal-function-app")
    assert "AVA_AZURE_OPENAI_ENDPOINT" not in stack.app_settings()


# Monitoring and Azure OpenAI ---------------------------------------------------------------------

def test_telemetry_goes_to_application_insights_with_entra_id_only(stack):
    insights = stack.mocks.one("applicationinsights:Component").inputs
    assert insights["disableLocalAuth"] is True
    assert insights["workspaceResourceId"].endswith("/logs")
    settings = stack.app_settings()
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"].startswith("InstrumentationKey=")


def test_azure_openai_is_reached_by_identity_with_chat_and_embedding_deployments(stack):
    account = stack.mocks.one("cognitiveservices:Account").inputs
    assert account["kind"] == "OpenAI"
    assert account["properties"]["disableLocalAuth"] is True
    deployments = {d.inputs["deploymentName"]: d.inputs for d in stack.mocks.of_type("cognitiveservices:Deployment")}
    settings = stack.app_settings()
    assert settings["AVA_AZURE_OPENAI_USE_ENTRA_ID"] == "true"
    assert settings["AVA_AZURE_OPENAI_ENDPOINT"] == "https://oai-ava-sunny.openai.azure.com/"
    assert deployments[settings["AVA_AZURE_OPENAI_CHAT_DEPLOYMENT"]]["properties"]["model"]["name"] == "gpt-4o-mini"
    assert settings["AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT"] in deployments
    assert "AVA_AZURE_OPENAI_API_KEY" not in settings


# Containers ------------------------------------------------------------------------------------

def test_qdrant_keeps_its_data_on_a_share_and_wants_its_api_key(stack):
    qdrant = stack.mocks.one("app:ContainerApp").inputs  # no R&D image pushed yet: Qdrant alone
    (container,) = qdrant["template"]["containers"]
    (mount,) = container["volumeMounts"]
    assert mount["mountPath"] == "/qdrant/storage"
    (volume,) = qdrant["template"]["volumes"]
    assert volume["storageType"] == "AzureFile"
    storage = stack.mocks.one("app:ManagedEnvironmentsStorage").inputs
    assert storage["storageName"] == volume["storageName"]
    assert storage["properties"]["azureFile"]["shareName"] == "qdrant"
    assert qdrant["template"]["scale"]["maxReplicas"] == 1
    (secret,) = qdrant["configuration"]["secrets"]
    assert secret["keyVaultUrl"] == "https://kv-ava-sunny.vault.azure.net/secrets/ava-qdrant-api-key"
    assert {"name": "QDRANT__SERVICE__API_KEY", "secretRef": secret["name"]} in container["env"]
    assert qdrant["configuration"]["ingress"]["allowInsecure"] is False
    assert stack.app_settings()["AVA_QDRANT_URL"] == "https://ca-ava-sunny-qdrant.nicepond-1234.eastus2.azurecontainerapps.io"


def test_an_external_qdrant_replaces_the_container():
    stack = deploy({**CONFIG, "qdrant_url": "https://qdrant.example.com", "rd_site": False}, SECRETS)
    assert not stack.mocks.of_type("app:ContainerApp")
    assert not stack.mocks.of_type("app:ManagedEnvironment")
    assert stack.app_settings()["AVA_QDRANT_URL"] == "https://qdrant.example.com"


def test_the_qdrant_container_is_refused_without_an_api_key():
    with pytest.raises(StackConfigError, match="ava:qdrant_api_key"):
        deploy(CONFIG, {k: v for k, v in SECRETS.items() if k != "qdrant_api_key"})


RD = {**CONFIG, "rd_image_tag": "abc123", "rd_auth_client_id": "11111111-2222-3333-4444-555555555555"}
RD_SECRETS = {**SECRETS, "rd_auth_client_secret": "rd-client-secret-value"}


def test_the_rd_site_runs_the_pushed_image_behind_a_login():
    stack = deploy(RD, RD_SECRETS)
    site = next(r for r in stack.mocks.of_type("app:ContainerApp") if r.name == "rd-site").inputs
    assert site["template"]["containers"][0]["image"] == "cravasunny.azurecr.io/ava-rd:abc123"
    assert site["configuration"]["ingress"]["allowInsecure"] is False
    login = stack.mocks.one("app:ContainerAppsAuthConfig").inputs
    assert login["platform"]["enabled"] is True
    assert login["globalValidation"]["unauthenticatedClientAction"] == "RedirectToLoginPage"
    assert login["identityProviders"]["azureActiveDirectory"]["registration"]["clientId"] == RD["rd_auth_client_id"]
    assert login["httpSettings"]["requireHttps"] is True
    assert stack.outputs["rd_site_url"] == "https://ca-ava-sunny-rd.nicepond-1234.eastus2.azurecontainerapps.io"
    # Secrets reach neither the site's environment nor its production store.
    env = {e["name"]: e for e in site["template"]["containers"][0]["env"]}
    assert "AVA_DB_PATH" not in env
    # The sign-in above is the site's login: it requires the identity the platform adds to each request.
    assert env["AVA_RD_AUTH"]["value"] == "proxy" and "AVA_RD_USERS" not in env
    assert {name for name, e in env.items() if "value" in e} & set(catalog.SECRET_SETTINGS) == set()
    # Qdrant's key, the one secret the site needs, comes by reference from Key Vault.
    secrets = {s["name"]: s for s in site["configuration"]["secrets"]}
    assert secrets[env["AVA_QDRANT_API_KEY"]["secretRef"]]["keyVaultUrl"].endswith("/secrets/ava-qdrant-api-key")
    assert env["AVA_QDRANT_URL"]["value"] == stack.app_settings()["AVA_QDRANT_URL"]
    assert role_grants(stack, "principal-id-ava-sunny-containers") == {
        ("Key Vault Secrets User", "vault"), ("AcrPull", "registry"),
    }


def test_the_rd_site_is_not_deployed_without_a_login():
    with pytest.raises(StackConfigError, match="behind a login"):
        deploy({k: v for k, v in RD.items() if k != "rd_auth_client_id"}, RD_SECRETS)


def test_the_registry_takes_no_admin_user_and_no_anonymous_pull(stack):
    registry = stack.mocks.one("containerregistry:Registry").inputs
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False


# Outputs and configuration ---------------------------------------------------------------------

def test_the_outputs_are_the_urls_to_paste_into_meta_and_gohighlevel(stack):
    assert stack.outputs["whatsapp_webhook_url"] == "https://func-ava-sunny.azurewebsites.net/api/whatsapp"
    assert stack.outputs["ghl_webhook_url"] == "https://func-ava-sunny.azurewebsites.net/api/ghl"
    assert stack.outputs["health_url"] == "https://func-ava-sunny.azurewebsites.net/api/health"
    # and what `ava ingest` needs to load the knowledge from a checkout
    assert stack.outputs["qdrant_url"] == stack.app_settings()["AVA_QDRANT_URL"]
    assert stack.outputs["openai_endpoint"] == stack.app_settings()["AVA_AZURE_OPENAI_ENDPOINT"]


def test_every_ava_setting_the_stack_sets_is_one_the_app_knows(stack, sample_settings):
    ava = {name for name in stack.app_settings() if name.startswith("AVA_")}
    assert ava <= sample_settings, ava - sample_settings
    assert set(catalog.SECRET_SETTINGS) <= sample_settings
    assert set(catalog.STACK_OWNED_SETTINGS) <= sample_settings


def test_a_business_name_azure_cannot_take_is_refused():
    with pytest.raises(StackConfigError, match="ava:business 'Sunny-Solar'"):
        deploy({**CONFIG, "business": "Sunny-Solar"}, SECRETS)
