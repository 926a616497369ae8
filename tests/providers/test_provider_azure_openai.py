"""Azure OpenAI behind the ChatModel seam, against recorded wire payloads."""

import httpx2
import pytest
from azure.core.credentials import AccessToken

from ava_core.models.azure_openai import max_tokens_field
from ava_core.models.failover import HANDOFF_ID_PREFIX
from ava_core.models.providers import build_provider
from ava_core.models.reliability import ProviderCallError
from tests.providers.fakes import AZURE, engine_step, lead_asks, make_settings


@pytest.fixture
def azure(serve, policy):
    """``azure(*steps)`` -> (Azure model over a fake endpoint, the endpoint)."""

    def make(*steps, **settings):
        client, endpoint = serve(*steps)
        model = build_provider("azure", make_settings(**{**AZURE, **settings}), http_client=client, policy=policy)
        return model, endpoint

    return make


def test_plain_reply_reaches_the_deployment_with_the_api_key(azure):
    model, endpoint = azure("azure_openai/reply.json")

    response = model.complete(lead_asks())

    assert response.text.startswith("Great question!")
    assert response.provider == "azure"
    assert response.usage.cached_tokens == 1920
    request = endpoint.requests[0]
    assert request.url.path == "/openai/deployments/ava-chat/chat/completions"
    assert request.url.params["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "azure-key-DO-NOT-PRINT"
    assert endpoint.bodies[0]["max_tokens"] == 2048


def test_reply_with_a_tool_call_is_returned_not_executed(azure):
    model, endpoint = azure("azure_openai/tool_call_get_free_slots.json")

    response = model.complete(lead_asks())

    assert response.text == ""
    assert [(c.name, c.args) for c in response.tool_calls] == [
        ("get_free_slots", {"from": "2026-12-02", "to": "2026-12-04"})
    ]
    assert response.finish_reason == "tool_calls"
    assert len(endpoint.requests) == 1


def test_two_steps_of_tool_calls_then_a_reply(azure):
    model, endpoint = azure(
        "azure_openai/tool_call_get_free_slots.json",
        "azure_openai/tool_call_book_appointment.json",
        "azure_openai/reply_booked.json",
    )
    request = lead_asks()

    first = model.complete(request)
    request = engine_step(request, first, {"get_free_slots": {"ok": True, "slots": ["2026-12-02T10:00:00-06:00"]}})
    second = model.complete(request)
    request = engine_step(request, second, {"book_appointment": {"ok": True, "appointment_id": 7}})
    final = model.complete(request)

    assert final.text.startswith("You're booked")
    assert final.tool_calls == []
    sent = endpoint.bodies[2]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "tool"]
    assert sent[3]["tool_call_id"] == "call_9aX2"
    assert sent[4]["content"] == "Let me lock that in for you."
    assert sent[5] == {"role": "tool", "tool_call_id": "call_B00k", "content": '{"ok": true, "appointment_id": 7}'}


def test_parallel_tool_calls_come_back_together(azure):
    model, _ = azure("azure_openai/parallel_tool_calls.json")

    response = model.complete(lead_asks("78704 and yes I own it"))

    assert [c.id for c in response.tool_calls] == ["call_Zip1", "call_Own2"]


def test_malformed_tool_call_arguments_keep_the_raw_text_for_the_engine(azure):
    model, _ = azure("azure_openai/malformed_arguments.json")

    call = model.complete(lead_asks()).tool_calls[0]

    assert call.name == "book_appointment"
    assert call.args == {}
    assert call.raw_args == '{"slot_id": "2026-12-02T10:00:00-06:00"'


def test_content_filter_error_becomes_a_safe_reply_and_a_handoff(azure):
    model, endpoint = azure("azure_openai/content_filter_400.json")

    response = model.complete(lead_asks("something the filter blocks"))

    assert len(endpoint.requests) == 1  # a 400 is not retried
    assert response.text and "team" in response.text
    [call] = response.tool_calls
    assert call.name == "handoff_to_human"
    assert call.id.startswith(HANDOFF_ID_PREFIX)
    assert "content filter" in call.args["reason"]
    assert "hate" in call.args["reason"] and "jailbreak" in call.args["reason"]
    assert response.finish_reason == "content_filter"


def test_filtered_completion_is_not_shown_to_the_lead(azure):
    model, _ = azure("azure_openai/content_filter_finish.json")

    response = model.complete(lead_asks())

    assert "frustrated" not in response.text
    assert [c.name for c in response.tool_calls] == ["handoff_to_human"]
    assert response.usage.input_tokens == 2388  # the filtered call still cost tokens


def test_429_with_retry_after_waits_then_succeeds(azure, sleeps):
    model, endpoint = azure("azure_openai/rate_limit_429.json", "azure_openai/reply.json")

    response = model.complete(lead_asks())

    assert response.text.startswith("Great question!")
    assert len(endpoint.requests) == 2
    assert sleeps == [2.0]  # the server's Retry-After: 2, no jitter in tests


def test_500_twice_then_success_backs_off_exponentially(azure, sleeps):
    model, endpoint = azure(
        "azure_openai/server_error_500.json", "azure_openai/server_error_500.json", "azure_openai/reply.json"
    )

    response = model.complete(lead_asks())

    assert response.text.startswith("Great question!")
    assert len(endpoint.requests) == 3
    assert sleeps == [0.25, 0.5]  # base 0.5s doubling, half of it jitter (zero here)


