"""The worker process's services (settings, the Assistant, the WhatsApp channel), built once.

Nothing is built at import, so importing ``function_app`` touches neither disk nor network;
the first webhook or activity builds them from ``AVA_`` settings. Tests hand in their own
with ``runtime.use(...)``. Activities and webhooks share this one instance per worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ava_core.app import build_assistant, build_ghl, build_store
from ava_core.assistant import Assistant
from ava_core.channels.voice import Transcriber, build_transcriber
from ava_core.channels.whatsapp import Template, WhatsAppChannel
from ava_core.clock import SystemClock
from ava_core.ghl.crm import CrmMirror
from ava_core.logging import configure_logging
from ava_core.profile import load_profile
from ava_core.settings import Settings


@dataclass
class Services:
    settings: Settings
    assistant: Assistant
    whatsapp: WhatsAppChannel | None = None
    transcriber: Transcriber | None = None
    crm: CrmMirror | None = None  # GoHighLevel as CRM, when AVA_GHL_ACCESS_TOKEN is set


def build_services(settings: Settings, http: httpx.Client | None = None) -> Services:
    """Everything the Functions app talks to, on the configured backends (``http``: one client for all)."""
    configure_logging(settings.log_level, json_lines=settings.log_json, settings=settings)
    store = build_store(settings)
    http = http or httpx.Client(timeout=httpx.Timeout(20.0, connect=5.0))
    profile, clock = load_profile(settings.profile), SystemClock()
    whatsapp = None
    if settings.whatsapp_access_token and settings.whatsapp_phone_number_id:
        whatsapp = WhatsAppChannel(
            client=http,
            access_token=settings.whatsapp_access_token.get_secret_value(),
            phone_number_id=settings.whatsapp_phone_number_id,
            api_version=settings.whatsapp_api_version,
            template=settings.whatsapp_template_name,
            template_language=settings.whatsapp_template_language,
            templates={code: Template(t.name, t.language)
                       for code, t in profile.whatsapp.reengagement_templates.items()},
            last_inbound=lambda to: store.last_inbound_at("whatsapp", to),
        )
    channels: dict = {"whatsapp": whatsapp} if whatsapp else {}
    ghl = build_ghl(settings, profile, store, clock, http)
    if ghl is not None:
        channels["ghl"] = ghl.channel
    assistant = build_assistant(settings, profile=profile, clock=clock, store=store, channels=channels, http=http,
                                ghl=ghl)
    return Services(settings, assistant, whatsapp, build_transcriber(settings, http), crm=assistant.crm)


class Runtime:
    """Lazily built, thread-safe holder of the settings and services."""

    def __init__(self, build: Callable[[Settings], Services] = build_services):
        self._build = build
        self._settings: Settings | None = None
        self._services: Services | None = None
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        """Only the settings: enough to verify a webhook without opening the store."""
        if self._services is not None:
            return self._services.settings
        if self._settings is None:
            self._settings = Settings()
        return self._settings

    def services(self) -> Services:
        if self._services is None:
            with self._lock:
                if self._services is None:
                    self._services = self._build(self.settings())
        return self._services

    def use(self, services: Services | None) -> None:
        """Replace the services (tests); None goes back to building them from settings."""
        with self._lock:
            self._services = services
            self._settings = services.settings if services else None


runtime = Runtime()
