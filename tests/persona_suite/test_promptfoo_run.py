"""The promptfoo run itself, offline: a small subset passes, a broken assertion fails it, known
gaps are treated as pytest treats them, and a grader is reached through the configuration a
real one uses."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from evals.run import PROMPTFOO, ROOT, graded, grader, run, summary

SUBSET = "evals/scenarios/opt-out-*.yaml"  # no knowledge search, so no ingested data is needed
KINDS = {"outcome", "answers", "tools", "whatsapp_fit", "no_promises", "language", "no_leaks", "known_gap"}


@pytest.fixture(autouse=True)
def _playbook_only(monkeypatch):
    monkeypatch.setenv("AVA_EVALS_MODELS", "playbook")


@pytest.fixture
def promptfoo():
    """The pinned promptfoo. `make test` installs it where Node fits; missing, the test is skipped
    on a developer's machine and fails in CI (CI=true), so a broken install cannot hide the run."""
    if not PROMPTFOO.exists():
        message = "promptfoo is not installed: `make test` installs it (Node ^20.20 or >=22.22, and npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def rows(path: Path) -> list[dict]:
    return json.loads(path.read_text())["results"]["results"]


def parts(row: dict) -> dict[str, dict]:
    return {p["assertion"]["metric"]: p for p in row["gradingResult"]["componentResults"]}


def config_in(tmp_path: Path, *, checks: bool = True) -> Path:
    """A copy of the suite's config in ``tmp_path``, its files named from the repository."""
    data = yaml.safe_load((ROOT / "evals" / "promptfooconfig.yaml").read_text())
    for provider in data["providers"]:
        provider["id"] = f"file://{ROOT}/evals/provider.py"
    data["tests"] = f"file://{ROOT}/evals/tests.py:generate_tests"
    for assertion in data["defaultTest"]["assert"]:
        assertion["value"] = assertion["value"].replace("file://", f"file://{ROOT}/evals/")
    if not checks:
        data["defaultTest"]["assert"] = []
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_promptfoo_plays_the_subset_offline_and_every_check_passes(promptfoo, tmp_path, monkeypatch):
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", SUBSET)
    code = run(ROOT / "evals" / "promptfooconfig.yaml", tmp_path / "out.json")
    played = rows(tmp_path / "out.json")
    assert code == 0
    assert len(played) == len(list(ROOT.glob(SUBSET)))
    assert all(row["response"]["metadata"]["result"]["outcome"]["opted_out"] for row in played)
    assert {kind for row in played for kind in parts(row)} == KINDS


def test_a_broken_assertion_makes_the_run_fail(promptfoo, tmp_path, monkeypatch):
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", "evals/scenarios/opt-out-stop.yaml")
    (tmp_path / "broken.py").write_text(
        "def get_assert(output, context):\n    return {'pass': 'booked' in output, 'score': 0, 'reason': 'broken'}\n")
    config = config_in(tmp_path)
    config.write_text(config.read_text().replace(f"file://{ROOT}/evals/assertions/outcome.py",
                                                 f"file://{tmp_path}/broken.py"))
    assert run(config, tmp_path / "out.json") == 100
    [row] = rows(tmp_path / "out.json")
    failed = [p["reason"] for p in row["gradingResult"]["componentResults"] if not p["pass"]]
    assert failed == ["broken"]  # only the broken assertion: the run itself worked


STOP = """\
name: {name}
now: "2026-12-01T09:30:00-06:00"
channel: whatsapp
lead: {{name: Ivy Moss, phone: "+15125550399"}}
turns:
  - user: "hi"
  - user: "STOP"
    expect: {{reply_contains_any: [{topic}]}}
expect: {{opted_out: true}}
known_gap: "{gap}"
"""


def test_a_known_gap_passes_while_it_holds_and_fails_the_run_once_closed(promptfoo, tmp_path, monkeypatch):
    # As pytest's strict expected failure: a gap that still falls short does not fail the run, one
    # whose every check now passes does, naming the mark to remove.
    (tmp_path / "holds.yaml").write_text(STOP.format(name="holds", topic='"call you back"', gap="no callback line"))
    (tmp_path / "closed.yaml").write_text(STOP.format(name="closed", topic='"hear from us"', gap="stale mark"))
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", str(tmp_path / "*.yaml"))
    assert run(ROOT / "evals" / "promptfooconfig.yaml", tmp_path / "out.json") == 100
    by_name = {row["testCase"]["description"]: parts(row) for row in rows(tmp_path / "out.json")}

    holds = by_name["holds"]
    assert holds["answers"]["pass"] and holds["answers"]["score"] == 0.5
    assert "known gap (no callback line)" in holds["answers"]["reason"]
    assert holds["known_gap"]["pass"] and holds["known_gap"]["score"] == 0.5

    closed = by_name["closed"]
    assert [kind for kind, part in closed.items() if not part["pass"]] == ["known_gap"]
    assert f"remove known_gap from {tmp_path / 'closed.yaml'}" in closed["known_gap"]["reason"]

    table = summary(tmp_path / "out.json")
    assert "| known gaps |" in table and "| 1, 1 closed |" in table