def test_timeout_is_retried_then_reported_as_a_retryable_provider_error(azure, sleeps):
    model, endpoint = azure(*[httpx2.ReadTimeout("timed out") for _ in range(3)])

    with pytest.raises(ProviderCallError) as caught:
        model.complete(lead_asks())

    assert len(endpoint.requests) == 3
    assert len(sleeps) == 2
    assert caught.value.retryable
    assert caught.value.provider == "azure"
    assert "timed out" in str(caught.value)


def test_timeout_then_success_answers(azure):
    model, _ = azure(httpx2.ReadTimeout("timed out"), "azure_openai/reply.json")

    assert model.complete(lead_asks()).text.startswith("Great question!")


def test_unknown_deployment_fails_at_once_and_names_the_setting(azure, sleeps):
    model, endpoint = azure("azure_openai/deployment_not_found_404.json")

    with pytest.raises(ProviderCallError) as caught:
        model.complete(lead_asks())

    assert len(endpoint.requests) == 1 and sleeps == []
    assert "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT" in str(caught.value)
    assert "azure-key-DO-NOT-PRINT" not in str(caught.value)


def test_entra_id_sends_a_bearer_token_for_the_cognitive_services_scope(serve, policy):
    scopes = []

    class FakeCredential:
        def get_token(self, *requested, **kwargs):
            scopes.extend(requested)
            return AccessToken("entra-token", 4_102_444_800)

    client, endpoint = serve("azure_openai/reply.json")
    settings = make_settings(**{**AZURE, "azure_openai_api_key": None, "azure_openai_use_entra_id": True})
    model = build_provider("azure", settings, http_client=client, policy=policy, credential=FakeCredential())

    model.complete(lead_asks())

    assert endpoint.requests[0].headers["authorization"] == "Bearer entra-token"
    assert "api-key" not in endpoint.requests[0].headers
    assert scopes == ["https://cognitiveservices.azure.com/.default"]


def test_newer_api_versions_cap_output_with_max_completion_tokens(azure):
    model, endpoint = azure("azure_openai/reply.json", azure_openai_api_version="2025-04-01-preview")

    model.complete(lead_asks())

    assert endpoint.bodies[0]["max_completion_tokens"] == 2048
    assert "max_tokens" not in endpoint.bodies[0]
    assert max_tokens_field("2024-10-21") == "max_tokens"


def test_the_v1_api_needs_no_api_version_and_names_the_deployment_as_the_model(azure):
    model, endpoint = azure("azure_openai/reply.json", azure_openai_chat_api="v1")

    response = model.complete(lead_asks())

    assert response.text.startswith("Great question!")
    request = endpoint.requests[0]
    assert str(request.url) == "https://ava-test.openai.azure.com/openai/v1/chat/completions"
    assert "api-version" not in request.url.params
    assert request.headers["authorization"] == "Bearer azure-key-DO-NOT-PRINT"
    assert endpoint.bodies[0]["model"] == "ava-chat"
    assert endpoint.bodies[0]["max_completion_tokens"] == 2048 and "max_tokens" not in endpoint.bodies[0]


def test_an_endpoint_given_with_its_v1_path_uses_the_v1_api(azure):
    model, endpoint = azure("azure_openai/reply.json",
                            azure_openai_endpoint="https://ava-test.openai.azure.com/openai/v1/")

    model.complete(lead_asks())

    assert endpoint.requests[0].url.path == "/openai/v1/chat/completions"


def test_the_v1_api_with_entra_id_sends_a_fresh_bearer_token(serve, policy):
    class FakeCredential:
        def get_token(self, *scopes, **kwargs):
            return AccessToken("entra-token", 4_102_444_800)

    client, endpoint = serve("azure_openai/reply.json")
    settings = make_settings(**{**AZURE, "azure_openai_api_key": None, "azure_openai_use_entra_id": True,
                                "azure_openai_chat_api": "v1"})
    model = build_provider("azure", settings, http_client=client, policy=policy, credential=FakeCredential())

    model.complete(lead_asks())

    assert endpoint.requests[0].url.path == "/openai/v1/chat/completions"
    assert endpoint.requests[0].headers["authorization"] == "Bearer entra-token"


def test_a_reasoning_deployment_that_refuses_max_tokens_gets_max_completion_tokens(azure, sleeps):
    model, endpoint = azure("azure_openai/unsupported_max_tokens_400.json", "azure_openai/reasoning_reply.json",
                            "azure_openai/reasoning_reply.json")

    first = model.complete(lead_asks())
    model.complete(lead_asks())

    assert first.text.startswith("Great question!")
    assert first.usage.output_tokens == 411  # reasoning tokens are billed as output
    assert [("max_tokens" in b, b.get("max_completion_tokens")) for b in endpoint.bodies] == [
        (True, None), (False, 2048), (False, 2048)]  # learnt once, kept for the next calls
    assert sleeps == []  # not a retry: the request changed


def test_a_reasoning_deployment_on_the_v1_api_answers_at_the_first_call(azure):
    model, endpoint = azure("azure_openai/reasoning_reply.json", azure_openai_chat_api="v1")

    assert model.complete(lead_asks()).model == "o4-mini-2025-04-16"
    assert len(endpoint.requests) == 1 and endpoint.bodies[0]["max_completion_tokens"] == 2048
