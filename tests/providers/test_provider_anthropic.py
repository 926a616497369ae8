"""Anthropic Claude behind the ChatModel seam, against recorded wire payloads."""

import httpx2
import pytest

from ava_core.models.failover import FailoverModel
from ava_core.models.providers import build_provider
from ava_core.models.reliability import ProviderCallError
from tests.providers.fakes import ANTHROPIC, AZURE, engine_step, lead_asks, make_settings


@pytest.fixture
def claude(serve, policy):
    """``claude(*steps)`` -> (Anthropic model over a fake endpoint, the endpoint)."""

    def make(*steps):
        client, endpoint = serve(*steps)
        return build_provider("anthropic", make_settings(**ANTHROPIC), http_client=client, policy=policy), endpoint

    return make


def test_plain_reply_with_prompt_caching_on_system_and_tools(claude):
    model, endpoint = claude("anthropic/reply.json")

    response = model.complete(lead_asks())

    assert response.text.startswith("Great question!")
    assert response.provider == "anthropic"
    assert response.usage.cached_tokens == 2100
    request = endpoint.requests[0]
    assert request.url.path == "/v1/messages"
    assert request.headers["authorization"] == "Bearer sk-ant-DO-NOT-PRINT"  # how this SDK sends api_key
    body = endpoint.bodies[0]
    assert body["model"] == "claude-sonnet-5-5"
    assert body["max_tokens"] == 2048
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "temperature" not in body


def test_two_steps_of_tool_use_then_a_reply(claude):
    model, endpoint = claude(
        "anthropic/tool_use_get_free_slots.json",
        "anthropic/tool_use_book_appointment.json",
        "anthropic/reply_booked.json",
    )
    request = lead_asks()

    first = model.complete(request)
    request = engine_step(request, first, {"get_free_slots": {"ok": True, "slots": ["2026-12-02T10:00:00-06:00"]}})
    second = model.complete(request)
    request = engine_step(request, second, {"book_appointment": {"ok": True, "appointment_id": 7}})
    final = model.complete(request)

    assert [c.name for c in first.tool_calls] == ["get_free_slots"]
    assert [c.name for c in second.tool_calls] == ["book_appointment"]
    assert final.text.startswith("You're booked")
    turns = endpoint.bodies[2]["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant", "user"]
    assert turns[1]["content"][0] == {"type": "text", "text": "Let me check availability."}
    assert turns[2]["content"] == [{"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
                                    "content": '{"ok": true, "slots": ["2026-12-02T10:00:00-06:00"]}'}]
    assert turns[4]["content"][0]["tool_use_id"] == "toolu_01B77bookSlotXq9"


def test_parallel_tool_use_comes_back_together(claude):
    model, _ = claude("anthropic/parallel_tool_use.json")

    response = model.complete(lead_asks("78704 and yes I own it"))

    assert [c.name for c in response.tool_calls] == ["check_service_area", "record_qualification"]
    assert response.text.startswith("Thanks!")


def test_529_overloaded_is_retried_then_succeeds(claude, sleeps):
    model, endpoint = claude("anthropic/overloaded_529.json", "anthropic/reply.json")

    assert model.complete(lead_asks()).text.startswith("Great question!")
    assert len(endpoint.requests) == 2 and sleeps == [0.25]


def test_claude_overloaded_fails_over_to_the_next_provider(serve, policy, sleeps):
    claude_client, claude_endpoint = serve(*["anthropic/overloaded_529.json"] * 3)
    azure_client, azure_endpoint = serve("azure_openai/reply.json")
    chain = FailoverModel([
        build_provider("anthropic", make_settings(**ANTHROPIC), http_client=claude_client, policy=policy),
        build_provider("azure", make_settings(**AZURE), http_client=azure_client, policy=policy),
    ])

    response = chain.complete(lead_asks())

    assert response.text.startswith("Great question!")
    assert response.provider == "azure"
    assert chain.answered_by == "azure"
    assert [name for name, _ in chain.failures] == ["anthropic"]
    assert "529" in chain.failures[0][1]
    assert len(claude_endpoint.requests) == 3 and len(azure_endpoint.requests) == 1
    assert sleeps == [0.25, 0.5]


def test_spend_limit_is_not_retried_even_with_retry_after(claude, sleeps):
    model, endpoint = claude("anthropic/spend_limit_429.json")

    with pytest.raises(ProviderCallError) as caught:
        model.complete(lead_asks())

    assert len(endpoint.requests) == 1 and sleeps == []
    assert not caught.value.retryable
    assert "spend limit" in str(caught.value)


