"""The workbench tabs of the R&D site, wired to ``gradio_app.lab``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import gradio as gr

from ava_core.errors import AvaError
from gradio_app import lab
from gradio_app.settings import SiteSettings
from gradio_app.site import Site, saved_dir


def _fail(exc: Exception):
    raise gr.Error(str(exc)) from None


def scenarios_tab(site: Site, key: gr.State, reveal: gr.Checkbox) -> None:
    with gr.Tab("Scenarios"):
        files = gr.CheckboxGroup(lab.scenario_files(), label="Scenario files", elem_id="scenario-files")
        run = gr.Button("Run", variant="primary", elem_id="run-scenarios")
        table = gr.Dataframe(headers=["scenario", "result", "expectations"], wrap=True, interactive=False,
                             elem_id="scenario-results")
        transcript = gr.Markdown()
        with gr.Row():
            name = gr.Textbox(label="Save the current chat as a scenario named", scale=3)
            save = gr.Button("Save chat", scale=1)
        saved = gr.Markdown()

        def run_selected(paths, reveal):
            if not paths:
                raise gr.Error("pick at least one scenario file")
            results = lab.run_files(site.engines, paths)
            return lab.result_rows(results), lab.transcript_markdown(results, reveal=reveal)

        def save_chat(name, key):
            session = site.session(key)
            if session is None:
                raise gr.Error("no chat yet: talk to AVA in the Chat tab first")
            try:
                path = lab.save_scenario(lab.scenario_of(session, name.strip() or "saved chat"),
                                         saved_dir(site.engines))
            except (ValueError, AvaError) as exc:
                _fail(exc)
            return f"Saved `{path}`"

        run.click(run_selected, [files, reveal], [table, transcript])
        save.click(save_chat, [name, key], saved)


def compare_tab(site: Site) -> None:
    models = site.models()
    with gr.Tab("Compare"):
        with gr.Row():
            left = gr.Dropdown(models, value=models[0], label="Model A")
            right = gr.Dropdown(models, value=models[-1], label="Model B")
            now = gr.Textbox("2026-12-01 09:30", label="Clock")
        script = gr.Textbox("hi\nyes we own the house\nabout $210 a month\nroof is 6 years old\nfull sun\n78704\n"
                            "the first one", lines=8, label="Lead script, one message per line")
        run = gr.Button("Compare", variant="primary")
        table = gr.Dataframe(headers=["model", "outcome", "turns", "replies", "tokens", "cost $", "seconds"],
                             interactive=False)

        def compare(a, b, now, script):
            from gradio_app.site import parse_start

            try:
                start = parse_start(now, site.engines.profile.tz) or datetime.now(site.engines.profile.tz)
                return lab.compare(site.engines, script, [a, b], now=start)
            except (ValueError, AvaError) as exc:
                _fail(exc)

        run.click(compare, [left, right, now, script], table)


def knowledge_tab(site: Site, site_settings: SiteSettings) -> None:
    with gr.Tab("Knowledge"):
        query = gr.Textbox(label="Search as a lead would ask")
        hits = gr.Dataframe(headers=["score", "kind", "source", "passage"], wrap=True, interactive=False)
        default_eval = next((str(p) for p in (Path("examples/knowledge/eval.yaml"),) if p.exists()), "")
        eval_path = gr.Textbox(default_eval, label="Eval file (labelled messages)")
        run_eval = gr.Button("Run the eval (recall@1, recall@3, MRR)")
        scores = gr.Markdown()

        def search(q):
            try:
                return lab.search_rows(site.engines, q)
            except AvaError as exc:
                _fail(exc)

        def evaluate(path):
            try:
                return lab.eval_markdown(site.engines, Path(path))
            except (AvaError, OSError) as exc:
                _fail(exc)

        query.submit(search, query, hits)
        run_eval.click(evaluate, eval_path, scores)


def conversations_tab(site: Site) -> None:
    with gr.Tab("Conversations"):
        days = gr.Slider(1, 365, value=30, step=1, label="Last days")
        refresh = gr.Button("Refresh")
        funnel = gr.Dataframe(headers=["step", "conversations", "from previous"], interactive=False)
        refresh.click(lambda d: lab.funnel_rows(site.engines, int(d)), days, funnel)
