"""promptfoo assertion: evals.checks.whatsapp_fit over the played scenario."""

from evals.assertions.grade import grade


def get_assert(output, context):
    return grade("whatsapp_fit", context)
