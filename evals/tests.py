"""The promptfoo test cases: one per scenario file of the persona suite, nothing restated.

``AVA_EVALS_SCENARIOS`` (a glob, relative to the repository or absolute) narrows the run, e.g.
to one file, or plays another set of scenario files.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from ava_core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def generate_tests(config=None) -> list[dict]:
    pattern = os.environ.get("AVA_EVALS_SCENARIOS", "evals/scenarios/*.yaml")
    tests = []
    for path in sorted(Path(p) for p in glob.glob(str(ROOT / pattern))):
        scenario = load_scenario(path)
        tests.append({
            "description": scenario.name,
            "vars": {"scenario": named(path)},
            "metadata": {"known_gap": scenario.known_gap or ""},
        })
    return tests


def named(path: Path) -> str:
    """A scenario file as the results name it: from the repository when it lies inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
