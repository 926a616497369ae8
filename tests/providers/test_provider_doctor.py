"""``ava doctor``: one live verdict per configured provider, never a secret."""

import typer
from typer.testing import CliRunner

from ava_core.cli import doctor
from tests.providers.fakes import ANTHROPIC, AZURE, make_settings

TOOL_CALL = {
    "status": 200,
    "body": {
        "id": "chatcmpl-doctor",
        "object": "chat.completion",
        "created": 1764000000,
        "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": None,
                     "tool_calls": [{"id": "call_1", "type": "function",
                                     "function": {"name": "report_status", "arguments": "{\"status\":\"ok\"}"}}]}}],
        "usage": {"prompt_tokens": 60, "completion_tokens": 8, "total_tokens": 68},
    },
}


def test_with_no_keys_doctor_says_so_and_exits_0():
    app = typer.Typer()
    doctor.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `doctor` a named subcommand

    result = CliRunner().invoke(app, ["doctor"])

    assert result.exit_code == 0
    assert "No model provider is configured" in result.output


def test_a_working_deployment_gets_one_ok_line(serve):
    client, endpoint = serve(TOOL_CALL)
    lines = []

    code = doctor.run_doctor(make_settings(**AZURE, model="azure"), echo=lines.append, http_client=client)

    assert code == 0
    assert lines[0] == "model chain: azure"
    assert lines[1].startswith("ok   azure")
    assert "reachable, deployment 'ava-chat' found, tool calling works" in lines[1]
    assert endpoint.bodies[0]["tools"][0]["function"]["name"] == "report_status"


def test_a_missing_deployment_is_named_and_the_key_is_never_printed(serve):
    client, _ = serve("azure_openai/deployment_not_found_404.json")
    lines = []

    code = doctor.run_doctor(make_settings(**AZURE), echo=lines.append, http_client=client)

    assert code == 1
    assert lines[1].startswith("FAIL azure")
    assert "deployment 'ava-chat' was not found" in lines[1]
    assert "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT" in lines[1]
    assert not any("DO-NOT-PRINT" in line for line in lines)


def test_a_model_that_answers_in_text_fails_the_tool_calling_check(serve):
    client, _ = serve("anthropic/reply.json")

    verdict = doctor.check_provider("anthropic", make_settings(**ANTHROPIC), http_client=client)

    assert not verdict.ok
    assert "tool calling does not work" in verdict.detail


def test_an_unreachable_endpoint_is_reported_after_one_attempt(serve):
    import httpx2

    client, endpoint = serve(httpx2.ConnectError("connection refused"))

    verdict = doctor.check_provider("anthropic", make_settings(**ANTHROPIC), http_client=client)

    assert not verdict.ok and verdict.detail.startswith("not reachable")
    assert len(endpoint.requests) == 1


def test_a_provider_in_the_chain_without_keys_is_reported_with_the_variable_to_set():
    lines = []

    code = doctor.run_doctor(make_settings(model="anthropic"), echo=lines.append)

    assert code == 1
    assert "FAIL anthropic" in lines[1] and "AVA_ANTHROPIC_API_KEY" in lines[1]
