"""The Pulumi program's catalog of settings against the app's own Settings (infra/ava_infra/catalog.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from pydantic import SecretStr

from ava_core.settings import Settings
from ava_core.store.placement import db_path_problem, network_share_problem
from tests.infra.conftest import ROOT


def _catalog():
    spec = importlib.util.spec_from_file_location("ava_infra_catalog", ROOT / "infra" / "ava_infra" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalog = _catalog()
AZURE = {"WEBSITE_SITE_NAME": "func-ava-sunny", "WEBSITE_INSTANCE_ID": "abc"}


def test_every_secret_setting_of_the_app_goes_to_key_vault():
    secret_fields = {
        f"AVA_{name.upper()}" for name, field in Settings.model_fields.items()
        if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
    }
    assert secret_fields == set(catalog.SECRET_SETTINGS)


def test_every_setting_the_catalog_names_is_a_setting_of_the_app():
    fields = {f"AVA_{name.upper()}" for name in Settings.model_fields}
    named = set(catalog.SECRET_SETTINGS) | set(catalog.STACK_OWNED_SETTINGS) | set(catalog.LOCAL_ONLY_SETTINGS)
    assert named <= fields, named - fields


def test_the_store_path_the_stack_sets_is_one_the_app_accepts_in_azure():
    assert db_path_problem(Path(catalog.DB_PATH), AZURE) is None
    assert network_share_problem(True, AZURE) is None
    assert Path(catalog.DB_PATH).parent == Path(catalog.MOUNT_PATH)
    # App Service refuses mount paths under /home.
    assert not catalog.MOUNT_PATH.startswith("/home")


def test_the_qdrant_server_deployed_is_one_the_locked_client_talks_to():
    client = re.search(r"^qdrant-client==(\d+)\.(\d+)", (ROOT / "requirements.txt").read_text(), re.M)
    server = re.search(r":v(\d+)\.(\d+)\.\d+$", catalog.QDRANT_IMAGE)
    assert client and server
    assert client.group(1) == server.group(1) and abs(int(client.group(2)) - int(server.group(2))) <= 1
