"""Sending through the Cloud API, against a mock transport: what WhatsApp would receive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ava_core.channels.base import Choice, OutboundMessage
from ava_core.channels.whatsapp import TEXT_LIMIT, WhatsAppChannel, WhatsAppError, WindowClosed
from ava_core.clock import FrozenClock

TOKEN = "EAAG-secret-token"
LEAD = "16505551234"
NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
MESSAGES_URL = "https://graph.facebook.com/v26.0/106540352242922/messages"


class Graph:
    """A mock Graph API: replies from a queue, records every request."""

    def __init__(self, payload, *replies: httpx.Response):
        self.requests: list[httpx.Request] = []
        self.replies = list(replies)
        self.ok = payload("send_ok.json")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.replies:
            return self.replies.pop(0)
        return httpx.Response(200, content=self.ok)

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests if r.content]


@pytest.fixture
def graph(payload):
    def make(*replies):
        return Graph(payload, *replies)

    return make


def _channel(graph, *, last_inbound=NOW - timedelta(minutes=5), template=None, sleeps=None, **kw):
    return WhatsAppChannel(
        client=httpx.Client(transport=httpx.MockTransport(graph)), access_token=TOKEN,
        phone_number_id="106540352242922", template=template, last_inbound=lambda to: last_inbound,
        clock=FrozenClock(NOW), sleep=(sleeps.append if sleeps is not None else lambda s: None), **kw,
    )


def test_a_bubble_goes_out_as_text_with_the_bearer_token(graph):
    api = graph()
    receipt = _channel(api).send(LEAD, OutboundMessage(text="Hi Sheena! Yes, it comes in blue."))
    assert receipt.channel_message_id.startswith("wamid.")
    assert str(api.requests[0].url) == MESSAGES_URL
    assert api.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert api.bodies == [{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": LEAD, "type": "text",
        "text": {"preview_url": False, "body": "Hi Sheena! Yes, it comes in blue."},
    }]


def test_text_longer_than_whatsapps_limit_is_split_at_a_space(graph):
    api = graph()
    words = ("solar " * 1000).strip()  # 5,999 characters
    _channel(api).send(LEAD, OutboundMessage(text=words))
    bodies = [b["text"]["body"] for b in api.bodies]
    assert len(bodies) == 2
    assert all(len(b) <= TEXT_LIMIT for b in bodies)
    assert " ".join(bodies) == words


def test_up_to_three_short_choices_become_reply_buttons(graph):
    api = graph()
    choices = [Choice(id="slot-1", title="Wed 9:00 AM"), Choice(id="slot-2", title="Wed 1:00 PM")]
    _channel(api).send(LEAD, OutboundMessage(text="Which time works?", choices=choices))
    interactive = api.bodies[0]["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Which time works?"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "slot-1", "title": "Wed 9:00 AM"}},
        {"type": "reply", "reply": {"id": "slot-2", "title": "Wed 1:00 PM"}},
    ]


def test_more_choices_or_long_titles_become_a_list(graph):
    api = graph()
    choices = [Choice(id=f"slot-{i}", title=f"Thursday December {i} at 10:00 AM") for i in range(1, 13)]
    _channel(api).send(LEAD, OutboundMessage(text="Here are some times:", choices=choices))
    interactive = api.bodies[0]["interactive"]
    rows = interactive["action"]["sections"][0]["rows"]
    assert interactive["type"] == "list"
    assert len(interactive["action"]["button"]) <= 20
    assert len(rows) == 10  # WhatsApp lists hold at most 10 rows
    assert all(len(r["title"]) <= 24 for r in rows)


def test_outside_the_24_hour_window_the_template_goes_out_instead(graph):
    api = graph()
    channel = _channel(api, last_inbound=NOW - timedelta(hours=25), template="follow_up_v1")
    channel.send(LEAD, OutboundMessage(text="Still interested in solar?"))
    assert api.bodies == [{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": LEAD, "type": "template",
        "template": {"name": "follow_up_v1", "language": {"code": "en_US"}},
    }]


def test_the_receipt_of_a_template_sent_instead_names_it(graph, payload):
    closed = _channel(graph(), last_inbound=NOW - timedelta(hours=25), template="follow_up_v1")
    assert closed.send(LEAD, OutboundMessage(text="Still interested?")).template == "follow_up_v1"
    refused = _channel(graph(httpx.Response(400, content=payload("error_131047.json"))), template="follow_up_v1")
    assert refused.send(LEAD, OutboundMessage(text="hi")).template == "follow_up_v1"
    assert _channel(graph()).send(LEAD, OutboundMessage(text="hi")).template is None


def test_outside_the_window_a_reply_of_several_bubbles_sends_the_template_once(graph, make_assistant, say, store):
    api = graph()
    channel = _channel(api, last_inbound=NOW - timedelta(hours=25), template="hello_again")
    state = say(make_assistant(channels={"whatsapp": channel}), "hi")
    assert len(state.bubbles) > 1
    assert [b["type"] for b in api.bodies] == ["template"]
    replies = [(m.kind, m.text) for m in store.messages(state.conversation_id) if m.role == "assistant"]
    assert replies == [("template", "[template: hello_again]")]  # not the free text the lead never got


def test_a_re_engagement_refusal_sends_the_template_once_per_reply(graph, payload, make_assistant, say):
    api = graph(httpx.Response(400, content=payload("error_131047.json")))
    state = say(make_assistant(channels={"whatsapp": _channel(api, template="hello_again")}), "hi")
    assert len(state.bubbles) > 1
    assert [b["type"] for b in api.bodies] == ["text", "template"]


def test_a_long_text_that_fails_after_its_first_part_is_not_sent_again(graph):
    api = graph(httpx.Response(200, json={"messages": [{"id": "wamid.part-1"}]}),
                httpx.Response(503, json={"error": {"code": 2, "message": "Service temporarily unavailable"}}))
    with pytest.raises(WhatsAppError, match="only 1 of 2 parts") as caught:
        _channel(api).send(LEAD, OutboundMessage(text=("solar " * 1000).strip()))
    assert caught.value.maybe_sent is True  # part of it reached the lead: a retry would repeat it


@pytest.mark.parametrize("error, maybe_sent", [
    (httpx.ConnectError("connection refused"), False),
    (httpx.ReadTimeout("no answer"), True),
])
def test_a_broken_connection_says_whether_the_message_may_have_gone_out(error, maybe_sent):
    def transport(request):
        raise error

    channel = _channel(transport)
    with pytest.raises(WhatsAppError) as caught:
        channel.send(LEAD, OutboundMessage(text="hi"))
    assert (caught.value.retryable, caught.value.maybe_sent) == (True, maybe_sent)


def test_outside_the_window_without_a_template_nothing_is_sent_and_the_error_says_what_to_set(graph):
    api = graph()
    with pytest.raises(WindowClosed, match="AVA_WHATSAPP_TEMPLATE_NAME") as caught:
        _channel(api, last_inbound=NOW - timedelta(hours=30)).send(LEAD, OutboundMessage(text="hello?"))
    assert api.requests == []
    assert caught.value.retryable is False


def test_re_engagement_required_from_the_api_falls_back_to_the_template(graph, payload):
    api = graph(httpx.Response(400, content=payload("error_131047.json")))
    _channel(api, template="follow_up_v1").send(LEAD, OutboundMessage(text="hi"))
    assert [b["type"] for b in api.bodies] == ["text", "template"]


def test_re_engagement_required_without_a_template_is_not_retried(graph, payload):
    api = graph(httpx.Response(400, content=payload("error_131047.json")))
    with pytest.raises(WindowClosed) as caught:
        _channel(api).send(LEAD, OutboundMessage(text="hi"))
    assert caught.value.retryable is False
    assert len(api.requests) == 1


def test_a_rate_limit_is_waited_out_honouring_retry_after(graph, payload):
    sleeps: list[float] = []
    api = graph(httpx.Response(429, headers={"Retry-After": "2"}, content=payload("error_131056.json")))
    receipt = _channel(api, sleeps=sleeps).send(LEAD, OutboundMessage(text="hi"))
    assert sleeps == [2.0]
    assert len(api.requests) == 2
    assert receipt.channel_message_id.startswith("wamid.")


def test_a_pair_rate_limit_without_retry_after_backs_off_exponentially(graph, payload):
    sleeps: list[float] = []
    limited = [httpx.Response(400, content=payload("error_131056.json")) for _ in range(3)]
    _channel(api := graph(*limited), sleeps=sleeps).send(LEAD, OutboundMessage(text="hi"))
    assert sleeps == [2.0, 4.0, 8.0]
    assert len(api.requests) == 4


def test_a_rate_limit_that_outlasts_the_attempts_is_retryable_later(graph, payload):
    limited = [httpx.Response(429, content=payload("error_131056.json")) for _ in range(4)]
    with pytest.raises(WhatsAppError) as caught:
        _channel(graph(*limited)).send(LEAD, OutboundMessage(text="hi"))
    assert caught.value.retryable is True
    assert caught.value.code == 131056


def test_a_retry_after_longer_than_the_cap_is_not_slept_on(graph, payload):
    sleeps: list[float] = []
    api = graph(httpx.Response(429, headers={"Retry-After": "600"}, content=payload("error_131056.json")))
    with pytest.raises(WhatsAppError, match="rate limit"):
        _channel(api, sleeps=sleeps, max_wait_seconds=30).send(LEAD, OutboundMessage(text="hi"))
    assert sleeps == []


def test_an_expired_token_says_which_setting_to_renew_and_never_shows_it(graph, payload):
    channel = _channel(graph(httpx.Response(401, content=payload("error_190.json"))))
    with pytest.raises(WhatsAppError, match="AVA_WHATSAPP_ACCESS_TOKEN") as caught:
        channel.send(LEAD, OutboundMessage(text="hi"))
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(channel)


def test_typing_marks_the_message_read_and_shows_the_indicator(graph, payload):
    api = graph(httpx.Response(200, content=payload("read_ok.json")))
    _channel(api).typing(LEAD, "wamid.INBOUND_ID")
    assert api.bodies == [{
        "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.INBOUND_ID",
        "typing_indicator": {"type": "text"},
    }]


def test_typing_without_a_message_to_mark_sends_nothing(graph):
    api = graph()
    _channel(api).typing(LEAD, None)
    assert api.requests == []


def test_a_business_scoped_user_id_is_addressed_as_recipient(graph):
    api = graph()
    _channel(api).send("US.13491208655302741918", OutboundMessage(text="hi"))
    assert api.bodies[0]["recipient"] == "US.13491208655302741918"
    assert "to" not in api.bodies[0]


def test_media_is_downloaded_in_two_steps_with_the_token_both_times(payload):
    seen: list[httpx.Request] = []

    def graph(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "graph.facebook.com":
            return httpx.Response(200, content=payload("media_meta.json"))
        return httpx.Response(200, content=b"OggS-voice-bytes", headers={"content-type": "audio/ogg"})

    channel = WhatsAppChannel(client=httpx.Client(transport=httpx.MockTransport(graph)), access_token=TOKEN,
                              phone_number_id="106540352242922")
    audio, mime_type = channel.download_media("1234567890987654321")
    assert (audio, mime_type) == (b"OggS-voice-bytes", "audio/ogg")
    assert str(seen[0].url) == "https://graph.facebook.com/v26.0/1234567890987654321"
    assert seen[1].url.host == "lookaside.fbsbx.com"
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in seen)


def test_repeated_quick_reply_titles_are_made_distinct(graph):
    api = graph()
    choices = [Choice(id="slot-1", title="Wed 9:00 AM"), Choice(id="slot-2", title="Wed 9:00 AM")]
    _channel(api).send(LEAD, OutboundMessage(text="Which one?", choices=choices))
    buttons = api.bodies[0]["interactive"]["action"]["buttons"]
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("slot-1", "Wed 9:00 AM"), ("slot-2", "Wed 9:00 AM (2)")]


def test_list_rows_that_clip_to_the_same_title_are_made_distinct(graph):
    api = graph()
    choices = [Choice(id=f"slot-{i}", title=f"Thursday, December 3 at 10:{i}0 AM") for i in range(4)]
    _channel(api).send(LEAD, OutboundMessage(text="Here are some times:", choices=choices))
    titles = [r["title"] for r in api.bodies[0]["interactive"]["action"]["sections"][0]["rows"]]
    assert len(set(titles)) == 4 and all(len(t) <= 24 for t in titles)


def test_a_list_opens_with_the_button_in_the_leads_language(graph):
    api = graph()
    choices = [Choice(id=f"slot-{i}", title=f"jue {i} dic, 10:00") for i in range(1, 6)]
    _channel(api).send(LEAD, OutboundMessage(text="Estos son algunos horarios:", choices=choices,
                                             see_options="Ver opciones", choose_one="Elija una opción:"))
    interactive = api.bodies[0]["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Ver opciones"
