"""The languages a profile serves: one block of texts per language, read back by `localized`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.errors import ConfigError
from ava_core.language.phrases import fold, shipped_languages, table
from ava_core.profile import load_profile
from ava_core.qualification import interpret

EXAMPLE = Path("examples/profile.yaml")


def _broken(tmp_path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text()
    assert old in text
    path = tmp_path / "profile.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_example_serves_english_then_spanish(profile):
    assert profile.served_languages == ["en", "es"]


def test_localized_profile_speaks_spanish_to_the_lead(profile):
    es = profile.localized("es")
    assert es.persona.language == "es"
    assert es.persona.greeting.startswith("¡Hola {lead_name}!")
    assert es.qualification.get("homeowner").question == "¿Es usted dueño de su casa?"
    assert "techo" in es.qualification.get("roof_age").disqualify_message
    assert es.service_area.out_of_area_message.startswith("Ese código postal")
    assert es.opt_out.confirmation.startswith("Entendido")
    assert "asesores" in es.handoff.message
    assert "gratis" in es.knowledge.fallback_objection_reply


def test_localized_options_stay_canonical_and_spanish_answers_read_as_them(profile):
    shade = profile.localized("es").qualification.get("roof_shade")
    assert shade.options == ["full sun", "partial shade", "heavy shade"]
    assert interpret(shade, "sombra parcial") == "partial shade"
    assert interpret(shade, "muchos árboles") == "heavy shade"
    assert interpret(shade, "sunny") == "full sun"  # the English synonyms still apply


def test_localized_first_language_or_unknown_is_the_profile_itself(profile):
    assert profile.localized("en") is profile
    assert profile.localized("fr") is profile


def test_option_label_in_each_language(profile):
    assert profile.option_label("roof_shade", "partial shade", "es") == "sombra parcial"
    assert profile.option_label("roof_shade", "partial shade", "en") == "partial shade"
    assert profile.option_label("homeowner", "yes", "es") == "yes"


def test_english_and_spanish_opt_out_phrases_ship_and_the_profile_adds_to_them(profile):
    assert {"en", "es"} <= set(shipped_languages())
    assert "no me escribas más" in profile.opt_out.phrases["es"]
    assert "bórrenme" in profile.opt_out.phrases["es"]
    assert "take me off your list" in profile.opt_out.phrases["en"]


def test_a_language_block_must_cover_every_question(tmp_path):
    path = _broken(tmp_path, "      zip:\n        question: ¿Y cuál", "      zipcode:\n        question: ¿Y cuál")
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    assert "languages.es.questions: no text for ['zip']" in str(err.value)


def test_option_labels_must_name_the_questions_options(tmp_path):
    path = _broken(tmp_path, "partial shade: sombra parcial", "some shade: sombra parcial")
    with pytest.raises(ConfigError, match=r"\['some shade'\] are not options"):
        load_profile(path)


@pytest.mark.parametrize("code", ["xx", "spanish", "EN"])
def test_unknown_language_codes_are_refused(tmp_path, code):
    path = _broken(tmp_path, "languages:\n  es:", f"languages:\n  {code}:")
    with pytest.raises(ConfigError, match=f"unknown language '{code}'"):
        load_profile(path)


def test_persona_language_cannot_also_be_a_block(tmp_path):
    path = _broken(tmp_path, "languages:\n  es:", "languages:\n  en:")
    with pytest.raises(ConfigError, match="'en' is persona.language"):
        load_profile(path)


def test_fold_ignores_case_accents_and_punctuation():
    assert fold("¡No me escribas MÁS!") == "no me escribas mas"
    assert fold("Don\u2019t   text me.") == "don't text me"


def test_every_shipped_table_reads():
    for code in shipped_languages():
        assert table(code).opt_out.phrases
        assert set(table(code).claims) == {"booked", "link_sent", "handoff", "cancelled", "rescheduled"}
        assert table(code).appointment.cancel and table(code).appointment.move and table(code).appointment.book
