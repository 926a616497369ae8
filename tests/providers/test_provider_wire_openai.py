"""Translation between AVA's messages and the OpenAI chat-completions wire format."""

from ava_core.models.base import ChatMessage, ModelRequest, ToolCall
from ava_core.models.wire import UNANSWERED_RESULT
from ava_core.models.wire_openai import (
    build_openai_request,
    from_openai_messages,
    parse_openai_completion,
    to_openai_messages,
)
from tests.providers.fakes import TOOLS, recorded

HISTORY = [
    ChatMessage(role="user", text="Hi, is solar worth it in Austin?"),
    ChatMessage(role="assistant", text="Absolutely, Austin gets plenty of sun."),
    ChatMessage(role="assistant", text="What ZIP code is the home in?"),
    ChatMessage(role="user", text="78704, and I own it"),
    ChatMessage(
        role="assistant",
        text="",
        tool_calls=[
            ToolCall(id="call_Zip1", name="check_service_area", args={"address_or_zip": "78704"}),
            ToolCall(id="call_Own2", name="record_qualification", args={"field": "homeowner", "value": "yes"}),
        ],
    ),
    ChatMessage(role="tool", tool_call_id="call_Zip1", name="check_service_area", text='{"ok": true, "in_area": true}'),
    ChatMessage(role="tool", tool_call_id="call_Own2", name="record_qualification", text='{"ok": true}'),
    ChatMessage(role="assistant", text="Good news, you're in our area!"),
]


def test_history_round_trips_through_the_openai_wire_format():
    wire = to_openai_messages("You are AVA.", HISTORY)

    assert from_openai_messages(wire) == ("You are AVA.", HISTORY)


def test_tool_calls_are_sent_as_function_calls_with_json_text_arguments():
    wire = to_openai_messages("", HISTORY)

    assert wire[4] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_Zip1", "type": "function",
             "function": {"name": "check_service_area", "arguments": '{"address_or_zip": "78704"}'}},
            {"id": "call_Own2", "type": "function",
             "function": {"name": "record_qualification", "arguments": '{"field": "homeowner", "value": "yes"}'}},
        ],
    }
    assert wire[5] == {"role": "tool", "tool_call_id": "call_Zip1", "content": '{"ok": true, "in_area": true}'}


def test_unparseable_arguments_are_replayed_as_the_model_wrote_them():
    call = ToolCall(id="call_Bad1", name="book_appointment", raw_args='{"slot_id": "2026-12')
    wire = to_openai_messages("", [ChatMessage(role="assistant", tool_calls=[call]),
                                  ChatMessage(role="tool", tool_call_id="call_Bad1", text='{"ok": false}')])

    assert wire[0]["tool_calls"][0]["function"]["arguments"] == '{"slot_id": "2026-12'
    assert from_openai_messages(wire)[1][0].tool_calls[0] == call


def test_a_lead_message_stored_while_tools_ran_moves_after_the_tool_results():
    history = [
        ChatMessage(role="user", text="Book me Wednesday"),
        ChatMessage(role="assistant", tool_calls=[ToolCall(id="c1", name="get_free_slots")]),
        ChatMessage(role="user", text="morning if possible"),
        ChatMessage(role="tool", tool_call_id="c1", name="get_free_slots", text='{"ok": true}'),
    ]

    roles = [m["role"] for m in to_openai_messages("", history)]

    assert roles == ["user", "assistant", "tool", "user"]


def test_a_tool_call_without_a_stored_result_gets_a_failed_result():
    history = [ChatMessage(role="user", text="hi"),
               ChatMessage(role="assistant", tool_calls=[ToolCall(id="c1", name="get_free_slots")])]

    wire = to_openai_messages("", history)

    assert wire[-1] == {"role": "tool", "tool_call_id": "c1", "content": UNANSWERED_RESULT}


def test_request_offers_tools_and_caps_output_tokens():
    request = ModelRequest(system="s", messages=[ChatMessage(role="user", text="hi")], tools=TOOLS)

    body = build_openai_request(request, model="ava-chat", max_tokens=512, max_tokens_field="max_completion_tokens")

    assert body["model"] == "ava-chat"
    assert body["max_completion_tokens"] == 512
    assert [t["function"]["name"] for t in body["tools"]] == ["get_free_slots", "book_appointment", "handoff_to_human"]
    assert body["tools"][1]["function"]["parameters"]["required"] == ["slot_id"]


def test_request_without_tools_sends_no_tools_key():
    body = build_openai_request(ModelRequest(system="s", messages=[]), model="m", max_tokens=1)

    assert "tools" not in body


def test_recorded_reply_reads_text_usage_and_cached_tokens():
    response = parse_openai_completion(recorded("azure_openai/reply.json")["body"], provider="azure")

    assert response.text.startswith("Great question!")
    assert response.tool_calls == []
    assert (response.usage.input_tokens, response.usage.cached_tokens, response.usage.output_tokens) == (2412, 1920, 27)
    assert response.finish_reason == "stop"
    assert response.model == "gpt-4.1-2025-04-14"


def test_recorded_parallel_tool_calls_are_all_returned_in_order():
    response = parse_openai_completion(recorded("azure_openai/parallel_tool_calls.json")["body"], provider="azure")

    assert [(c.id, c.name, c.args) for c in response.tool_calls] == [
        ("call_Zip1", "check_service_area", {"address_or_zip": "78704"}),
        ("call_Own2", "record_qualification", {"field": "homeowner", "value": "yes, I own it"}),
    ]


def test_recorded_malformed_arguments_keep_the_raw_text():
    response = parse_openai_completion(recorded("azure_openai/malformed_arguments.json")["body"], provider="azure")

    call = response.tool_calls[0]
    assert call.args == {}
    assert call.raw_args == '{"slot_id": "2026-12-02T10:00:00-06:00"'


def test_arguments_that_are_json_but_not_an_object_keep_the_raw_text():
    payload = {"choices": [{"message": {"tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "get_free_slots", "arguments": '["tomorrow"]'}}]}}]}

    call = parse_openai_completion(payload, provider="x").tool_calls[0]

    assert (call.args, call.raw_args) == ({}, '["tomorrow"]')


def test_empty_arguments_mean_no_arguments():
    payload = {"choices": [{"message": {"tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "send_meeting_link", "arguments": ""}}]}}]}

    call = parse_openai_completion(payload, provider="x").tool_calls[0]

    assert (call.args, call.raw_args) == ({}, None)


def test_the_stable_prompt_comes_first_and_the_per_step_context_second():
    from ava_core.models.base import ChatMessage, ModelRequest
    from ava_core.models.wire_openai import build_openai_request

    request = ModelRequest(system="You are Ava.", context="It is 9:31 AM.",
                           messages=[ChatMessage(role="user", text="hi")])
    messages = build_openai_request(request, model="gpt-4.1", max_tokens=512)["messages"]
    assert messages == [
        {"role": "system", "content": "You are Ava."},
        {"role": "system", "content": "It is 9:31 AM."},
        {"role": "user", "content": "hi"},
    ]
