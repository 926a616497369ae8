"""The Azure Functions app: the composition root that registers every blueprint, nothing else.

    webhooks/       HTTP in: /api/whatsapp (GET handshake, POST messages), /api/ghl (GoHighLevel),
                    /api/health;
                    the sweeper timer that restarts conversations left waiting;
                    the nightly retention timer that archives idle conversations
    orchestrators/  the conversation orchestration: gather, think, pace, send; and the
                    re-engagement of a reply refused for WhatsApp's closed 24-hour window
    activities/     engine steps and sends, around ``ava_core``

Services (store, engine, WhatsApp channel) are built lazily on first use from ``AVA_``
settings (``activities/runtime.py``), so importing this module touches no disk or network.
"""

import azure.durable_functions as df
import azure.functions as func

from activities import delivery, turn
from activities import reengagement as reengagement_activity
from orchestrators import conversation, reengagement
from webhooks import ghl, health, retention, sweeper, whatsapp

# Webhooks declare their own (anonymous, signature-checked) auth; anything else needs a key.
app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (whatsapp.bp, ghl.bp, health.bp, sweeper.bp, retention.bp, conversation.bp, turn.bp, delivery.bp,
                  reengagement.bp, reengagement_activity.bp):
    app.register_functions(blueprint)
