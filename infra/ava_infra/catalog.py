"""Which AVA_ settings the stack sets, and how: plain values, Key Vault secrets, or owned by the stack.

Plain Python with no Pulumi import, so AVA's own test suite can hold it against
``ava_core/settings.py`` and ``local.settings.sample.json``.
"""

# Where the Azure Files share is mounted in the Function App, and the store on it. The store
# refuses a relative path, one under /home/site/wwwroot, or a journal in WAL mode in Azure
# (docs/functions.md, "SQLite on Azure Files"). App Service refuses mount paths under /home.
MOUNT_PATH = "/mnt/ava"
SHARE_NAME = "ava"
DB_PATH = f"{MOUNT_PATH}/ava.sqlite3"
ARCHIVE_DIR = f"{MOUNT_PATH}/archive"

# The Qdrant server deployed as a container when the stack has no `ava:qdrant_url`. qdrant-client
# refuses a server more than one minor version away from its own: keep this at the minor version
# of the client in requirements.txt (a test in AVA's suite holds them together).
QDRANT_IMAGE = "docker.io/qdrant/qdrant:v1.20.0"

# Settings whose value is a secret: each goes to Key Vault and reaches the app as a
# @Microsoft.KeyVault(...) reference. Pulumi config key = the setting name without AVA_,
# lower case, set with `pulumi config set --secret` (e.g. ava:whatsapp_app_secret).
SECRET_SETTINGS = (
    "AVA_DATA_KEY",
    "AVA_AZURE_OPENAI_API_KEY",
    "AVA_ANTHROPIC_API_KEY",
    "AVA_OPENAI_COMPATIBLE_API_KEY",
    "AVA_WHATSAPP_ACCESS_TOKEN",
    "AVA_WHATSAPP_APP_SECRET",
    "AVA_WHATSAPP_VERIFY_TOKEN",
    "AVA_GHL_ACCESS_TOKEN",
    "AVA_GHL_WORKFLOW_SECRET",
    "AVA_GOOGLE_MAPS_API_KEY",
    "AVA_QDRANT_API_KEY",
    "AVA_WEB_SEARCH_API_KEY",
    "AVA_LOG_SHIP_API_KEY",
    "AVA_SMTP_PASSWORD",
)

# Settings the stack derives from the resources it creates: a stack's `ava:settings` map may
# not set them, so the store always lands on the share and the endpoints on what was built.
STACK_OWNED_SETTINGS = (
    "AVA_DB_PATH",
    "AVA_DB_NETWORK_SHARE",
    "AVA_ARCHIVE_DIR",
    "AVA_AZURE_OPENAI_ENDPOINT",
    "AVA_AZURE_OPENAI_USE_ENTRA_ID",
    "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT",
    "AVA_AZURE_OPENAI_EMBEDDING_DEPLOYMENT",
    "AVA_QDRANT_URL",
)

# Not meaningful in Azure: the embedded Qdrant folder is for one local process.
LOCAL_ONLY_SETTINGS = ("AVA_QDRANT_PATH",)


def config_key(setting: str) -> str:
    """The Pulumi config key of a secret setting: AVA_WHATSAPP_APP_SECRET -> whatsapp_app_secret."""
    return setting.removeprefix("AVA_").lower()


def vault_secret_name(setting: str) -> str:
    """Key Vault allows letters, digits and dashes: AVA_WHATSAPP_APP_SECRET -> ava-whatsapp-app-secret."""
    return setting.lower().replace("_", "-")
