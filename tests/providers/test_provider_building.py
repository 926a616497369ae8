"""Building providers from settings, and the chain the registry hands to the engine."""

from pathlib import Path

import pytest

from ava_core.errors import ConfigError
from ava_core.models.failover import FailoverModel, TokenBudgetModel
from ava_core.models.providers import build_chain, build_provider
from ava_core.models.registry import build_model
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.profile import load_profile
from tests.providers.fakes import ANTHROPIC, AZURE, OLLAMA, lead_asks, make_settings

PROFILE = Path(__file__).resolve().parents[2] / "examples" / "profile.yaml"


@pytest.mark.parametrize(
    ("name", "values", "missing"),
    [
        ("azure", {}, "AVA_AZURE_OPENAI_ENDPOINT, AVA_AZURE_OPENAI_CHAT_DEPLOYMENT, AVA_AZURE_OPENAI_API_KEY"),
        ("azure", {**AZURE, "azure_openai_chat_deployment": None}, "set AVA_AZURE_OPENAI_CHAT_DEPLOYMENT"),
        ("azure", {**AZURE, "azure_openai_api_key": None}, "AVA_AZURE_OPENAI_USE_ENTRA_ID=true"),
        ("anthropic", {}, "set AVA_ANTHROPIC_API_KEY"),
        ("openai_compatible", {"openai_compatible_base_url": "http://localhost:11434/v1"},
         "set AVA_OPENAI_COMPATIBLE_MODEL"),
    ],
)
def test_a_provider_named_but_not_configured_names_the_missing_variable(name, values, missing):
    with pytest.raises(ConfigError) as caught:
        build_provider(name, make_settings(**values))

    assert missing in str(caught.value)
    assert "DO-NOT-PRINT" not in str(caught.value)


def test_unknown_provider_lists_the_choices():
    with pytest.raises(ConfigError, match="azure, anthropic, openai_compatible"):
        build_provider("gemini", make_settings())


def test_sdk_retries_are_off_so_one_policy_governs():
    for name, values in (("azure", AZURE), ("anthropic", ANTHROPIC), ("openai_compatible", OLLAMA)):
        model = build_provider(name, make_settings(**values, model_timeout_seconds=12))

        assert model.client.max_retries == 0
        assert model.client.timeout == 12


def test_chain_follows_the_fallback_models_inside_the_token_budget():
    settings = make_settings(**AZURE, **ANTHROPIC, fallback_models=["anthropic", "replay", "azure"])

    model = build_chain("azure", settings, offline=lambda n: ReplayModel([]))

    assert isinstance(model, TokenBudgetModel)
    assert model.limit == 1_000_000
    assert isinstance(model.inner, FailoverModel)
    assert [m.name for m in model.inner.chain] == ["azure", "anthropic", "replay"]


def test_no_budget_when_it_is_switched_off():
    model = build_chain("azure", make_settings(**AZURE, token_budget_per_conversation=0), offline=lambda n: None)

    assert isinstance(model, FailoverModel)


def test_a_fallback_that_is_not_configured_fails_at_startup():
    with pytest.raises(ConfigError, match="AVA_ANTHROPIC_API_KEY"):
        build_chain("azure", make_settings(**AZURE, fallback_models=["anthropic"]), offline=lambda n: None)


def test_registry_builds_azure_then_the_playbook_from_settings():
    profile = load_profile(PROFILE)
    settings = make_settings(**AZURE, model="azure", fallback_models=["playbook"])

    model = build_model("azure", settings, profile)

    assert model.name == "azure>playbook"


def test_registry_still_builds_offline_models_unwrapped():
    profile = load_profile(PROFILE)
    replay = [ScriptedStep(text="Hi!")]

    assert isinstance(build_model("replay", make_settings(), profile, replay=replay), ReplayModel)
    assert build_model("playbook", make_settings(), profile).name == "playbook"


def test_registry_rejects_an_unknown_fallback_and_names_the_setting():
    profile = load_profile(PROFILE)

    with pytest.raises(ConfigError, match="AVA_FALLBACK_MODELS"):
        build_model("azure", make_settings(**AZURE, fallback_models=["gpt"]), profile)


def test_a_chain_answers_with_the_budget_tally_per_conversation(serve, policy):
    client, _ = serve("openai_compatible/ollama_reply.json")
    settings = make_settings(**OLLAMA, token_budget_per_conversation=100)
    model = build_chain("openai_compatible", settings, offline=lambda n: None, http_client=client, policy=policy)

    first = model.complete(lead_asks(conversation_id="9"))
    second = model.complete(lead_asks(conversation_id="9"))

    assert first.text.startswith("Good news")
    assert second.tool_calls[0].name == "handoff_to_human"  # 1884 tokens > 100
