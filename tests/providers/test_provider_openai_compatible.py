"""Any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio) behind the ChatModel seam."""

import pytest

from ava_core.models.providers import build_provider
from ava_core.models.reliability import ProviderCallError
from tests.providers.fakes import OLLAMA, engine_step, lead_asks, make_settings


@pytest.fixture
def ollama(serve, policy):
    def make(*steps, **settings):
        client, endpoint = serve(*steps)
        model = build_provider("openai_compatible", make_settings(**{**OLLAMA, **settings}), http_client=client,
                               policy=policy)
        return model, endpoint

    return make


def test_tool_call_then_reply_from_a_local_server_without_a_key(ollama):
    model, endpoint = ollama("openai_compatible/ollama_tool_call.json", "openai_compatible/ollama_reply.json")
    request = lead_asks("Do you serve 78704?")

    first = model.complete(request)
    final = model.complete(engine_step(request, first, {"check_service_area": {"ok": True, "in_area": True}}))

    assert [(c.name, c.args) for c in first.tool_calls] == [("check_service_area", {"address_or_zip": "78704"})]
    assert final.text.startswith("Good news")
    assert final.provider == "openai_compatible" and final.model == "qwen3:8b"
    assert final.usage.input_tokens == 1870 and final.usage.cached_tokens == 0
    assert str(endpoint.requests[0].url) == "http://localhost:11434/v1/chat/completions"
    assert endpoint.bodies[0]["model"] == "qwen3:8b"
    assert endpoint.bodies[0]["max_tokens"] == 2048


def test_an_optional_key_is_sent_as_a_bearer_token(ollama):
    model, endpoint = ollama("openai_compatible/ollama_reply.json", openai_compatible_api_key="vllm-DO-NOT-PRINT")

    model.complete(lead_asks())

    assert endpoint.requests[0].headers["authorization"] == "Bearer vllm-DO-NOT-PRINT"


def test_an_unknown_model_points_at_the_settings(ollama):
    missing = {"status": 404, "body": {"error": {"message": "model \"llama9\" not found, try pulling it first"}}}
    model, _ = ollama(missing)

    with pytest.raises(ProviderCallError) as caught:
        model.complete(lead_asks())

    assert "AVA_OPENAI_COMPATIBLE_MODEL" in str(caught.value)
    assert "not found" in str(caught.value)
