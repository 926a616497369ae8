"""The app's shape: registered functions, host and local settings, and ``/api/health``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import azure.functions as func
from pydantic import SecretStr

from activities.runtime import Runtime, Services
from ava_core import __version__
from ava_core.errors import ConfigError
from ava_core.settings import Settings
from webhooks import health

ROOT = Path(__file__).resolve().parents[2]
check = health.health.build().get_user_function()


def _get() -> func.HttpRequest:
    return func.HttpRequest(method="GET", url="http://localhost:7071/api/health", body=b"")


def test_health_reports_version_store_and_providers_without_secrets(services, wa_settings):
    secret_settings = wa_settings.model_copy(update={"anthropic_api_key": SecretStr("sk-ant-secret")})
    services(settings=secret_settings)
    response = check(_get())
    body = json.loads(response.get_body())
    assert response.status_code == 200
    assert body["version"] == __version__ and body["store"] is True and body["status"] == "ok"
    assert body["providers"] == ["playbook", "anthropic"]
    assert body["channels"] == ["whatsapp"]
    text = response.get_body().decode()
    assert "sk-ant-secret" not in text and "test-app-secret" not in text


def test_health_is_503_when_the_store_does_not_answer(services, monkeypatch):
    s = services()
    monkeypatch.setattr(s.assistant.store, "ping", lambda: False)
    response = check(_get())
    assert response.status_code == 503 and json.loads(response.get_body())["status"] == "degraded"


def test_health_names_the_broken_setting_and_not_its_value(monkeypatch):
    from activities.runtime import runtime

    monkeypatch.setenv("AVA_DB_BUSY_TIMEOUT_MS", "not-a-number-secret")
    monkeypatch.setattr(runtime, "_settings", None)
    monkeypatch.setattr(runtime, "_services", None)
    response = check(_get())
    body = response.get_body().decode()
    assert response.status_code == 503
    assert "AVA_DB_BUSY_TIMEOUT_MS" in body and "not-a-number-secret" not in body


def test_health_passes_on_a_config_error_message(monkeypatch):
    from activities import runtime as module

    def broken(settings):
        raise ConfigError("examples/missing.yaml: no such profile file")

    monkeypatch.setattr(module, "runtime", Runtime(broken))
    monkeypatch.setattr(health, "runtime", module.runtime)
    response = check(_get())
    assert response.status_code == 503 and "missing.yaml" in response.get_body().decode()


def test_services_are_built_once_and_only_on_first_use(settings):
    built: list[Settings] = []

    def build(s: Settings) -> Services:
        built.append(s)
        return Services(settings=s, assistant=None)

    runtime = Runtime(build)
    assert built == []
    assert runtime.settings().model == "playbook"
    assert built == []  # settings alone open nothing
    assert runtime.services() is runtime.services()
    assert len(built) == 1


def test_the_app_registers_the_webhooks_orchestrator_and_activities():
    import function_app

    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    assert set(functions) == {
        "whatsapp_verify", "whatsapp_webhook", "ghl_webhook", "health", "sweep_conversations", "archive_idle", "conversation",
        "llm_step", "run_tool", "hand_off", "send_typing", "send_reply", "reengage", "reengage_lead",
    }
    bindings = {b.type for b in functions["whatsapp_webhook"].get_bindings()}
    assert bindings == {"httpTrigger", "http", "durableClient"}
    assert functions["conversation"].get_trigger().type == "orchestrationTrigger"


def test_local_settings_sample_lists_every_ava_setting():
    values = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    expected = {f"AVA_{name.upper()}" for name in Settings.model_fields}
    assert expected - set(values) == set(), "add these to local.settings.sample.json"
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"


def test_host_json_pins_the_bundle_and_keeps_running_instances():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}
    durable = host["extensions"]["durableTask"]
    assert durable["hubName"] and durable["overridableExistingInstanceStates"] == "NonRunningStates"


def test_requirements_install_the_functions_runtime_and_the_engines_dependencies():
    # requirements.txt is the runtime set of the lock: `name==version \` then its hashes
    lines = {re.split(r"[=<>~ ]", line, maxsplit=1)[0] for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line and line[0].isalnum()}
    assert {"azure-functions", "azure-functions-durable", "pydantic", "pydantic-settings", "httpx", "loguru",
            "pyyaml", "jinja2"} <= lines


def test_health_says_when_nothing_was_ingested_and_how_to_fix_it(services, wa_settings, profile):
    from ava_core.knowledge.factory import build_knowledge

    services(knowledge=build_knowledge(wa_settings, profile))
    response = check(_get())
    body = json.loads(response.get_body())
    assert response.status_code == 200
    assert body["knowledge"]["ok"] is False
    assert "nothing has been ingested" in body["knowledge"]["reason"]
    assert "ava ingest" in body["knowledge"]["fix"]


def test_health_says_when_another_process_holds_the_knowledge_folder(services, wa_settings, profile, tmp_path):
    from qdrant_client import QdrantClient

    from ava_core.knowledge.client import disconnect_all
    from ava_core.knowledge.factory import build_knowledge

    folder = tmp_path / "held"
    holder = QdrantClient(path=str(folder))  # the lock a second worker process would hold
    try:
        services(knowledge=build_knowledge(wa_settings.model_copy(update={"qdrant_path": folder}), profile))
        body = json.loads(check(_get()).get_body())
    finally:
        holder.close()
        disconnect_all()
    assert body["knowledge"]["ok"] is False
    assert "open in another process" in body["knowledge"]["reason"]
    assert "AVA_QDRANT_URL" in body["knowledge"]["fix"]


def test_health_reports_a_working_knowledge_base_as_ok(services):
    class Searchable:
        def search(self, query, *, kind=None, limit=5):
            return []

    services(knowledge=Searchable())
    assert json.loads(check(_get()).get_body())["knowledge"] == {"ok": True}
