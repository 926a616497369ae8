"""``record_qualification``: the model reports an answer, the engine judges it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.observability import events
from ava_core.qualification import interpret, judge, standing
from ava_core.tools.base import ToolContext, ToolResult, tool


class RecordQualificationArgs(BaseModel):
    field: str = Field(description="the qualification field, e.g. homeowner")
    value: str = Field(description="what the lead answered, in their words or normalised")


@tool("record_qualification", RecordQualificationArgs)
def record_qualification(ctx: ToolContext, args: RecordQualificationArgs) -> ToolResult:
    """Record the lead's answer to one qualification question. AVA judges it against the
    business's rules and returns the verdict, the overall status and what is still missing."""
    # The questions as the lead reads them: their words, and the option names in their language.
    local = ctx.local
    questions = local.qualification
    question = questions.get(args.field)
    if question is None:
        fields = ", ".join(q.field for q in questions.questions)
        return ToolResult.failure(f"unknown field {args.field!r}; the fields are: {fields}")
    answer = interpret(question, args.value, today=ctx.clock.now().astimezone(ctx.profile.tz).date())
    if answer is None:
        return ToolResult.failure(
            f"could not read {args.value!r} as an answer to {question.field!r} ({question.kind}); "
            f"ask again: {question.question}"
        )
    verdict = judge(question, answer, ctx.geo)
    now = ctx.clock.now()
    ctx.store.record_answer(ctx.conversation_id, question.field, answer, verdict, now)
    verdicts = {f: a.verdict for f, a in ctx.store.answers(ctx.conversation_id).items()}
    state = standing(local, verdicts)
    events.qualification_judged(ctx, question.field, verdict, state)
    result = {
        "field": question.field,
        "value": answer,
        "verdict": verdict,
        "status": state.status,
        "missing": state.missing,
    }
    if state.failed is not None:
        result["disqualified_because"] = state.failed.field
        result["say"] = state.failed.disqualify_message
    elif state.missing:
        result["next_question"] = questions.question_for(state.missing[0]).question
    return ToolResult.success(**result)
