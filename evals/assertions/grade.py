"""The one bridge from a promptfoo assertion to a check of evals/checks.py."""

from __future__ import annotations

from evals.checks import CHECKS, Played


def grade(kind: str, context: dict) -> dict:
    metadata = (context.get("providerResponse") or {}).get("metadata") or {}
    played = Played.from_metadata(metadata["scenario"], metadata)
    failures = CHECKS[kind](played)
    gap = metadata.get("known_gap")
    if failures and gap:  # the scenario says why the offline playbook falls short; the row still shows it
        return {"pass": True, "score": 0.5, "reason": f"known gap ({gap}): " + "; ".join(failures)}
    return {"pass": not failures, "score": 0.0 if failures else 1.0,
            "reason": "; ".join(failures) or f"{kind}: ok"}
