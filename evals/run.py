"""Run the promptfoo suite offline-safe and turn its JSON into the results table.

`python -m evals.run [promptfoo eval args…]` runs evals/node_modules/.bin/promptfoo with
telemetry, update checks, sharing and remote generation off, its state in evals/.promptfoo,
Python from this interpreter, and the closing telemetry post sent to a closed port; then it
writes evals/results/<stamp>.json and a Markdown summary beside it (pass rate per assertion
kind, known gaps, tokens, cost and latency per model). The exit code is promptfoo's: 100 on a
failure.

The models are the playbook and each one whose keys are set, or ``AVA_EVALS_MODELS`` (a comma
list, e.g. ``playbook`` to stay offline whatever keys the machine has). ``AVA_EVALS_GRADER``
adds the tone rubric, graded by AVA's own Azure OpenAI, Anthropic or OpenAI-compatible settings
(``azure``, ``anthropic``, ``openai_compatible``; ``AVA_EVALS_GRADER_MODEL`` picks another
deployment or model than AVA's) or by any promptfoo provider id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from ava_core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROMPTFOO = ROOT / "evals" / "node_modules" / ".bin" / "promptfoo"
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: a stray post fails at once instead of hanging on DNS


def promptfoo_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        **(extra or {}),
        "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_DISABLE_SHARING": "1", "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
        "PROMPTFOO_CONFIG_DIR": str(ROOT / "evals" / ".promptfoo"),
        "PROMPTFOO_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "HTTPS_PROXY": CLOSED_PORT, "HTTP_PROXY": CLOSED_PORT, "NO_PROXY": "localhost,127.0.0.1",
    }


def configured_models() -> list[str]:
    """``AVA_EVALS_MODELS`` when set; else the playbook and every model provider whose key is set."""
    from ava_core.settings import Settings

    if chosen := os.environ.get("AVA_EVALS_MODELS"):
        return [name.strip() for name in chosen.split(",") if name.strip()]
    settings = Settings()
    keys = {"azure": settings.azure_openai_api_key, "anthropic": settings.anthropic_api_key,
            "openai_compatible": settings.openai_compatible_api_key}
    return ["playbook", *(name for name, key in keys.items() if key)]


def run(config: Path, output: Path, *extra: str, env: dict[str, str] | None = None) -> int:
    """promptfoo on ``config``; ``env`` adds to its environment (a grader's key, never a file's)."""
    if not PROMPTFOO.exists():
        raise SystemExit(f"{PROMPTFOO} is missing: run `make evals` (it installs the pinned promptfoo)")
    output.parent.mkdir(parents=True, exist_ok=True)
    models = "|".join(configured_models())
    command = [str(PROMPTFOO), "eval", "-c", str(config), "--no-write", "--no-cache", "--no-progress-bar",
               "--filter-providers", f"^({models})$", "-o", str(output), *extra]
    return subprocess.run(command, cwd=ROOT, env=promptfoo_env(env), check=False).returncode


def summary(output: Path) -> str:
    """The Markdown table of one run: per model, the pass rate of each assertion kind and the costs."""
    rows = json.loads(output.read_text(encoding="utf-8"))["results"]["results"]
    passes: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    gaps: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "closed": 0})
    for row in rows:
        model = row["provider"].get("label") or row["provider"]["id"]
        for part in (row.get("gradingResult") or {}).get("componentResults", []):
            kind = part.get("assertion", {}).get("metric") or part.get("assertion", {}).get("type", "?")
            if kind == "known_gap":  # about the scenario, not a check: counted on its own
                gaps[model]["open"] += part.get("score", 1) == 0.5
                gaps[model]["closed"] += not part["pass"]
                continue
            passes[model][kind].append(bool(part["pass"]) and part.get("score", 1) == 1)
        usage = (row.get("response") or {}).get("tokenUsage") or {}
        totals[model]["scenarios"] += 1
        totals[model]["tokens"] += usage.get("total", 0) or 0
        totals[model]["cost"] += row.get("cost") or 0
        totals[model]["latency"] += row.get("latencyMs") or 0
    kinds = sorted({k for per in passes.values() for k in per})
    lines = ["| model | scenarios | " + " | ".join(kinds) + " | known gaps | tokens | cost (USD) | mean latency (s) |",
             "|" + "---|" * (len(kinds) + 6)]
    for model, per in passes.items():
        t, gap = totals[model], gaps[model]
        rates = [f"{sum(per[k])}/{len(per[k])}" if per[k] else "–" for k in kinds]
        closed = f", {gap['closed']} closed" if gap["closed"] else ""
        lines.append(f"| {model} | {int(t['scenarios'])} | " + " | ".join(rates) + f" | {gap['open']}{closed}"
                     + f" | {int(t['tokens'])} | {t['cost']:.4f} | {t['latency'] / max(t['scenarios'], 1) / 1000:.1f} |")
    return ("# AVA evals\n\nA cell counts the scenarios that passed that check outright; a known gap "
            "(see evals/README.md) counts as not passed. Known gaps: those still open on the playbook; "
            "a closed one fails the run until its mark is removed.\n\n" + "\n".join(lines) + "\n")


GRADERS = ("azure", "anthropic", "openai_compatible")


def grader(name: str, settings: Settings | None = None) -> tuple[str | dict, dict[str, str]]:
    """The promptfoo provider that grades the tone rubric, and what its environment needs.

    ``azure``, ``anthropic`` and ``openai_compatible`` grade with the model AVA is configured for
    (``AVA_EVALS_GRADER_MODEL`` names another deployment or model); the key goes to promptfoo's
    environment only, never into a file. Anything else is a promptfoo provider id as it stands
    (e.g. ``file://grader.py``, with that provider's own keys)."""
    from ava_core.settings import Settings

    if name not in GRADERS:
        return name, {}
    settings = settings or Settings()
    model = os.environ.get("AVA_EVALS_GRADER_MODEL")
    if name == "azure":
        deployment = model or settings.azure_openai_chat_deployment
        if not (settings.azure_openai_endpoint and deployment):
            raise SystemExit("AVA_EVALS_GRADER=azure needs AVA_AZURE_OPENAI_ENDPOINT and "
                             "AVA_AZURE_OPENAI_CHAT_DEPLOYMENT (or AVA_EVALS_GRADER_MODEL)")
        key = None if settings.azure_openai_use_entra_id else settings.azure_openai_api_key
        # Without a key (or with AVA_AZURE_OPENAI_USE_ENTRA_ID) promptfoo signs in with Entra ID (AZURE_CLIENT_ID/SECRET/TENANT_ID or `az login`).
        # promptfoo's Azure provider speaks the dated API, which every resource serves, so an
        # endpoint written for the v1 API (…/openai/v1) is taken back to the resource.
        resource = settings.azure_openai_endpoint.rstrip("/").removesuffix("/openai/v1")
        config = {"apiBaseUrl": resource, "apiVersion": settings.azure_openai_api_version,
                  **({"apiKeyEnvar": "AVA_AZURE_OPENAI_API_KEY"} if key else {})}
        env = {"AVA_AZURE_OPENAI_API_KEY": key.get_secret_value()} if key else {}
        return {"id": f"azure:chat:{deployment}", "config": config}, env
    if name == "anthropic":
        if settings.anthropic_api_key is None:
            raise SystemExit("AVA_EVALS_GRADER=anthropic needs AVA_ANTHROPIC_API_KEY")
        return ({"id": f"anthropic:messages:{model or settings.anthropic_model}"},
                {"ANTHROPIC_API_KEY": settings.anthropic_api_key.get_secret_value()})
    model = model or settings.openai_compatible_model
    if not (settings.openai_compatible_base_url and model):
        raise SystemExit("AVA_EVALS_GRADER=openai_compatible needs AVA_OPENAI_COMPATIBLE_BASE_URL and "
                         "AVA_OPENAI_COMPATIBLE_MODEL (or AVA_EVALS_GRADER_MODEL)")
    key = settings.openai_compatible_api_key
    config = {"apiBaseUrl": settings.openai_compatible_base_url.rstrip("/"),
              **({"apiKeyEnvar": "AVA_OPENAI_COMPATIBLE_API_KEY"} if key else {"apiKeyRequired": False})}
    env = {"AVA_OPENAI_COMPATIBLE_API_KEY": key.get_secret_value()} if key else {}
    return {"id": f"openai:chat:{model}", "config": config}, env


def graded(config: Path, provider: str | dict) -> Path:
    """The config with the tone rubric (evals/rubric.md) added as an llm-rubric assertion, graded
    by ``provider`` (promptfoo's ``defaultTest.options.provider``: an id or ``{id, config}``).
    Written beside the config so its relative paths still hold."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    default = data.setdefault("defaultTest", {})
    default.setdefault("options", {})["provider"] = provider
    rubric = (ROOT / "evals" / "rubric.md").read_text(encoding="utf-8")
    default.setdefault("assert", []).append({"type": "llm-rubric", "value": rubric, "metric": "tone"})
    path = config.with_name(".graded-" + config.name)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    config = Path(os.environ.get("AVA_EVALS_CONFIG", ROOT / "evals" / "promptfooconfig.yaml"))
    env: dict[str, str] = {}
    if name := os.environ.get("AVA_EVALS_GRADER"):  # tone is only judged when a grader is configured
        provider, env = grader(name)
        config = graded(config, provider)
    output = ROOT / "evals" / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    code = run(config, output, *argv, env=env)
    if output.exists():
        table = summary(output)
        output.with_suffix(".md").write_text(table, encoding="utf-8")
        print(table)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