def test_a_known_gap_is_the_playbooks_alone():
    from evals.assertions.grade import grade

    scenario = "evals/scenarios/not-in-knowledge.yaml"
    transcript = [{"role": "user", "text": "do you guys also install solar pool heaters? how much?", "at": ""},
                  {"role": "assistant", "text": "Solar makes sense over $100 a month.", "at": ""}]
    result = {"name": "x", "passed": False, "failures": [], "transcript": transcript, "tool_calls": [],
              "outcome": {"qualified": None, "booked": False, "appointment": None, "handoff": False,
                          "opted_out": False}}
    context = {"providerResponse": {"metadata": {"scenario": scenario, "known_gap": "off topic",
                                                 "result": result}}}
    context["providerResponse"]["metadata"]["model"] = "playbook"
    assert grade("answers", context)["score"] == 0.5
    context["providerResponse"]["metadata"]["model"] = "anthropic"
    verdict = grade("answers", context)
    assert not verdict["pass"] and "'pool'" in verdict["reason"]


class StandIn(BaseHTTPRequestHandler):
    """A grader on the loopback that speaks the three APIs a real grader is reached through:
    OpenAI-compatible chat completions, Azure OpenAI's deployment path, Anthropic's messages."""

    seen: list[dict] = []
    verdict = json.dumps({"reason": "stand-in grader: too stiff", "pass": False, "score": 0.2})

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"path": self.path, "body": body,
                          "headers": {k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/v1/messages"):
            answer = {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                      "content": [{"type": "text", "text": self.verdict}], "stop_reason": "end_turn",
                      "stop_sequence": None, "usage": {"input_tokens": 50, "output_tokens": 20}}
        else:
            answer = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model", ""),
                      "choices": [{"index": 0, "finish_reason": "stop",
                                   "message": {"role": "assistant", "content": self.verdict}}],
                      "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    StandIn.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# AVA's own settings for each provider, as for `ava chat`; only the address is the stand-in's.
GRADERS = {
    "openai_compatible": ({"AVA_OPENAI_COMPATIBLE_BASE_URL": "{url}/v1", "AVA_OPENAI_COMPATIBLE_MODEL": "judge-1",
                           "AVA_OPENAI_COMPATIBLE_API_KEY": "sk-standin-compatible"},
                          "/v1/chat/completions", ("authorization", "Bearer sk-standin-compatible")),
    "azure": ({"AVA_AZURE_OPENAI_ENDPOINT": "{url}/", "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT": "judge-deploy",
               "AVA_AZURE_OPENAI_API_KEY": "azure-standin-key"},
              "/openai/deployments/judge-deploy/chat/completions?api-version=2024-10-21",
              ("api-key", "azure-standin-key")),
    # Anthropic's address is fixed in AVA's settings; the SDK's ANTHROPIC_BASE_URL points it here.
    "anthropic": ({"AVA_ANTHROPIC_API_KEY": "sk-ant-standin", "AVA_ANTHROPIC_MODEL": "claude-judge",
                   "ANTHROPIC_BASE_URL": "{url}"},
                  "/v1/messages", ("x-api-key", "sk-ant-standin")),
}


@pytest.mark.parametrize("name", list(GRADERS))
def test_the_tone_rubric_is_graded_through_the_configured_provider(name, promptfoo, stand_in, tmp_path, monkeypatch):
    environment, path, (header, value) = GRADERS[name]
    for key, setting in environment.items():
        monkeypatch.setenv(key, setting.format(url=stand_in))
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", "evals/scenarios/opt-out-wrong-number.yaml")
    provider, env = grader(name)  # what `python -m evals.run` does with AVA_EVALS_GRADER=<name>
    config = graded(config_in(tmp_path, checks=False), provider)
    assert value not in config.read_text()  # the key reaches promptfoo's environment, never a file

    assert run(config, tmp_path / "out.json", env=env) == 100
    [row] = rows(tmp_path / "out.json")
    assert parts(row)["tone"]["reason"] == "stand-in grader: too stiff"
    [request] = StandIn.seen
    assert request["path"] == path
    assert request["headers"][header] == value
    assert "skilled human appointment" in json.dumps(request["body"])  # the rubric, evals/rubric.md
    assert "wrong number" in json.dumps(request["body"])  # and the transcript it judges


def test_a_grader_names_the_settings_it_lacks(monkeypatch):
    with pytest.raises(SystemExit, match="AVA_AZURE_OPENAI_ENDPOINT and AVA_AZURE_OPENAI_CHAT_DEPLOYMENT"):
        grader("azure")
    with pytest.raises(SystemExit, match="AVA_ANTHROPIC_API_KEY"):
        grader("anthropic")
    assert grader("file://evals/my_grader.py") == ("file://evals/my_grader.py", {})


def test_an_azure_grader_uses_the_resource_and_entra_id_without_a_key(monkeypatch):
    monkeypatch.setenv("AVA_AZURE_OPENAI_ENDPOINT", "https://ava-res.openai.azure.com/openai/v1/")
    monkeypatch.setenv("AVA_AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o")
    monkeypatch.setenv("AVA_EVALS_GRADER_MODEL", "gpt-4.1-judge")
    provider, env = grader("azure")
    assert provider == {"id": "azure:chat:gpt-4.1-judge",
                        "config": {"apiBaseUrl": "https://ava-res.openai.azure.com", "apiVersion": "2024-10-21"}}
    assert env == {}
