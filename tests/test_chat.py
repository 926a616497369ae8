"""`ava chat`: a terminal conversation with each tool call shown under the reply."""

from __future__ import annotations

from typer.testing import CliRunner

from ava_core.cli import build_app


def test_chat_holds_a_conversation_and_shows_tool_calls(tmp_path):
    result = CliRunner().invoke(build_app(), ["chat", "--name", "Maria"], input="hi there\nyes I own it\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "Hi Maria! This is Ava with Lone Star Sun Solar" in result.output
    assert "record_qualification" in result.output
    assert "Roughly how much is your average monthly electric bill?" in result.output


def test_chat_with_a_broken_profile_says_what_is_wrong(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("business: {}\n")
    result = CliRunner().invoke(build_app(), ["chat", "--profile", str(bad)], input="/quit\n")
    assert result.exit_code == 1
    assert "business.name: Field required" in result.output
