"""Translation between AVA's messages and the Anthropic Messages API wire format."""

from ava_core.models.base import ChatMessage, ModelRequest, ToolCall
from ava_core.models.wire_anthropic import (
    build_anthropic_request,
    from_anthropic_messages,
    parse_anthropic_message,
    to_anthropic_messages,
)
from tests.providers.fakes import TOOLS, recorded

CALLS = [
    ToolCall(id="toolu_Zip", name="check_service_area", args={"address_or_zip": "78704"}),
    ToolCall(id="toolu_Own", name="record_qualification", args={"field": "homeowner", "value": "yes"}),
]
HISTORY = [
    ChatMessage(role="user", text="Hi, is solar worth it in Austin?"),
    ChatMessage(role="assistant", text="Absolutely, Austin gets plenty of sun."),
    ChatMessage(role="assistant", text="What ZIP code is the home in?"),
    ChatMessage(role="user", text="78704, and I own it"),
    ChatMessage(role="assistant", text="Let me check.", tool_calls=CALLS),
    ChatMessage(role="tool", tool_call_id="toolu_Zip", name="check_service_area", text='{"ok": true, "in_area": true}'),
    ChatMessage(role="tool", tool_call_id="toolu_Own", name="record_qualification", text='{"ok": true}'),
    ChatMessage(role="assistant", text="Good news, you're in our area!"),
]


def test_history_round_trips_through_the_anthropic_wire_format():
    _, turns = to_anthropic_messages(HISTORY)

    assert from_anthropic_messages(turns) == HISTORY


def test_consecutive_bubbles_merge_into_one_assistant_turn():
    _, turns = to_anthropic_messages(HISTORY)

    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant", "user", "assistant"]
    assert turns[1]["content"] == [
        {"type": "text", "text": "Absolutely, Austin gets plenty of sun."},
        {"type": "text", "text": "What ZIP code is the home in?"},
    ]


def test_tool_calls_become_tool_use_blocks_and_results_one_user_turn():
    _, turns = to_anthropic_messages(HISTORY)

    assert turns[3]["content"][1:] == [
        {"type": "tool_use", "id": "toolu_Zip", "name": "check_service_area", "input": {"address_or_zip": "78704"}},
        {"type": "tool_use", "id": "toolu_Own", "name": "record_qualification",
         "input": {"field": "homeowner", "value": "yes"}},
    ]
    assert turns[4] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_Zip", "content": '{"ok": true, "in_area": true}'},
        {"type": "tool_result", "tool_use_id": "toolu_Own", "content": '{"ok": true}'},
    ]}


def test_the_leads_next_words_follow_the_tool_results_in_the_same_user_turn():
    history = [
        ChatMessage(role="user", text="Book me Wednesday"),
        ChatMessage(role="assistant", tool_calls=[ToolCall(id="t1", name="get_free_slots")]),
        ChatMessage(role="user", text="morning if possible"),
        ChatMessage(role="tool", tool_call_id="t1", name="get_free_slots", text='{"ok": true}'),
        ChatMessage(role="user", text="[AVA engine] Your reply was empty. Reply to the lead."),
    ]

    _, turns = to_anthropic_messages(history)

    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert [b["type"] for b in turns[2]["content"]] == ["tool_result", "text", "text"]


def test_a_failed_tool_result_is_flagged_as_an_error():
    history = [
        ChatMessage(role="user", text="book 10am"),
        ChatMessage(role="assistant", tool_calls=[ToolCall(id="t1", name="book_appointment", raw_args="{bad")]),
        ChatMessage(role="tool", tool_call_id="t1", text='{"ok": false, "error": "arguments are not valid JSON"}'),
    ]

    _, turns = to_anthropic_messages(history)

    assert turns[1]["content"] == [{"type": "tool_use", "id": "t1", "name": "book_appointment", "input": {}}]
    assert turns[2]["content"][0]["is_error"] is True


def test_empty_messages_are_left_out_because_the_api_rejects_empty_text():
    _, turns = to_anthropic_messages([ChatMessage(role="user", text="hi"), ChatMessage(role="assistant", text="")])

    assert turns == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


def test_system_prompt_and_last_tool_are_marked_for_prompt_caching():
    request = ModelRequest(system="You are AVA.", messages=[ChatMessage(role="user", text="hi")], tools=TOOLS)

    body = build_anthropic_request(request, model="claude-sonnet-4-5", max_tokens=1024)

    assert body["system"] == [{"type": "text", "text": "You are AVA.", "cache_control": {"type": "ephemeral"}}]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in t for t in body["tools"][:-1])
    assert body["tools"][1]["input_schema"]["required"] == ["slot_id"]
    assert body["max_tokens"] == 1024


def test_a_system_note_in_the_history_goes_after_the_cached_system_block():
    request = ModelRequest(system="You are AVA.", messages=[ChatMessage(role="user", text="hi"),
                                                           ChatMessage(role="system", text="Be brief.")])

    body = build_anthropic_request(request, model="m", max_tokens=10)

    assert body["system"][1] == {"type": "text", "text": "Be brief."}
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


def test_recorded_reply_counts_cache_reads_as_cached_input():
    response = parse_anthropic_message(recorded("anthropic/reply.json")["body"], provider="anthropic")

    assert response.text.startswith("Great question!")
    # input_tokens (312) excludes the 2100 tokens read from the cache.
    assert (response.usage.input_tokens, response.usage.cached_tokens, response.usage.output_tokens) == (2412, 2100, 29)
    assert response.finish_reason == "end_turn"


def test_recorded_tool_use_keeps_the_text_and_the_call():
    response = parse_anthropic_message(recorded("anthropic/tool_use_get_free_slots.json")["body"], provider="anthropic")

    assert response.text == "Let me check availability."
    assert [(c.id, c.name, c.args) for c in response.tool_calls] == [
        ("toolu_01A09q90qw90lq917835lq9", "get_free_slots", {"from": "2026-12-02", "to": "2026-12-04"})
    ]
    # Cache writes count as input; nothing was read from the cache yet.
    assert (response.usage.input_tokens, response.usage.cached_tokens) == (512 + 1890, 0)


def test_recorded_parallel_tool_use_returns_every_call():
    response = parse_anthropic_message(recorded("anthropic/parallel_tool_use.json")["body"], provider="anthropic")

    assert [c.name for c in response.tool_calls] == ["check_service_area", "record_qualification"]


def test_response_round_trips_into_the_next_request():
    response = parse_anthropic_message(recorded("anthropic/parallel_tool_use.json")["body"], provider="anthropic")
    message = ChatMessage(role="assistant", text=response.text, tool_calls=response.tool_calls)

    _, turns = to_anthropic_messages([ChatMessage(role="user", text="78704"), message])

    assert turns[1]["content"] == recorded("anthropic/parallel_tool_use.json")["body"]["content"]


def test_the_stable_prompt_is_cached_and_the_per_step_context_follows_it_uncached():
    request = ModelRequest(system="You are Ava.", context="It is 9:31 AM.", messages=HISTORY[:1])
    body = build_anthropic_request(request, model="claude-sonnet-5-5", max_tokens=512)
    assert body["system"] == [
        {"type": "text", "text": "You are Ava.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "It is 9:31 AM."},
    ]
