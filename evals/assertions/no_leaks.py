"""promptfoo assertion: evals.checks.no_leaks over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("no_leaks", context)
