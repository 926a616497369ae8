"""``GET /api/health``: version, whether the store answers, which providers are configured,
and whether the knowledge base can be searched (if not, why and the fix).

Names only, never a key: safe for an uptime probe. 503 when the store does not answer or
the settings cannot be loaded.
"""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func
from pydantic import ValidationError

from activities.runtime import runtime
from ava_core import __version__
from ava_core.errors import AvaError
from ava_core.knowledge.base import knowledge_status

bp = df.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    """What a probe needs to know, without secrets."""
    try:
        services = runtime.services()
    except ValidationError as exc:  # its message could echo a value: name the settings only
        fields = ", ".join(sorted({f"AVA_{str(e['loc'][0]).upper()}" for e in exc.errors() if e["loc"]}))
        return _json(503, {"status": "error", "version": __version__, "error": f"invalid settings: {fields}"})
    except AvaError as exc:
        return _json(503, {"status": "error", "version": __version__, "error": str(exc)})
    settings = services.settings
    store_ok = services.assistant.store.ping()
    return _json(200 if store_ok else 503, {
        "status": "ok" if store_ok else "degraded",
        "version": __version__,
        "store": store_ok,
        "model": settings.model,
        "providers": settings.configured_providers(),
        "channels": sorted(services.assistant.channels),
        "voice_notes": "transcribed" if services.transcriber else "ask to type",
        # Not part of "status": leads still get answers without it, but objections get the fallback reply.
        "knowledge": knowledge_status(services.assistant.engine.knowledge).model_dump(exclude_none=True),
    })


def _json(status: int, body: dict) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json")
