"""promptfoo assertion: evals.checks.no_promises over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("no_promises", context)
