"""The composition root for in-process drivers: settings and profile in, an ``Assistant`` out.

Every outside-world client is chosen and built here, and nowhere deeper.
"""

from __future__ import annotations

import httpx

from ava_core.agent.turn import Engine
from ava_core.assistant import Assistant
from ava_core.calendar import LocalCalendar
from ava_core.channels import Channel, InProcessChannel
from ava_core.clock import Clock, SystemClock
from ava_core.geo.factory import build_geo
from ava_core.knowledge.base import Knowledge
from ava_core.models.base import ChatModel
from ava_core.profile import Profile, load_profile
from ava_core.settings import Settings
from ava_core.store import Sealer, Store
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
) -> Assistant:
    """An assistant on the configured backends; anything passed in replaces the default.

    ``http`` carries Google Maps, search-API and page requests, and ``resolver`` answers the
    page fetcher's DNS lookups: tests and recorded scenarios pass both so nothing leaves the machine.
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
    engine = Engine(
        profile=profile,
        store=store,
        model=model,
        toolbox=default_toolbox(),
        clock=clock,
        calendar=LocalCalendar(profile.booking, profile.tz, store, clock),
        geo=build_geo(settings, profile, store, clock, http=http),
        knowledge=knowledge,
        web=build_web(settings, profile, http=http, resolver=resolver),
        max_steps=settings.max_steps,
        prices=settings.model_prices,
    )
    if channels is None:
        channels = {name: InProcessChannel(name) for name in ("web", "whatsapp", "ghl")}
    return Assistant(engine, channels)
