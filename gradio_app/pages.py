"""The workbench tabs of the R&D site, wired to ``gradio_app.lab``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import gradio as gr

from ava_core.errors import AvaError
from gradio_app import conversations, lab
from gradio_app.settings import SiteSettings
from gradio_app.site import Site, saved_dir
from gradio_app.uploads import FORMATS, Uploads, uploads_dir


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
    uploads = Uploads(site.engines, uploads_dir(site.engines), max_bytes=int(site_settings.upload_max_mb * 2**20),
                      on_knowledge=site.use_knowledge)
    with gr.Tab("Knowledge"):
        query = gr.Textbox(label="Search as a lead would ask", elem_id="knowledge-query")
        hits = gr.Dataframe(headers=["score", "kind", "source", "passage"], wrap=True, interactive=False,
                            elem_id="knowledge-hits")
        with gr.Accordion("Upload documents or objection pairs", open=True):
            files = gr.File(file_count="multiple", type="filepath", elem_id="knowledge-files",
                            label=f"{FORMATS}; up to {site_settings.upload_max_mb:g} MB each")
            ingest = gr.Button("Ingest", variant="primary", elem_id="knowledge-ingest")
            ingested = gr.Dataframe(headers=["file", "result", "detail"], wrap=True, interactive=False,
                                    elem_id="knowledge-ingested")
        default_eval = next((str(p) for p in (Path("examples/knowledge/eval.yaml"),) if p.exists()), "")
        eval_path = gr.Textbox(default_eval, label="Eval file (labelled messages)")
        run_eval = gr.Button("Run the eval (recall@1, recall@3, MRR)")
        scores = gr.Markdown()

        def search(q):
            try:
                return lab.search_rows(site.engines, q)
            except AvaError as exc:
                _fail(exc)

        def upload(paths, progress=gr.Progress()):
            try:
                results = uploads.ingest([(Path(p), Path(p).name) for p in paths or []],
                                         lambda share, what: progress(share, desc=what))
            except AvaError as exc:
                _fail(exc)
            failed = [r for r in results if not r.ok]
            if failed:
                gr.Warning("Not ingested: " + "; ".join(r.detail for r in failed))
            rows = [[r.name, "ingested" if r.ok else "refused", r.detail] for r in results]
            return rows, None

        def evaluate(path):
            try:
                return lab.eval_markdown(site.engines, Path(path))
            except (AvaError, OSError) as exc:
                _fail(exc)

        query.submit(search, query, hits)
        ingest.click(upload, files, [ingested, files])
        run_eval.click(evaluate, eval_path, scores)


def conversations_tab(site: Site) -> None:
    engines = site.engines
    with gr.Tab("Conversations"):
        with gr.Row():
            days = gr.Slider(1, 365, value=30, step=1, label="Last days")
            refresh = gr.Button("Refresh", elem_id="conversations-refresh")
        funnel = gr.Dataframe(headers=["step", "conversations", "from previous"], interactive=False)
        with gr.Row():
            text = gr.Textbox(label="Lead name or phone", scale=3, elem_id="conversations-search")
            outcome = gr.Dropdown(conversations.OUTCOMES, value="any", label="Outcome", scale=1)
            reveal = gr.Checkbox(False, label="Reveal phone numbers", scale=1)
        listing = gr.Dataframe(headers=conversations.LIST_HEADERS, interactive=False, elem_id="conversations")
        with gr.Row():
            chosen = gr.Number(None, label="Conversation id (or click a row)", precision=0, elem_id="conversation-id")
            show = gr.Button("Open", elem_id="conversation-open")
        header = gr.Markdown(elem_id="conversation-header")
        with gr.Row():
            with gr.Column(scale=1):
                transcript = gr.Markdown(elem_id="conversation-transcript")
            with gr.Column(scale=1):
                trace = gr.Dataframe(headers=conversations.TRACE_HEADERS, wrap=True, interactive=False,
                                     label="Trace, turn by turn", elem_id="conversation-trace", max_height=900)

        def browse(d, text, outcome, reveal):
            found = conversations.find(engines, days=int(d), text=text or "", outcome=outcome)
            return lab.funnel_rows(engines, int(d)), conversations.list_rows(engines, found, reveal=reveal)

        def open_one(conversation_id, reveal):
            if conversation_id is None:
                raise gr.Error("give a conversation id, or click a row of the list")
            try:
                return conversations.open_conversation(engines, int(conversation_id), reveal=reveal)
            except AvaError as exc:
                _fail(exc)

        def pick(evt: gr.SelectData):
            return evt.row_value[0] if evt.row_value else gr.update()

        filters = [days, text, outcome, reveal]
        refresh.click(browse, filters, [funnel, listing])
        text.submit(browse, filters, [funnel, listing])
        outcome.change(browse, filters, [funnel, listing])
        listing.select(pick, None, chosen).then(open_one, [chosen, reveal], [header, transcript, trace])
        show.click(open_one, [chosen, reveal], [header, transcript, trace])
        # Revealing redraws what is on screen with or without the full numbers.
        reveal.change(browse, filters, [funnel, listing]).then(
            lambda c, r: open_one(c, r) if c is not None else (gr.update(), gr.update(), gr.update()),
            [chosen, reveal], [header, transcript, trace])
