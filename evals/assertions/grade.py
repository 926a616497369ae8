"""The one bridge from a promptfoo assertion to a check of evals/checks.py.

A scenario's ``known_gap`` says why the offline playbook cannot yet play it as a skilled
setter would, so it holds for the playbook alone: there a check that falls short passes
with a score of 0.5 and the reason, and ``known_gap`` (its own assertion) fails the day
every check passes, so the mark is removed, as pytest's strict expected failure does. A
real model is judged on every check as written.
"""

from __future__ import annotations

from evals.checks import CHECKS, Played


def _played(context: dict) -> tuple[Played, dict]:
    metadata = (context.get("providerResponse") or {}).get("metadata") or {}
    return Played.from_metadata(metadata["scenario"], metadata), metadata


def _gap(metadata: dict) -> str | None:
    return metadata.get("known_gap") if metadata.get("model") == "playbook" else None


def grade(kind: str, context: dict) -> dict:
    played, metadata = _played(context)
    failures = CHECKS[kind](played)
    if failures and (gap := _gap(metadata)):  # the row still shows what falls short
        return {"pass": True, "score": 0.5, "reason": f"known gap ({gap}): " + "; ".join(failures)}
    return {"pass": not failures, "score": 0.0 if failures else 1.0,
            "reason": "; ".join(failures) or f"{kind}: ok"}


def grade_known_gap(context: dict) -> dict:
    """Fails when a scenario marked as a known gap passes every check: the mark is stale."""
    played, metadata = _played(context)
    gap = _gap(metadata)
    if gap is None:
        return {"pass": True, "score": 1.0, "reason": "no known gap for this model"}
    short = [kind for kind, check in CHECKS.items() if check(played)]
    if short:
        return {"pass": True, "score": 0.5, "reason": f"known gap still open ({gap}): {', '.join(short)}"}
    return {"pass": False, "score": 0.0,
            "reason": f"the known gap is closed, every check passes: remove known_gap from {metadata['scenario']}"}
