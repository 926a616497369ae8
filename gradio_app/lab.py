"""The site's workbench pages without Gradio: scenario runs, saving a chat as a scenario,
comparing two models on one script, knowledge search and eval, the funnel."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from ava_core.errors import AvaError
from ava_core.scenario import (
    Expect,
    Lead,
    Scenario,
    ScenarioResult,
    ScenarioTurn,
    load_scenario,
    run_scenario,
)
from gradio_app.session import CHANNEL, Engines, LeadSession
from gradio_app.site import mask_text

SCENARIO_FOLDERS = (Path("examples/scenarios"), Path("evals"))


def scenario_files(folders: tuple[Path, ...] = SCENARIO_FOLDERS) -> list[str]:
    return sorted(str(p) for folder in folders if folder.is_dir() for p in folder.glob("*.yaml"))


def run_files(engines: Engines, paths: list[str]) -> list[tuple[str, ScenarioResult | str]]:
    """Each file's result, or the sentence saying why it could not run."""
    results: list[tuple[str, ScenarioResult | str]] = []
    for path in paths:
        try:
            results.append((path, run_scenario(load_scenario(path), engines.settings)))
        except AvaError as exc:
            results.append((path, str(exc)))
    return results


def result_rows(results: list[tuple[str, ScenarioResult | str]]) -> list[list[str]]:
    rows = []
    for path, result in results:
        if isinstance(result, str):
            rows.append([Path(path).name, "error", result])
        else:
            rows.append([Path(path).name, "passed" if result.passed else "failed",
                         "; ".join(result.failures) or "every expectation held"])
    return rows


def transcript_markdown(results: list[tuple[str, ScenarioResult | str]], *, reveal: bool) -> str:
    parts = []
    for _, result in results:
        if isinstance(result, str):
            continue
        parts.append(f"### {result.name} — {'passed' if result.passed else 'failed'}")
        parts += [f"- **{'lead' if t['role'] == 'user' else 'AVA'}**: {mask_text(t['text'], reveal=reveal)}"
                  for t in result.transcript]
    return "\n".join(parts)


def scenario_of(session: LeadSession, name: str) -> Scenario:
    """The chat so far in the standard scenario format, expecting what happened."""
    if not session.turns:
        raise ValueError("say something first: an empty chat makes no scenario")
    outcome = session.turns[-1].trace.outcome
    engine = session.assistant.engine
    # The turns' spacing is not kept, so the scenario starts where the last message stood.
    start = engine.clock.now().astimezone(engine.profile.tz) - timedelta(minutes=2 * len(session.turns))
    expect = Expect(booked=outcome.booked, handoff=outcome.handoff, opted_out=outcome.opted_out,
                    **({"qualified": outcome.qualified} if outcome.qualified is not None else {}))
    return Scenario(name=name, now=start.replace(microsecond=0), channel=CHANNEL,
                    lead=Lead(name=session.name or None, phone=session.phone or None),
                    model=session.model,
                    turns=[ScenarioTurn(user=t.user) for t in session.turns], expect=expect)


def save_scenario(scenario: Scenario, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.casefold()).strip("-") or "chat"
    path = folder / f"{slug}.yaml"
    data = scenario.model_dump(mode="json", exclude_defaults=True, exclude={"expect"})
    data["now"] = scenario.now.isoformat()
    data["expect"] = scenario.expect.model_dump(exclude_unset=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def compare(engines: Engines, script: str, models: list[str], *, now: datetime) -> list[list]:
    """The same lead lines on each model: outcome, turns, tokens, cost and wall time."""
    lines = [line.strip() for line in script.splitlines() if line.strip()]
    if not lines:
        raise ValueError("write the lead's messages, one per line")
    rows = []
    for model in models:
        scenario = Scenario(name=f"compare on {model}", now=now, channel=CHANNEL, model=model,
                            lead=Lead(name="Jordan", phone="+15125550199"),
                            turns=[ScenarioTurn(user=line) for line in lines])
        started = time.perf_counter()
        result = run_scenario(scenario, engines.settings)
        seconds = time.perf_counter() - started
        o = result.outcome
        outcome = ("opted out" if o.opted_out else "hand-off" if o.handoff else "booked" if o.booked
                   else {True: "qualified", False: "disqualified"}.get(o.qualified, "qualifying"))
        replies = sum(1 for t in result.transcript if t["role"] == "assistant")
        rows.append([model, outcome, len(lines), replies,
                     int(result.usage.get("input_tokens", 0) + result.usage.get("output_tokens", 0)),
                     round(result.usage.get("cost_usd", 0.0), 5), round(seconds, 2)])
    return rows


def search_rows(engines: Engines, query: str, limit: int = 5) -> list[list]:
    if not query.strip():
        return []
    return [[round(p.score, 3), p.kind, p.source, (p.response or p.text)[:300]]
            for p in engines.knowledge.search(query, limit=limit)]


def eval_markdown(engines: Engines, path: Path) -> str:
    from ava_core.knowledge.evaluation import evaluate, load_eval

    profile = engines.profile
    report = evaluate(engines.knowledge, load_eval(path), threshold=profile.knowledge.objection_threshold,
                      profile=profile)
    return (f"{report.cases} labelled messages from `{path}`\n\n| recall@1 | recall@3 | MRR |\n|---|---|---|\n"
            f"| {report.recall_at_1:.3f} | {report.recall_at_3:.3f} | {report.mrr:.3f} |")


def funnel_rows(engines: Engines, since_days: int = 30) -> list[list]:
    from ava_core.report import funnel_report
    from gradio_app.conversations import window

    since, until = window(engines, since_days)
    report = funnel_report(engines.store, engines.profile, since=since, until=until)
    rows = [[s.name, s.conversations, "" if s.rate_from_previous is None else f"{s.rate_from_previous:.0%}"]
            for s in report.funnel]
    return rows + [["handed off", report.handoffs, ""], ["opted out", report.opted_out, ""]]
