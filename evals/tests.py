"""The promptfoo test cases: one per scenario file of the persona suite, nothing restated.

``AVA_EVALS_SCENARIOS`` (a glob relative to the repository) narrows the run, e.g. to one file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ava_core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def generate_tests(config=None) -> list[dict]:
    pattern = os.environ.get("AVA_EVALS_SCENARIOS", "evals/scenarios/*.yaml")
    tests = []
    for path in sorted(ROOT.glob(pattern)):
        scenario = load_scenario(path)
        tests.append({
            "description": scenario.name,
            "vars": {"scenario": str(path.relative_to(ROOT))},
            "metadata": {"known_gap": scenario.known_gap or ""},
        })
    return tests
