"""Run the promptfoo suite offline-safe and turn its JSON into the results table.

`python -m evals.run [promptfoo eval args…]` runs evals/node_modules/.bin/promptfoo with
telemetry, update checks, sharing and remote generation off, its state in evals/.promptfoo,
Python from this interpreter, and the closing telemetry post sent to a closed port; then it
writes evals/results/<stamp>.json and a Markdown summary beside it (pass rate per assertion
kind, tokens, cost and latency per model). The exit code is promptfoo's: 100 on a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROMPTFOO = ROOT / "evals" / "node_modules" / ".bin" / "promptfoo"
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: a stray post fails at once instead of hanging on DNS


def promptfoo_env() -> dict[str, str]:
    return {
        **os.environ,
        "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_DISABLE_SHARING": "1", "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
        "PROMPTFOO_CONFIG_DIR": str(ROOT / "evals" / ".promptfoo"),
        "PROMPTFOO_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "HTTPS_PROXY": CLOSED_PORT, "HTTP_PROXY": CLOSED_PORT, "NO_PROXY": "localhost,127.0.0.1",
    }


def configured_models() -> list[str]:
    """The playbook, and every model provider whose key is set."""
    from ava_core.settings import Settings

    settings = Settings()
    keys = {"azure": settings.azure_openai_api_key, "anthropic": settings.anthropic_api_key,
            "openai_compatible": settings.openai_compatible_api_key}
    return ["playbook", *(name for name, key in keys.items() if key)]


def run(config: Path, output: Path, *extra: str) -> int:
    if not PROMPTFOO.exists():
        raise SystemExit(f"{PROMPTFOO} is missing: run `make evals` (it installs the pinned promptfoo)")
    output.parent.mkdir(parents=True, exist_ok=True)
    models = "|".join(configured_models())
    command = [str(PROMPTFOO), "eval", "-c", str(config), "--no-write", "--no-cache", "--no-progress-bar",
               "--filter-providers", f"^({models})$", "-o", str(output), *extra]
    return subprocess.run(command, cwd=ROOT, env=promptfoo_env(), check=False).returncode


def summary(output: Path) -> str:
    """The Markdown table of one run: per model, the pass rate of each assertion kind and the costs."""
    rows = json.loads(output.read_text(encoding="utf-8"))["results"]["results"]
    passes: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        model = row["provider"].get("label") or row["provider"]["id"]
        for part in (row.get("gradingResult") or {}).get("componentResults", []):
            kind = part.get("assertion", {}).get("metric") or part.get("assertion", {}).get("type", "?")
            passes[model][kind].append(bool(part["pass"]) and part.get("score", 1) == 1)
        usage = (row.get("response") or {}).get("tokenUsage") or {}
        totals[model]["scenarios"] += 1
        totals[model]["tokens"] += usage.get("total", 0) or 0
        totals[model]["cost"] += row.get("cost") or 0
        totals[model]["latency"] += row.get("latencyMs") or 0
    kinds = sorted({k for per in passes.values() for k in per})
    lines = ["| model | scenarios | " + " | ".join(kinds) + " | tokens | cost (USD) | mean latency (s) |",
             "|" + "---|" * (len(kinds) + 5)]
    for model, per in passes.items():
        t = totals[model]
        rates = [f"{sum(per[k])}/{len(per[k])}" if per[k] else "–" for k in kinds]
        lines.append(f"| {model} | {int(t['scenarios'])} | " + " | ".join(rates)
                     + f" | {int(t['tokens'])} | {t['cost']:.4f} | {t['latency'] / max(t['scenarios'], 1) / 1000:.1f} |")
    return ("# AVA evals\n\nA cell counts the scenarios that passed that check outright; a known gap "
            "(see evals/README.md) counts as not passed.\n\n" + "\n".join(lines) + "\n")


def graded(config: Path, grader: str) -> Path:
    """The config with the tone rubric (evals/rubric.md) added as an llm-rubric assertion, graded
    by ``grader`` (a promptfoo provider id, e.g. anthropic:messages:claude-sonnet-4-5, or a
    file://….py provider). Written beside the config so its relative paths still hold."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    default = data.setdefault("defaultTest", {})
    default.setdefault("options", {})["provider"] = grader
    rubric = (ROOT / "evals" / "rubric.md").read_text(encoding="utf-8")
    default.setdefault("assert", []).append({"type": "llm-rubric", "value": rubric, "metric": "tone"})
    path = config.with_name(".graded-" + config.name)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    config = Path(os.environ.get("AVA_EVALS_CONFIG", ROOT / "evals" / "promptfooconfig.yaml"))
    if grader := os.environ.get("AVA_EVALS_GRADER"):  # tone is only judged when a grader is configured
        config = graded(config, grader)
    output = ROOT / "evals" / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    code = run(config, output, *argv)
    if output.exists():
        table = summary(output)
        output.with_suffix(".md").write_text(table, encoding="utf-8")
        print(table)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
