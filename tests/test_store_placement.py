"""Where the store may live: the journal SQLite really took, durable writes under the rollback
journal, Azure's mount (absolute path, AVA_DB_NETWORK_SHARE) and shares mounted with nobrl."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError

from ava_core.errors import StoreError
from ava_core.settings import Settings
from ava_core.store import Store, placement
from ava_core.store import repository as repository_module

MOUNTS = """\
overlay / overlay rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w 0 0
//ava.file.core.windows.net/ava /mnt/ava cifs rw,relatime,vers=3.1.1,cache=strict,uid=0,noforceuid,{extra}actimeo=30 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
"""


def _pragma(store: Store, name: str):
    with store._unit() as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


@pytest.fixture
def no_shared_memory(monkeypatch):
    """A file system like an SMB share: SQLite's unix-dotfile VFS has no shared memory, so it
    answers a request for WAL by keeping the rollback journal."""
    connect = sqlite3.connect
    monkeypatch.setattr(repository_module.sqlite3, "connect",
                        lambda path, **kw: connect(f"file:{path}?vfs=unix-dotfile", uri=True, **kw))


def test_wal_refused_by_the_file_system_is_an_error_that_names_the_setting(tmp_path, no_shared_memory):
    with pytest.raises(StoreError, match="AVA_DB_NETWORK_SHARE=true"):
        Store(tmp_path / "share.sqlite3")


def test_the_rollback_journal_works_where_wal_cannot(tmp_path, no_shared_memory):
    store = Store(tmp_path / "share.sqlite3", network_share=True)
    assert _pragma(store, "journal_mode") == "delete"


def test_a_share_store_never_runs_in_wal_that_another_process_switched_it_to(tmp_path):
    path = tmp_path / "share.sqlite3"
    store = Store(path, network_share=True, busy_timeout_ms=100)
    local = Store(path)  # a local AVA (or an older deployment) opens the same file in WAL mode
    assert local.ping()  # and keeps it open
    with pytest.raises(StoreError, match="share.sqlite3"):
        store.schema_version()
    local.close()
    assert store.ping()  # once it is closed, the share store switches the file back
    assert _pragma(store, "journal_mode") == "delete"


def test_writes_are_fully_synced_under_the_rollback_journal_and_normal_under_wal(tmp_path):
    assert _pragma(Store(tmp_path / "share.sqlite3", network_share=True), "synchronous") == 2  # FULL
    assert _pragma(Store(tmp_path / "local.sqlite3"), "synchronous") == 1  # NORMAL


# --- Azure ------------------------------------------------------------------------------------


@pytest.fixture
def on_azure(monkeypatch):
    monkeypatch.setenv("WEBSITE_SITE_NAME", "ava-solar")  # what the platform sets on every plan
    monkeypatch.setenv("AzureWebJobsScriptRoot", "/home/site/wwwroot")


def test_on_azure_a_relative_db_path_and_wal_refuse_to_start(on_azure, monkeypatch):
    monkeypatch.setenv("AVA_DB_PATH", "data/ava.sqlite3")
    with pytest.raises(ValidationError) as caught:
        Settings()
    errors = {e["loc"][0]: e["msg"] for e in caught.value.errors()}
    assert set(errors) == {"db_path", "db_network_share"}
    assert "absolute path on the Azure Files mount" in errors["db_path"]
    assert "AVA_DB_NETWORK_SHARE must be true" in errors["db_network_share"]


def test_on_azure_the_default_path_is_refused_too(on_azure, monkeypatch):
    monkeypatch.delenv("AVA_DB_PATH")
    monkeypatch.setenv("AVA_DB_NETWORK_SHARE", "true")
    with pytest.raises(ValidationError, match="AVA_DB_PATH is 'data/ava.sqlite3'"):
        Settings()


def test_on_azure_a_path_inside_the_app_folder_is_refused(on_azure):
    with pytest.raises(ValidationError, match="inside the app's folder"):
        Settings(db_path=Path("/home/site/wwwroot/data/ava.sqlite3"), db_network_share=True)


def test_on_azure_an_absolute_path_on_the_mount_with_the_rollback_journal_is_accepted(on_azure):
    settings = Settings(db_path=Path("/mnt/ava/ava.sqlite3"), db_network_share=True)
    assert settings.db_path == Path("/mnt/ava/ava.sqlite3")


@pytest.mark.parametrize("environ, azure", [
    ({"WEBSITE_INSTANCE_ID": "8f3e…"}, True),  # App Service plans (Dedicated, Premium)
    ({"WEBSITE_SITE_NAME": "ava-solar", "CONTAINER_NAME": "ava"}, True),  # Linux and Flex Consumption
    # `func start`: Core Tools sets these, and no WEBSITE_INSTANCE_ID or WEBSITE_SITE_NAME.
    ({"WEBSITE_HOSTNAME": "localhost:7071", "AzureWebJobsScriptRoot": "/src/ava", "FUNCTIONS_WORKER_RUNTIME": "python",
      "AZURE_FUNCTIONS_ENVIRONMENT": "Development"}, False),
    ({"WEBSITE_SITE_NAME": "copied-into-local-settings", "FUNCTIONS_CORETOOLS_ENVIRONMENT": "True"}, False),
    ({}, False),
])
def test_azure_is_told_from_a_local_functions_host(environ, azure):
    assert placement.running_in_azure(environ) is azure


# --- the share's mount options ------------------------------------------------------------------


def test_the_mount_holding_the_store_is_the_longest_matching_mount_point():
    text = MOUNTS.format(extra="")
    assert placement.mount_of(Path("/mnt/ava/ava.sqlite3"), text).fs_type == "cifs"
    assert placement.mount_of(Path("/mnt/avalanche/x"), text).point == "/"
    assert placement.mount_of(Path("/tmp/x.sqlite3"), text).fs_type == "tmpfs"


def test_a_store_on_a_share_mounted_with_nobrl_is_not_opened(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"//ava.file.core.windows.net/ava {tmp_path} cifs rw,vers=3.1.1,nobrl,actimeo=30 0 0\n")
    monkeypatch.setattr(placement, "MOUNTS", mounts)
    monkeypatch.setattr(placement.sys, "platform", "linux")
    with pytest.raises(StoreError, match="mounted with 'nobrl'"):
        Store(tmp_path / "ava.sqlite3", network_share=True)
    assert not (tmp_path / "ava.sqlite3").exists()


def test_on_azure_health_names_the_store_settings_to_fix(on_azure, monkeypatch):
    import json

    import azure.functions as func

    from activities.runtime import runtime
    from webhooks import health

    monkeypatch.setenv("AVA_DB_PATH", "data/ava.sqlite3")
    monkeypatch.setattr(runtime, "_settings", None)
    monkeypatch.setattr(runtime, "_services", None)
    response = health.health.build().get_user_function()(
        func.HttpRequest(method="GET", url="http://localhost:7071/api/health", body=b""))
    assert response.status_code == 503
    assert json.loads(response.get_body())["error"] == "invalid settings: AVA_DB_NETWORK_SHARE, AVA_DB_PATH"


def test_on_azure_a_store_on_the_instances_own_disk_is_not_opened(on_azure, tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 {tmp_path} ext4 rw,relatime 0 0\n")
    monkeypatch.setattr(placement, "MOUNTS", mounts)
    monkeypatch.setattr(placement.sys, "platform", "linux")
    with pytest.raises(StoreError, match="own disk"):
        Store(tmp_path / "ava.sqlite3", network_share=True)


def test_on_azure_a_store_on_the_share_opens(on_azure, tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS.format(extra="").replace("/mnt/ava", str(tmp_path)))
    monkeypatch.setattr(placement, "MOUNTS", mounts)
    monkeypatch.setattr(placement.sys, "platform", "linux")
    assert Store(tmp_path / "ava.sqlite3", network_share=True).ping()
