"""Every test deploys the program on Pulumi's mocks; the helpers are in tests/mocks.py."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A business with WhatsApp and GoHighLevel, the default Qdrant container and R&D site.
SECRETS = {
    "data_key": "fernet-key-0123456789abcdefghijklmnopqrstuvwxyz=",
    "whatsapp_access_token": "EAAG-whatsapp-token-value",
    "whatsapp_app_secret": "whatsapp-app-secret-value",
    "whatsapp_verify_token": "whatsapp-verify-token-value",
    "ghl_access_token": "ghl-access-token-value",
    "qdrant_api_key": "qdrant-api-key-value",
    "anthropic_api_key": "sk-ant-value",
}
CONFIG = {
    "business": "sunny",
    "settings": {
        "AVA_MODEL": "azure",
        "AVA_FALLBACK_MODELS": '["anthropic", "playbook"]',
        "AVA_PROFILE": "examples/profile.yaml",
        "AVA_WHATSAPP_PHONE_NUMBER_ID": "1234567890",
        "AVA_GHL_LOCATION_ID": "loc-1",
    },
    "openai": {"chat_model": "gpt-4o-mini"},
}


@pytest.fixture
def sample_settings() -> set[str]:
    """Every AVA_ setting the app knows (local.settings.sample.json lists them all)."""
    values = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    return {name for name in values if name.startswith("AVA_")}
