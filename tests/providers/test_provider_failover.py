"""Failover across models, the token budget, and the hand-off that ends both."""

import json

from ava_core.errors import ProviderError
from ava_core.models.base import ChatMessage, ModelRequest, ModelResponse, Usage
from ava_core.models.failover import HANDOFF_ID_PREFIX, FailoverModel, TokenBudgetModel
from tests.providers.fakes import lead_asks


class Scripted:
    """A model that answers from a list: ModelResponse to return, or an exception to raise."""

    def __init__(self, name, *answers):
        self.name = name
        self.answers = list(answers)
        self.calls = 0

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def reply(text="Hi!", tokens=0):
    return ModelResponse(text=text, usage=Usage(input_tokens=tokens, output_tokens=0))


def after_running(request: ModelRequest, response: ModelResponse, say: str) -> ModelRequest:
    """The engine's next request after it ran the hand-off call."""
    call = response.tool_calls[0]
    return request.model_copy(update={"messages": [
        *request.messages,
        ChatMessage(role="assistant", text=response.text, tool_calls=response.tool_calls),
        ChatMessage(role="tool", tool_call_id=call.id, name=call.name, text=json.dumps({"ok": True, "say": say})),
    ]})


def test_the_first_model_that_answers_is_used_and_recorded():
    azure = Scripted("azure", ProviderError("azure: HTTP 503", retryable=True, provider="azure"))
    claude = Scripted("anthropic", reply("Hello from Claude"))
    playbook = Scripted("playbook", reply("Hello from the playbook"))
    chain = FailoverModel([azure, claude, playbook])

    response = chain.complete(lead_asks())

    assert response.text == "Hello from Claude"
    assert response.provider == "anthropic"
    assert chain.answered_by == "anthropic"
    assert chain.failures == [("azure", "azure: HTTP 503")]
    assert playbook.calls == 0
    assert chain.name == "azure>anthropic>playbook"


def test_a_crashing_provider_does_not_silence_the_lead():
    chain = FailoverModel([Scripted("azure", KeyError("choices")), Scripted("playbook", reply("Hello"))])

    assert chain.complete(lead_asks()).text == "Hello"


def test_when_every_model_fails_the_lead_gets_a_polite_reply_and_a_person():
    chain = FailoverModel([
        Scripted("azure", ProviderError("azure down", provider="azure")),
        Scripted("anthropic", ProviderError("claude down", provider="anthropic")),
    ])

    response = chain.complete(lead_asks())

    assert response.text
    [call] = response.tool_calls
    assert call.name == "handoff_to_human"
    assert call.id.startswith(HANDOFF_ID_PREFIX)
    assert "azure, anthropic" in call.args["reason"]
    assert chain.answered_by is None


def test_after_its_handoff_ran_the_chain_says_the_handoff_message_without_calling_providers():
    azure = Scripted("azure", ProviderError("azure down", provider="azure"))
    chain = FailoverModel([azure])
    request = lead_asks()
    handoff = chain.complete(request)

    closing = chain.complete(after_running(request, handoff, say="Someone from our team will call you today."))

    assert closing.text == "Someone from our team will call you today."
    assert closing.tool_calls == []
    assert azure.calls == 1


def test_over_budget_conversation_is_handed_off_without_calling_the_model():
    inner = Scripted("azure", reply("one", tokens=600), reply("two", tokens=600), reply("never"))
    model = TokenBudgetModel(inner, limit=1000)

    model.complete(lead_asks(conversation_id="7"))
    model.complete(lead_asks(conversation_id="7"))
    response = model.complete(lead_asks(conversation_id="7"))

    assert inner.calls == 2
    assert [c.name for c in response.tool_calls] == ["handoff_to_human"]
    assert "AVA_TOKEN_BUDGET_PER_CONVERSATION" in response.tool_calls[0].args["reason"]


def test_budget_is_per_conversation():
    inner = Scripted("azure", reply(tokens=1500), reply("other lead"))
    model = TokenBudgetModel(inner, limit=1000)

    model.complete(lead_asks(conversation_id="7"))

    assert model.complete(lead_asks(conversation_id="8")).text == "other lead"


def test_budget_reads_the_stores_totals_when_given():
    inner = Scripted("azure", reply("never"))
    model = TokenBudgetModel(inner, limit=1000, spent=lambda cid: {"7": 5000}.get(cid, 0))

    response = model.complete(lead_asks(conversation_id="7"))

    assert inner.calls == 0
    assert response.tool_calls[0].name == "handoff_to_human"


def _state(handoff: bool):
    from datetime import UTC, datetime

    from ava_core.state import ConversationState

    return ConversationState(conversation_id=42, channel="web", now=datetime(2026, 12, 1, tzinfo=UTC),
                             lead_local_time="9:00 AM", qualification=[], handoff=handoff)


def test_engine_nudges_after_the_handoff_do_not_restart_the_providers():
    azure = Scripted("azure", ProviderError("azure down", provider="azure"))
    chain = FailoverModel([azure])
    request = lead_asks()
    ran = after_running(request, chain.complete(request), say="A person will call you.")
    nudged = ran.model_copy(update={
        "state": _state(handoff=True),
        "messages": [*ran.messages, ChatMessage(role="user", text="[AVA engine] That reply was not sent. Try again.")],
    })

    assert chain.complete(nudged).text == "A person will call you."
    assert azure.calls == 1


def test_once_a_person_resumes_the_conversation_ava_answers_again():
    azure = Scripted("azure", ProviderError("azure down", provider="azure"), reply("Welcome back!"))
    chain = FailoverModel([azure])
    request = lead_asks()
    ran = after_running(request, chain.complete(request), say="A person will call you.")
    later = ran.model_copy(update={
        "state": _state(handoff=False),
        "messages": [*ran.messages, ChatMessage(role="user", text="Hi again, can we book?")],
    })

    assert chain.complete(later).text == "Welcome back!"
