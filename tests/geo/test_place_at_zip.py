"""The ZIP question through the whole engine with Google Maps: the place the lead gives reaches
the geocoder whole, an ambiguous one is confirmed with the lead in their language, and junk
there is asked about at most twice before a person takes over."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from ava_core.app import build_assistant
from ava_core.knowledge import UnconfiguredKnowledge
from tests.geo.conftest import KEY, geocode, google_requests, recorded, reverse, timezone

ENGLISH = ("hi", "yes", "$200", "6 years", "full sun")  # then the ZIP question
SPANISH = ("hola, vi su anuncio de paneles solares", "sí, soy dueña", "como 200 dólares al mes", "unos 8 años",
           "pleno sol")
CONGRESS = "1100 Congress Ave, Austin, TX 78701"
GEORGETOWN_ASK = "Just to be sure: is that Georgetown, TX, USA or Georgetown, KY, USA?"
GEORGETOWN_ASK_ES = "Solo para confirmar: ¿se refiere a Georgetown, TX, USA o Georgetown, KY, USA?"


@pytest.fixture
def on_google(settings, profile, clock, store, channel, say):
    """Answers a lead through an assistant whose service area is judged by Google Maps, served
    from ``http`` (a recording); returns the lead's side: ``lead(text)`` → the turn."""

    def start(http, *before: str):
        assistant = build_assistant(
            settings.model_copy(update={"geo": "google", "google_maps_api_key": SecretStr(KEY)}), profile=profile,
            clock=clock, store=store, knowledge=UnconfiguredKnowledge(), channels={"whatsapp": channel},
            http=http.client())
        for text in before:
            say(assistant, text)
        return lambda text: say(assistant, text)

    return start


def _texts(channel, since=0) -> list[str]:
    return [m.text for _, m in channel.sent[since:]]


def _checked(store, conversation_id) -> list[str]:
    return [(r.args or {}).get("address_or_zip") for r in store.tool_calls(conversation_id)
            if r.name == "check_service_area"]


def test_a_street_address_at_the_zip_question_reaches_the_geocoder_whole(on_google, store, channel):
    http = recorded(geocode(CONGRESS, "geocode_inside.json"), timezone())
    lead = on_google(http, *ENGLISH)
    state = lead(f"it's {CONGRESS}")
    assert _checked(store, state.conversation_id) == [CONGRESS]
    lookups = [r for r in google_requests(http) if "geocode" in r]
    assert any("address=1100+Congress+Ave" in r for r in lookups)
    assert not any("address=78701" in r for r in lookups)  # never the ZIP pulled out of it
    answer = store.answers(state.conversation_id)["zip"]
    assert (answer.value, answer.verdict) == (CONGRESS, "pass")
    assert store.area_place(state.conversation_id)["address"] == "1100 Congress Ave, Austin, TX 78701, USA"
    assert "good fit for a free consultation" in "\n".join(_texts(channel))
    assert not http.unmatched


def test_a_whatsapp_location_pin_at_the_zip_question_is_judged_at_the_pin(on_google, store):
    http = recorded(reverse("30.4021,-97.7253", "reverse_pin_north_austin.json"), timezone())
    lead = on_google(http, *ENGLISH)
    state = lead("[location] Home (30.402100, -97.725300)")
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert store.area_place(state.conversation_id)["address"] == "11410 Century Oaks Terrace, Austin, TX 78758, USA"
    assert not http.unmatched


def test_a_partial_match_is_confirmed_with_the_lead_and_yes_continues(on_google, store, channel):
    http = recorded(geocode("123 Main Stret Round Rock", "geocode_partial_main_st.json"),
                    geocode("123 Main St, Round Rock, TX 78664, USA", "geocode_main_st_round_rock.json"), timezone())
    lead = on_google(http, *ENGLISH)
    state = lead("123 Main Stret Round Rock")
    assert _texts(channel)[-1] == "Just to be sure: is that 123 Main St, Round Rock, TX 78664, USA?"
    assert "zip" not in store.answers(state.conversation_id)
    state = lead("yes")
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert "good fit for a free consultation" in "\n".join(_texts(channel))
    assert not http.unmatched


@pytest.mark.parametrize("reply", ["TX", "the first one", "the texas one", "Georgetown TX please"])
def test_an_ambiguous_place_is_asked_about_and_the_one_the_lead_means_is_judged(on_google, store, channel, reply):
    http = recorded(geocode("Georgetown", "geocode_ambiguous_georgetown.json"),
                    geocode("Georgetown, TX, USA", "geocode_georgetown_tx.json"),
                    geocode(f"Georgetown, {reply}", "geocode_georgetown_tx.json"), timezone())
    lead = on_google(http, *ENGLISH)
    lead("Georgetown")
    assert _texts(channel)[-1] == GEORGETOWN_ASK
    state = lead(reply)
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert store.area_place(state.conversation_id)["address"] == "Georgetown, TX, USA"
    assert not http.unmatched


