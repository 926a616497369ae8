"""promptfoo assertion: evals.checks.answers over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("answers", context)
