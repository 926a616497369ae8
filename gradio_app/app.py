"""The R&D site's pages: Gradio Blocks wired to ``gradio_app.site`` (``python -m gradio_app.app``)."""

from __future__ import annotations

import os

# Gradio reports to its analytics host at start unless told not to, before any Blocks is built.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import time  # noqa: E402

import gradio as gr  # noqa: E402

from ava_core.errors import AvaError  # noqa: E402
from gradio_app.proxy_auth import RequirePrincipal, principal_name, request_user  # noqa: E402
from gradio_app.security import Authenticator, check_login  # noqa: E402
from gradio_app.settings import SiteSettings  # noqa: E402
from gradio_app.site import (  # noqa: E402
    Site,
    bubble_markdown,
    outcome_markdown,
    play_seconds,
    trace_rows,
)

QUICK_REPLIES = 5
TRACE_HEADERS = ["kind", "name", "detail", "ok", "ms", "tokens", "cost"]


def build_blocks(site: Site, site_settings: SiteSettings) -> gr.Blocks:
    models = site.models()
    with gr.Blocks(title="AVA R&D", analytics_enabled=False) as demo:
        key = gr.State(None)
        with gr.Row():
            gr.Markdown("# AVA · R&D")
            signed_in = gr.Markdown(elem_id="signed-in")

        def who(request: gr.Request) -> str:
            return signed_in_markdown(request, site_settings)

        demo.load(who, None, signed_in)
        with gr.Tab("Chat"):
            with gr.Row():
                model = gr.Dropdown(models, value=models[0], label="Model")
                name = gr.Textbox("Jordan", label="Lead name")
                phone = gr.Textbox("+15125550142", label="Lead phone")
                start = gr.Textbox("now", label="Clock: now, or a date and time",
                                   placeholder="now · 2026-12-06 10:00 · next sunday 9am")
            with gr.Row():
                real_time = gr.Checkbox(site_settings.real_time, label="Play the paced delays in real time")
                reveal = gr.Checkbox(False, label="Reveal phone numbers")
                new_lead = gr.Button("New lead", variant="secondary")
            header = gr.Markdown()
            with gr.Row():
                with gr.Column(scale=1):
                    chat = gr.Chatbot(label="WhatsApp", height=520, elem_id="chat")
                    with gr.Row():
                        choices = [gr.Button(visible=False, size="sm", elem_classes="quick-reply")
                                   for _ in range(QUICK_REPLIES)]
                    with gr.Row():
                        text = gr.Textbox(placeholder="Write as the lead…", show_label=False, scale=4,
                                          elem_id="lead-text")
                        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Column(scale=1):
                    outcome = gr.Markdown(elem_id="outcome")
                    trace = gr.Dataframe(headers=TRACE_HEADERS, label="Trace (this turn)", wrap=True,
                                         elem_id="trace", interactive=False)

        def start_lead(model, name, phone, start, reveal):
            try:
                new_key = site.new_lead(model=model, name=name, phone=phone, start=start)
            except AvaError as exc:
                raise gr.Error(str(exc)) from None
            hidden = [gr.update(visible=False, value="") for _ in range(QUICK_REPLIES)]
            return [new_key, [], site.header(new_key, reveal=reveal), "", None, *hidden]

        def talk(message, key, history, real_time, reveal, model, name, phone, start):
            message = (message or "").strip()
            if not message:
                raise gr.Error("write something first")
            if site.session(key) is None:
                key = site.new_lead(model=model, name=name, phone=phone, start=start)
            history = [*(history or []), {"role": "user", "content": message}]
            hidden = [gr.update(visible=False) for _ in range(QUICK_REPLIES)]
            yield [key, history, site.header(key, reveal=reveal), "", gr.update(), "", *hidden]
            try:
                turn = site.send(key, message)
            except AvaError as exc:
                raise gr.Error(str(exc)) from None
            if turn is None:
                yield [key, history, site.header(key, reveal=reveal), "*(AVA stayed silent)*", gr.update(),
                       gr.update(), *hidden]
                return
            rows = trace_rows(turn, reveal=reveal)
            for bubble in turn.bubbles:
                time.sleep(play_seconds(bubble.delay_seconds, real_time=real_time))
                history = [*history, {"role": "assistant", "content": bubble_markdown(bubble.text,
                                                                                      bubble.delay_seconds)}]
                yield [key, history, site.header(key, reveal=reveal), outcome_markdown(turn), rows, gr.update(),
                       *hidden]
            quick = [gr.update(visible=i < len(turn.choices), value=turn.choices[i].title if i < len(turn.choices)
                               else "") for i in range(QUICK_REPLIES)]
            # The box was cleared once, above: the operator may already be typing the next message.
            yield [key, history, site.header(key, reveal=reveal), outcome_markdown(turn), rows, gr.update(), *quick]

        lead_inputs = [model, name, phone, start, reveal]
        outputs = [key, chat, header, outcome, trace, text, *choices]
        new_lead.click(start_lead, lead_inputs, [key, chat, header, outcome, trace, *choices])
        talk_inputs = [key, chat, real_time, reveal, model, name, phone, start]
        send.click(talk, [text, *talk_inputs], outputs)
        text.submit(talk, [text, *talk_inputs], outputs)
        for button in choices:  # a tapped quick reply arrives as its title, as WhatsApp sends it
            button.click(talk, [button, *talk_inputs], outputs)

        from gradio_app import pages

        pages.scenarios_tab(site, key, reveal)
        pages.compare_tab(site)
        pages.knowledge_tab(site, site_settings)
        pages.conversations_tab(site)
    return demo


