"""promptfoo's provider for AVA: plays one whole scenario through the engine.

The test's ``scenario`` variable names the scenario file; the provider's ``model`` config
(playbook, azure, anthropic, openai_compatible) replaces the model the file names, so one
suite runs on every configured model. The output is the transcript; the metadata carries
the engine's full result (outcome, tool calls, usage) for the assertion files.
"""

from __future__ import annotations

import time
from pathlib import Path

from ava_core.scenario import load_scenario, run_scenario
from evals.tests import named

ROOT = Path(__file__).resolve().parents[1]


def call_api(prompt: str, options: dict, context: dict) -> dict:
    path = ROOT / context["vars"]["scenario"]  # an absolute path stays as it is
    scenario = load_scenario(path)
    model = (options.get("config") or {}).get("model")
    if model and scenario.model != "replay":  # a replayed script is its own model
        scenario = scenario.model_copy(update={"model": model})
    started = time.perf_counter()
    result = run_scenario(scenario)
    latency_ms = (time.perf_counter() - started) * 1000
    usage = result.usage
    prompt_tokens, completion_tokens = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
    return {
        "output": "\n".join(f"{t['role']}: {t['text']}" for t in result.transcript),
        "metadata": {"scenario": named(path), "model": scenario.model,
                     "known_gap": scenario.known_gap, "result": result.model_dump(mode="json")},
        "tokenUsage": {"prompt": prompt_tokens, "completion": completion_tokens,
                       "total": prompt_tokens + completion_tokens, "numRequests": int(usage.get("calls", 0))},
        "cost": usage.get("cost_usd", 0.0),
        "latencyMs": round(latency_ms),
    }
