"""promptfoo assertion: evals.checks.language over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("language", context)