def signed_in_markdown(request: gr.Request, site_settings: SiteSettings) -> str:
    """Who is using the site: the platform's signed-in identity, or the site's own login."""
    if site_settings.auth == "proxy":
        who = principal_name(request.headers)
    else:
        who = getattr(request, "username", None)
    return f"Signed in as **{who}**" if who else ""


def launch_options(site_settings: SiteSettings) -> dict:
    """How Gradio serves the site on its own: the login it asks for, and its upload limit."""
    return {
        "server_name": site_settings.host, "server_port": site_settings.port, "show_error": True,
        "max_file_size": int(site_settings.upload_max_mb * 2**20), "ssr_mode": False,
        "auth": Authenticator(site_settings.users) if site_settings.users else None,
    }


def proxied_app(demo: gr.Blocks, site_settings: SiteSettings):
    """The site behind the platform's sign-in (AVA_RD_AUTH=proxy): an app whose middleware answers
    401 to every request without the platform's identity, Gradio mounted inside it.

    Gradio's own ``launch`` calls the site over loopback while starting, without that identity;
    mounted, its start-up runs in the app's lifespan instead, so no request is let through.
    """
    from fastapi import FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.add_middleware(RequirePrincipal)
    return gr.mount_gradio_app(app, demo, path="/", auth_dependency=request_user, show_error=True,
                               max_file_size=int(site_settings.upload_max_mb * 2**20), ssr_mode=False)


def main() -> None:
    from ava_core.logging import configure_logging
    from ava_core.settings import Settings
    from gradio_app.session import build_engines

    site_settings = SiteSettings()
    check_login(site_settings.host, site_settings.users, site_settings.auth)  # before anything slow or listening
    configure_logging(quiet=True)
    site = Site(build_engines(Settings()))
    demo = build_blocks(site, site_settings).queue()
    if site_settings.auth == "proxy":
        import uvicorn

        print(f"* AVA R&D on http://{site_settings.host}:{site_settings.port}, signed in by the platform "
              "(AVA_RD_AUTH=proxy)", flush=True)
        uvicorn.run(proxied_app(demo, site_settings), host=site_settings.host, port=site_settings.port,
                    log_level="warning")
    else:
        demo.launch(**launch_options(site_settings))


if __name__ == "__main__":
    main()
