"""Pulumi.example.yaml is a stack that deploys, and holds its secrets only as `secure:` values."""

from pathlib import Path

import yaml
from ava_infra import catalog

from tests.mocks import deploy

EXAMPLE = Path(__file__).resolve().parents[1] / "Pulumi.example.yaml"
SECRET_KEYS = {catalog.config_key(s) for s in catalog.SECRET_SETTINGS} | {"rd_auth_client_secret"}


def _example() -> tuple[dict, set[str]]:
    config = yaml.safe_load(EXAMPLE.read_text())["config"]
    ava = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("ava:")}
    secure = {k for k, v in ava.items() if isinstance(v, dict) and set(v) == {"secure"}}
    return {k: v for k, v in ava.items() if k not in secure}, secure


def test_the_example_keeps_every_secret_as_a_pulumi_secret():
    plain, secure = _example()
    assert not SECRET_KEYS & set(plain)
    assert not set(catalog.SECRET_SETTINGS) & set(plain.get("settings", {}))
    assert secure <= SECRET_KEYS


def test_the_example_stack_deploys():
    plain, secure = _example()
    stack = deploy(plain, {key: f"value-of-{key}" for key in secure})
    assert stack.outputs["whatsapp_webhook_url"].endswith("/api/whatsapp")
    assert stack.app_settings()["AVA_MODEL"] == "azure"
