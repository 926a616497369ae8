"""The business profile: the example is valid, and every mistake is named with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.errors import ConfigError
from ava_core.profile import load_profile
from ava_core.profile.models import WhatsAppTemplate

EXAMPLE = Path("examples/profile.yaml")


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return path


def _broken(tmp_path, old: str, new: str) -> Path:
    return _write(tmp_path, EXAMPLE.read_text().replace(old, new, 1))


def test_example_profile_is_valid(profile):
    assert profile.business.name == "Lone Star Sun Solar"
    assert 4 <= len(profile.qualification.questions) <= 6
    assert profile.booking.slots_to_offer == 3


def test_unknown_time_zone_names_file_line_and_field(tmp_path):
    path = _broken(tmp_path, "timezone: America/Chicago", "timezone: America/Austin")
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    line = EXAMPLE.read_text().splitlines().index("  timezone: America/Chicago") + 1
    assert str(err.value) == f"{path}:{line}: business.timezone: unknown IANA time zone 'America/Austin' (e.g. America/Chicago)"


def test_every_error_is_reported_not_just_the_first(tmp_path):
    text = EXAMPLE.read_text().replace("meeting_minutes: 30", "meeting_minutes: 3").replace(
        "slots_to_offer: 3", "slots_to_offer: many"
    )
    with pytest.raises(ConfigError) as err:
        load_profile(_write(tmp_path, text))
    lines = str(err.value).splitlines()
    assert len(lines) == 2
    assert any("booking.meeting_minutes" in line for line in lines)
    assert any("booking.slots_to_offer" in line for line in lines)


def test_misspelled_field_is_called_unknown(tmp_path):
    path = _broken(tmp_path, "  min_notice_hours: 3", "  min_notise_hours: 3")
    with pytest.raises(ConfigError, match=r"booking.min_notise_hours: unknown field \(check the spelling\)"):
        load_profile(path)


def test_working_hours_that_end_before_they_start_are_refused(tmp_path):
    path = _broken(tmp_path, 'sat: ["10:00-13:00"]', 'sat: ["13:00-10:00"]')
    with pytest.raises(ConfigError, match=r"booking.working_hours.sat.0: '13:00-10:00' ends before it starts"):
        load_profile(path)


def test_disqualify_must_name_an_option(tmp_path):
    path = _broken(tmp_path, "rule: {disqualify: [heavy shade]}", "rule: {disqualify: [full shade]}")
    with pytest.raises(ConfigError, match=r"qualification.questions.3: .*'full shade'.* not options"):
        load_profile(path)


def test_invalid_yaml_names_the_line(tmp_path):
    path = _write(tmp_path, "business:\n  name: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"^{path}:\d+: invalid YAML"):
        load_profile(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: file not found"):
        load_profile(tmp_path / "nope.yaml")


def test_config_check_prints_ok_for_the_example():
    result = CliRunner().invoke(build_app(), ["config", "check", str(EXAMPLE)])
    assert result.exit_code == 0
    assert result.output.startswith("OK examples/profile.yaml: Lone Star Sun Solar")


def test_config_check_prints_each_error_and_exits_1(tmp_path):
    path = _broken(tmp_path, "radius_miles: 40", "radius_miles: -4")
    result = CliRunner().invoke(build_app(), ["config", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "service_area.radius_miles: Input should be greater than 0" in result.output



# --- `ava config check`: what would break in a conversation later --------------------------------


def _check(path):
    return CliRunner().invoke(build_app(), ["config", "check", str(path)])


def _line(text: str) -> int:
    return EXAMPLE.read_text().splitlines().index(text) + 1


def test_a_placeholder_typo_in_the_greeting_is_caught_with_the_allowed_names(tmp_path):
    path = _broken(tmp_path, "Hi {lead_name}! This is", "Hi {leadname}! This is")
    result = _check(path)
    assert result.exit_code == 1
    line = _line('  greeting: "Hi {lead_name}! This is {persona_name} with {business_name} ☀️ Thanks for reaching out about solar."')
    assert (f"{path}:{line}: persona.greeting: unknown placeholder {{leadname}}; "
            "allowed: lead_name, persona_name, business_name") in result.output


def test_a_placeholder_typo_is_for_the_check_to_catch_not_for_a_running_assistant_to_refuse(tmp_path):
    # A running AVA keeps its own fallback for a link it cannot fill; the check is where typos are found.
    path = _broken(tmp_path, "consult/{appointment_id}", "consult/{appointment}")
    assert load_profile(path).booking.link_template.endswith("{appointment}")
    assert _check(path).exit_code == 1


def test_a_placeholder_typo_in_the_link_template_is_caught(tmp_path):
    path = _broken(tmp_path, "consult/{appointment_id}", "consult/{appointment}")
    result = _check(path)
    assert result.exit_code == 1
    assert ("booking.link_template: unknown placeholder {appointment}; allowed: appointment_id, slot_id"
            in result.output)


def test_a_placeholder_in_a_message_sent_as_written_is_caught(tmp_path):
    path = _broken(tmp_path, "  message: I'll have one of our", "  message: Hey {lead_name}, I'll have one of our")
    result = _check(path)
    assert result.exit_code == 1
    assert "handoff.message: unknown placeholder {lead_name}: this message is sent as written" in result.output
    assert "greeting: lead_name, persona_name, business_name" in result.output


def test_placeholders_are_checked_in_every_language(tmp_path):
    path = _broken(tmp_path, "¡Hola {lead_name}! Le saluda", "¡Hola {nombre}! Le saluda")
    result = _check(path)
    assert result.exit_code == 1
    assert "languages.es.greeting: unknown placeholder {nombre}; allowed: lead_name" in result.output


def test_an_unmatched_brace_in_a_template_is_caught(tmp_path):
    path = _broken(tmp_path, "consult/{appointment_id}", "consult/{appointment_id")
    assert "booking.link_template: expected '}' before end of string" in _check(path).output


def test_every_bad_working_hours_range_on_a_day_is_reported(tmp_path):
    path = _broken(tmp_path, 'mon: ["09:00-12:00", "13:00-17:00"]', 'mon: ["12:00-09:00", "13:00-17:00", "18:00-17:30"]')
    result = _check(path)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "working_hours" in line]
    assert [e.split(": ", 1)[1] for e in errors] == [
        "booking.working_hours.mon.0: '12:00-09:00' ends before it starts",
        "booking.working_hours.mon.2: '18:00-17:30' ends before it starts",
    ]


def test_a_knowledge_source_that_does_not_exist_is_caught(tmp_path):
    path = _broken(tmp_path, "sources: [examples/knowledge]", "sources: [examples/knowledge, examples/knowlege]")
    result = _check(path)
    assert result.exit_code == 1
    line = _line("  sources: [examples/knowledge]")
    assert f"{path}:{line}: knowledge.sources.1: 'examples/knowlege' does not exist" in result.output


def test_a_language_served_without_opt_out_phrasings_is_caught(tmp_path):
    text = EXAMPLE.read_text()
    block = text[text.index("  es:\n    greeting"):text.index("\nknowledge:")]
    path = tmp_path / "profile.yaml"
    path.write_text(text.replace("\nknowledge:", "\n" + block.replace("  es:", "  pt:", 1) + "\nknowledge:", 1))
    result = _check(path)
    assert result.exit_code == 1
    assert "opt_out.phrases: no opt-out phrasings for 'pt', which AVA speaks" in result.output


def test_a_language_served_without_avas_own_lines_or_the_meetings_name_is_caught(tmp_path):
    text = EXAMPLE.read_text()
    block = text[text.index("  es:\n    greeting"):text.index("\nknowledge:")]
    path = tmp_path / "profile.yaml"
    pt = block.replace("  es:", "  pt:", 1).replace("    meeting_title: Consulta solar\n", "")
    path.write_text(text.replace("\nknowledge:", "\n" + pt + "\nknowledge:", 1))
    result = _check(path)
    assert result.exit_code == 1
    assert "languages.pt: AVA ships no lines in 'pt' for what it says itself (the booking confirmation" in result.output
    assert "languages.pt: no meeting_title: the booking confirmation would name the meeting as " \
        "'Solar consultation'" in result.output
    assert "languages.es" not in result.output


def test_each_language_names_the_meeting_in_its_own_words(profile):
    assert profile.localized("es").booking.meeting_title == "Consulta solar"
    assert profile.localized("en").booking.meeting_title == "Solar consultation"


def test_the_question_for_a_field_is_found_and_an_unknown_field_is_named(profile):
    homeowner = profile.qualification.question_for("homeowner")
    assert homeowner.field == "homeowner" and homeowner is profile.qualification.get("homeowner")

    with pytest.raises(KeyError, match="roof_colour"):
        profile.qualification.question_for("roof_colour")


# --- the WhatsApp re-engagement template per language ---------------------------------------------

_TEMPLATES = """  reengagement_templates:
    es: {name: seguimiento_v1, language: es_MX}
