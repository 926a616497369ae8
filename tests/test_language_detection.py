"""Which language a lead writes in, measured on the short messages leads actually send."""

from __future__ import annotations

from ava_core.language.detection import conversation_language, detect, profile_vocabulary

ENGLISH = [
    "yeah we own it", "about 200 a month", "hi, saw your ad about solar", "ok sounds good", "the second one",
    "hold on one second", "I need to talk to my wife first", "full sun", "roof is 6 years old",
    "how does the free solar thing work?", "thanks!!", "lemme think abt it", "partial shade", "tuesday at 10 works",
    "none of those work", "yes i own the house", "we rent", "how much does it cost", "is this a scam",
    "can u call me tmrw", "mornings are hard", "anytime friday", "what's the weather in Austin today?",
]
SPANISH = [
    "si soy dueño", "hola, vi su anuncio", "como 200 al mes", "pleno sol", "el jueves a las 9",
    "tengo que hablar con mi esposa", "gracias", "mi techo tiene 10 años", "sombra parcial", "hola buenas tardes",
    "cuánto cuesta?", "ninguna de esas me sirve", "mañana en la tarde", "muchos árboles", "claro que sí",
    "está bien", "sí, pleno sol", "la segunda", "no, rentamos", "es una estafa?", "unos 200 dolares",
]
SAYS_NOTHING = ["yes", "78704", "ok", "👍", "2", "lol", "$200", "no", "k"]
OTHER = [
    ("Bonjour, je voudrais des informations sur les panneaux solaires", "fr"),
    ("Hallo, ich interessiere mich für Solaranlagen", "de"),
]


def _served(profile):
    return profile.served_languages, profile_vocabulary(profile)


def test_short_english_and_spanish_messages_are_told_apart(profile):
    served, vocabulary = _served(profile)
    found = {text: detect(text, served, vocabulary) for text in ENGLISH + SPANISH}
    wrong = [t for t in ENGLISH if found[t] == "es"] + [t for t in SPANISH if found[t] == "en"]
    unsure = [t for t, code in found.items() if code is None]
    assert wrong == []  # never the other served language
    assert len(unsure) <= 2, unsure  # and almost always sure


def test_messages_with_no_words_say_nothing_about_language(profile):
    served, vocabulary = _served(profile)
    assert [detect(t, served, vocabulary) for t in SAYS_NOTHING if detect(t, served, vocabulary)] == []


def test_a_language_nobody_serves_is_named_when_the_message_is_long_enough(profile):
    served, vocabulary = _served(profile)
    assert [detect(text, served, vocabulary) for text, _ in OTHER] == [code for _, code in OTHER]


def test_the_conversation_keeps_its_language_through_answers_that_say_none(profile):
    assert conversation_language(profile, ["hola, me interesa", "sí", "78704", "2"]) == "es"
    assert conversation_language(profile, ["hi", "yes", "200"]) == "en"
    assert conversation_language(profile, []) == "en"
