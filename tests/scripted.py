"""Scripted model steps shared by the tests that drive the engine as a language model would."""

from __future__ import annotations

from ava_core.models.replay import ScriptedCall, ScriptedStep


def qualify(shade: str = "full sun") -> ScriptedStep:
    """One step recording every answer the demo profile asks for: a homeowner in 78704 who passes."""
    return ScriptedStep(tool_calls=[
        ScriptedCall(name="record_qualification", args={"field": "homeowner", "value": "yes"}),
        ScriptedCall(name="record_qualification", args={"field": "monthly_bill", "value": "$300"}),
        ScriptedCall(name="record_qualification", args={"field": "roof_age", "value": "3"}),
        ScriptedCall(name="record_qualification", args={"field": "roof_shade", "value": shade}),
        ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"}),
        ScriptedCall(name="record_qualification", args={"field": "zip", "value": "78704"}),
    ])


def call(name: str, **args) -> ScriptedStep:
    """A step calling one tool."""
    return ScriptedStep(tool_calls=[ScriptedCall(name=name, args=args)])