def test_a_spanish_lead_is_asked_about_the_place_in_spanish_and_can_point_at_it(on_google, store, channel):
    http = recorded(geocode("Georgetown", "geocode_ambiguous_georgetown.json"),
                    geocode("Georgetown, TX, USA", "geocode_georgetown_tx.json"), timezone())
    lead = on_google(http, *SPANISH)
    lead("Georgetown")
    assert _texts(channel)[-1] == GEORGETOWN_ASK_ES
    state = lead("la primera")
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert "¡Buenas noticias, su casa califica" in "\n".join(_texts(channel))


def test_a_bare_yes_to_two_places_is_asked_again_and_a_no_asks_for_the_zip(on_google, store, channel):
    http = recorded(geocode("Georgetown", "geocode_ambiguous_georgetown.json"))
    lead = on_google(http, *ENGLISH)
    lead("Georgetown")
    lead("yes")
    assert _texts(channel)[-1] == GEORGETOWN_ASK
    state = lead("no")
    assert _texts(channel)[-1] == "No problem! What's the 5-digit ZIP code of the property?"
    assert "zip" not in store.answers(state.conversation_id)


def test_a_model_is_handed_the_question_about_the_place_in_the_leads_language(google_geo, profile, store, clock):
    from ava_core.calendar import LocalCalendar
    from ava_core.models.base import ToolCall
    from ava_core.tools import ToolContext, default_toolbox

    now = clock.now()
    contact = store.upsert_contact("whatsapp", "+15125550190", name="Rosa", phone="+15125550190", at=now)
    conversation = store.open_conversation(contact.id, "whatsapp", now)
    store.add_message(conversation.id, "user", "hola, quiero información sobre los paneles solares", at=now)
    ctx = ToolContext(conversation_id=conversation.id, contact_id=contact.id, turn_id="t1", profile=profile,
                      store=store, clock=clock, calendar=LocalCalendar(profile.booking, profile.tz, store, clock),
                      geo=google_geo(recorded(geocode("Georgetown", "geocode_ambiguous_georgetown.json"),
                                              geocode("the blue house past the creek", "geocode_zero_results.json"))),
                      knowledge=UnconfiguredKnowledge())
    toolbox = default_toolbox()
    ambiguous = toolbox.execute(ctx, ToolCall(id="1", name="check_service_area", args={"address_or_zip": "Georgetown"}))
    assert ambiguous.data["ask"] == GEORGETOWN_ASK_ES
    nowhere = toolbox.execute(ctx, ToolCall(id="2", name="check_service_area",
                                            args={"address_or_zip": "the blue house past the creek"}))
    assert nowhere.data["ask"] == "¿Cuál es el código postal de 5 dígitos de la casa?"


# --- junk at the ZIP question ----------------------------------------------------------------------


@pytest.mark.parametrize(("before", "junk", "first", "then"), [
    (ENGLISH, ["asdf", "qwerty lol", "blah blah"],
     "Hmm, I couldn't place that.", "Let me put it another way: And what's the ZIP code of the property?"),
    (SPANISH, ["asdf", "jaja no", "bla bla"],
     "Mmm, no pude ubicar eso.", "Se lo pregunto de otra forma: ¿Y cuál es el código postal de la casa?"),
])
def test_three_junk_answers_at_the_zip_question_hand_off(make_assistant, say, channel, store, before, junk, first,
                                                         then):
    assistant = make_assistant()
    for text in before:
        say(assistant, text)
    say(assistant, junk[0])
    assert _texts(channel)[-1].startswith(first)
    state = say(assistant, junk[1])
    assert _texts(channel)[-1].startswith(then)
    assert store.conversation(state.conversation_id).status == "active"
    state = say(assistant, junk[2])
    assert store.conversation(state.conversation_id).status == "paused"
    assert [e.name for e in state.trace if e.kind == "tool"][-1] == "handoff_to_human"


def test_junk_the_geocoder_finds_nothing_for_counts_as_a_miss_too(on_google, store, channel):
    http = recorded(*(geocode(text, "geocode_zero_results.json")
                      for text in ("the blue house", "by the creek", "past the big oak")))
    lead = on_google(http, *ENGLISH)
    for text in ("the blue house", "by the creek"):
        state = lead(text)
    assert store.conversation(state.conversation_id).status == "active"
    state = lead("past the big oak")
    assert store.conversation(state.conversation_id).status == "paused"


def test_a_zip_after_one_junk_answer_qualifies_as_usual(make_assistant, say, channel, store):
    assistant = make_assistant()
    for text in ENGLISH:
        say(assistant, text)
    say(assistant, "asdf")
    state = say(assistant, "oh sorry, 78704")
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert store.conversation(state.conversation_id).status == "active"
