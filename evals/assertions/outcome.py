"""promptfoo assertion: evals.checks.outcome over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("outcome", context)
