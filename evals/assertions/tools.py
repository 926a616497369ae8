"""promptfoo assertion: evals.checks.tools over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("tools", context)
