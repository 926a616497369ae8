"""promptfoo assertion: a scenario marked known_gap that now passes every check fails the run."""

from evals.assertions.grade import grade_known_gap


def get_assert(output, context):
    return grade_known_gap(context)
