"""The composition root for in-process drivers: settings and profile in, an ``Assistant`` out.

Every outside-world client is chosen and built here, and nowhere deeper.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ava_core.agent.turn import Engine
from ava_core.assistant import Assistant
from ava_core.calendar import LocalCalendar
from ava_core.calendar.base import Calendar
from ava_core.channels import Channel, InProcessChannel
from ava_core.clock import Clock, SystemClock
from ava_core.errors import ConfigError
from ava_core.geo.factory import build_geo
from ava_core.ghl.calendars import GhlCalendar
from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.crm import CrmMirror
from ava_core.ghl.history import CrmHistory
from ava_core.ghl.http import GhlApi
from ava_core.knowledge.base import Knowledge
from ava_core.models.base import ChatModel
from ava_core.profile import Profile, load_profile
from ava_core.settings import Settings
from ava_core.store import Sealer, Store
from ava_core.store.crm import CrmRecords
from ava_core.tools import default_toolbox
from ava_core.web.factory import build_web
from ava_core.web.guard import Resolver


def build_store(settings: Settings) -> Store:
    key = settings.data_key.get_secret_value() if settings.data_key else None
    return Store(
        settings.db_path,
        network_share=settings.db_network_share,
        busy_timeout_ms=settings.db_busy_timeout_ms,
        sealer=Sealer(key),
    )


@dataclass
class Ghl:
    """The GoHighLevel pieces of one deployment, built on one API client."""

    api: GhlApi
    channel: GhlChannel
    contacts: GhlContacts
    crm: CrmMirror


def build_ghl(settings: Settings, profile: Profile, store: Store, clock: Clock,
              http: httpx.Client | None = None) -> Ghl | None:
    """GoHighLevel on the configured token and location; None when no token is set."""
    if settings.ghl_access_token is None:
        return None
    if not settings.ghl_location_id:
        raise ConfigError("AVA_GHL_ACCESS_TOKEN is set but AVA_GHL_LOCATION_ID is not: set the sub-account's "
                          "location id (Settings > Business Profile in GoHighLevel)")
    unknown = sorted(set(profile.crm.custom_fields) - {q.field for q in profile.qualification.questions})
    if unknown:
        raise ConfigError(f"profile crm.custom_fields maps {unknown}, which no qualification question asks; use "
                          f"one of {[q.field for q in profile.qualification.questions]}")
    api = GhlApi(client=http or httpx.Client(timeout=httpx.Timeout(20.0, connect=5.0)),
                 token=settings.ghl_access_token.get_secret_value(), location_id=settings.ghl_location_id,
                 base_url=settings.ghl_base_url)
    records = CrmRecords(store)
    channel = GhlChannel(api, reply_type_of=lambda to: records.reply_type("ghl", to),
                         email_subject=profile.business.name)
    contacts = GhlContacts(api)
    crm = CrmMirror(contacts, store, profile, clock, mirror_all=settings.ghl_contacts,
                    write_contacts=settings.ghl_contacts, history=CrmHistory(store, profile, clock, channel))
    return Ghl(api, channel, contacts, crm)


def build_calendar(settings: Settings, profile: Profile, store: Store, clock: Clock, ghl: Ghl | None) -> Calendar:
    """The local calendar, or the GoHighLevel calendar when AVA_CALENDAR_BACKEND=ghl."""
    if settings.calendar_backend == "local":
        return LocalCalendar(profile.booking, profile.tz, store, clock)
    if ghl is None or not settings.ghl_calendar_id:
        raise ConfigError("AVA_CALENDAR_BACKEND=ghl needs AVA_GHL_ACCESS_TOKEN, AVA_GHL_LOCATION_ID and "
                          "AVA_GHL_CALENDAR_ID")
    return GhlCalendar(ghl.api, calendar_id=settings.ghl_calendar_id, booking=profile.booking, tz=profile.tz,
                       store=store, contact_of=ghl.crm.contact_of)


def build_assistant(
    settings: Settings,
    *,
    profile: Profile | None = None,
    clock: Clock | None = None,
    model: ChatModel | None = None,
    store: Store | None = None,
    knowledge: Knowledge | None = None,
    channels: dict[str, Channel] | None = None,
    http: httpx.Client | None = None,
    resolver: Resolver | None = None,
    ghl: Ghl | None = None,
) -> Assistant:
    """An assistant on the configured backends; anything passed in replaces the default.

    ``http`` carries every outside request (GoHighLevel, Google Maps, search APIs, pages), and
    ``resolver`` answers the page fetcher's DNS lookups: tests and recorded scenarios pass both
    so nothing leaves the machine.
    """
    profile = profile or load_profile(settings.profile)
    clock = clock or SystemClock()
    store = store or build_store(settings)
    if model is None:
        from ava_core.models.registry import build_model

        def spent(conversation_id: str) -> int:
            totals = store.usage_totals(int(conversation_id))
            return int(totals["input_tokens"] + totals["output_tokens"])

        # The token budget reads the store, which every worker process shares.
        model = build_model(settings.model, settings, profile, spent=spent)
    if knowledge is None:
        from ava_core.knowledge.factory import build_knowledge

        knowledge = build_knowledge(settings, profile)
    ghl = ghl or build_ghl(settings, profile, store, clock, http)
    engine = Engine(
        profile=profile,
        store=store,
        model=model,
        toolbox=default_toolbox(),
        clock=clock,
        calendar=build_calendar(settings, profile, store, clock, ghl),
        geo=build_geo(settings, profile, store, clock, http=http),
        knowledge=knowledge,
        web=build_web(settings, profile, http=http, resolver=resolver),
        max_steps=settings.max_steps,
        prices=settings.model_prices,
    )
    if channels is None:
        channels = {name: InProcessChannel(name) for name in ("web", "whatsapp", "ghl")}
    return Assistant(engine, channels, crm=ghl.crm if ghl is not None else None)