"""


def _with_templates(tmp_path, text: str = _TEMPLATES) -> Path:
    return _write(tmp_path, EXAMPLE.read_text().replace("  reengagement_templates: {}\n", text, 1))


def test_the_profile_names_a_re_engagement_template_per_language(tmp_path):
    profile = load_profile(_with_templates(tmp_path))
    chosen = profile.whatsapp.reengagement_templates["es"]
    assert (chosen.name, chosen.language) == ("seguimiento_v1", "es_MX")
    assert _check(tmp_path / "profile.yaml").exit_code == 0


@pytest.mark.parametrize("old, new, says", [
    ("es: {name", "spanish: {name", "unknown language 'spanish'"),
    ("language: es_MX", "language: es-MX", "es-MX"),
    ("language: es_MX", "language: xx_YY", "xx_YY"),
    ("name: seguimiento_v1", "name: Seguimiento V1", "lowercase letters, digits and underscores"),
])
def test_a_re_engagement_template_that_cannot_be_sent_is_named_with_its_line(tmp_path, old, new, says):
    path = _with_templates(tmp_path, _TEMPLATES.replace(old, new))
    result = _check(path)
    assert result.exit_code == 1
    assert says in result.output and "whatsapp.reengagement_templates" in result.output


def test_the_check_catches_a_template_in_another_language_than_the_conversations(tmp_path):
    path = _with_templates(tmp_path, _TEMPLATES.replace("es_MX", "en_US"))
    result = _check(path)
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("    es: {name: seguimiento_v1, language: en_US}") + 1
    assert (f"{path}:{line}: whatsapp.reengagement_templates.es: a conversation in 'es' would be sent a template "
            "approved in en_US") in result.output


def test_the_check_catches_a_template_for_a_language_ava_never_speaks(tmp_path):
    path = _with_templates(tmp_path, _TEMPLATES + "    pt: {name: acompanhamento, language: pt_BR}\n")
    result = _check(path)
    assert result.exit_code == 1
    assert "whatsapp.reengagement_templates.pt: AVA does not speak 'pt'" in result.output


@pytest.mark.parametrize("code", ["es", "es_MX", "en_US", "pt_BR", "zh_CN", "fil", "en_GB"])
def test_metas_template_language_codes_are_taken(code):
    assert WhatsAppTemplate(name="follow_up_v1", language=code).language == code


@given(st.text(max_size=8))
def test_a_template_language_is_a_code_meta_writes_or_a_clear_refusal(text):
    try:
        template = WhatsAppTemplate(name="follow_up_v1", language=text)
    except ValidationError as exc:
        assert "template language code" in str(exc)
        return
    assert template.base_language.isalpha() and template.base_language.islower()
    assert template.language in (template.base_language, f"{template.base_language}_{template.language[-2:]}")


def test_a_language_served_without_the_business_about_is_caught(tmp_path):
    # A Spanish lead who asks who the business is must not be told in English, nor told nothing.
    text = EXAMPLE.read_text()
    start = text.index("    about: >-\n      Somos una empresa familiar")
    end = text.index("Lamar Blvd.\n", start) + len("Lamar Blvd.\n")
    result = _check(_write(tmp_path, text[:start] + text[end:]))
    assert result.exit_code == 1, result.output
    assert "languages.es: no about: a lead who asks in 'es' who the business is would only hear its name" \
        in result.output


def test_each_language_says_who_the_business_is_in_its_own_words(profile):
    assert profile.localized("es").business.about.startswith("Somos una empresa familiar de Austin")
    assert profile.localized("en").business.about.startswith("We're a family-owned Austin installer")