def test_timeout_is_a_retryable_provider_error(claude):
    model, endpoint = claude(*[httpx2.ConnectTimeout("no route") for _ in range(3)])

    with pytest.raises(ProviderCallError) as caught:
        model.complete(lead_asks())

    assert caught.value.retryable and len(endpoint.requests) == 3


def test_refusal_becomes_a_safe_reply_and_a_handoff(claude):
    model, _ = claude("anthropic/refusal.json")

    response = model.complete(lead_asks())

    assert response.text
    assert [c.name for c in response.tool_calls] == ["handoff_to_human"]
    assert response.finish_reason == "refusal"


def test_with_provider_search_claude_searches_server_side_and_cites_its_source(claude):
    from ava_core.models.base import ProviderSearch
    from ava_core.tools import default_toolbox

    model, endpoint = claude("anthropic/web_search_reply.json")
    request = lead_asks("does the federal solar tax credit still apply?").model_copy(update={
        "tools": default_toolbox().schemas(),
        "provider_search": ProviderSearch(allowed_domains=["irs.gov", "energy.gov"]),
    })

    response = model.complete(request)

    tools = endpoint.bodies[0]["tools"]
    server = [t for t in tools if t.get("type") == "web_search_20250305"]
    assert server == [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3,
                       "allowed_domains": ["irs.gov", "energy.gov"]}]
    assert [t["name"] for t in tools].count("web_search") == 1  # AVA's own web_search tool steps aside
    assert "fetch_page" in [t["name"] for t in tools]
    assert "ended for systems installed after December 31, 2025" in response.text
    assert response.text.endswith("Source: https://www.irs.gov/credits-deductions/residential-clean-energy-credit")
    assert response.tool_calls == []  # the server-side search is not a tool call for AVA to run


def test_without_provider_search_claude_gets_avas_own_web_search_tool(claude):
    from ava_core.tools import default_toolbox

    model, endpoint = claude("anthropic/reply.json")
    model.complete(lead_asks().model_copy(update={"tools": default_toolbox().schemas()}))
    tools = endpoint.bodies[0]["tools"]
    assert not any(t.get("type") for t in tools)
    assert "web_search" in [t["name"] for t in tools]


def test_a_turn_claude_pauses_mid_search_is_handed_back_and_finished(claude):
    from ava_core.models.base import ProviderSearch

    model, endpoint = claude("anthropic/web_search_paused.json", "anthropic/web_search_continued.json")
    request = lead_asks("does the federal solar tax credit still apply?").model_copy(update={
        "provider_search": ProviderSearch(allowed_domains=["irs.gov"]),
    })

    response = model.complete(request)

    assert len(endpoint.requests) == 2
    first, second = endpoint.bodies
    # The paused turn goes back as-is, as the assistant's turn, after the lead's words.
    assert second["messages"][:-1] == first["messages"]
    resumed = second["messages"][-1]
    assert resumed["role"] == "assistant"
    assert [b["type"] for b in resumed["content"]] == ["text", "server_tool_use", "web_search_tool_result"]
    assert second["tools"] == first["tools"] and second["system"] == first["system"]
    assert response.text.startswith("Let me check the current rules.")
    assert "ended for systems installed after December 31, 2025" in response.text
    assert response.text.endswith("Source: https://www.irs.gov/credits-deductions/residential-clean-energy-credit")
    assert response.finish_reason == "end_turn"
    assert response.usage.input_tokens == 2950 + 2100 + 3400 + 2100
    assert response.usage.output_tokens == 40 + 48


def test_a_turn_that_stays_paused_fails_over_instead_of_sending_half_an_answer(claude):
    from ava_core.models.anthropic_model import MAX_CONTINUATIONS

    model, endpoint = claude(*["anthropic/web_search_paused.json"] * (MAX_CONTINUATIONS + 1))

    with pytest.raises(ProviderCallError, match="still searching.*web.provider_search"):
        model.complete(lead_asks("does the federal solar tax credit still apply?"))

    assert len(endpoint.requests) == MAX_CONTINUATIONS + 1
    # Each round hands back everything so far as one assistant turn, never a second one.
    last = endpoint.bodies[-1]["messages"]
    assert [m["role"] for m in last].count("assistant") == 1
    assert len(last[-1]["content"]) == 3 * MAX_CONTINUATIONS
