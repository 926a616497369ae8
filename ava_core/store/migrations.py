"""Versioned schema. Each entry moves ``PRAGMA user_version`` up by one; never edit a shipped one."""

MIGRATIONS: list[str] = [
    # 1: the system of record for AVA's own state.
    """
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        external_key TEXT NOT NULL,          -- phone / CRM id, or its keyed hash when encrypted
        address TEXT NOT NULL,               -- where replies go (phone / CRM id); sealed when encrypted
        name TEXT,                           -- sealed when a data key is set
        phone TEXT,                          -- sealed when a data key is set
        opted_out_at TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (channel, external_key)
    );
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        channel TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'closed')),
        handoff_reason TEXT,
        summary TEXT,
        last_inbound_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX conversations_by_contact ON conversations(contact_id, status);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
        text TEXT NOT NULL DEFAULT '',       -- sealed when a data key is set
        kind TEXT NOT NULL DEFAULT 'text',
        tool_calls TEXT,                     -- JSON, assistant messages that called tools
        tool_call_id TEXT,
        tool_name TEXT,
        channel TEXT,
        channel_message_id TEXT,
        status TEXT,                         -- received | sent | delivered | read | failed
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX messages_channel_id ON messages(channel, channel_message_id)
        WHERE channel_message_id IS NOT NULL;
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE TABLE qualification_answers (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'unknown')),
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, field)
    );
    CREATE TABLE area_checks (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        query TEXT NOT NULL,
        in_area INTEGER,
        detail TEXT NOT NULL,
        checked_at TEXT NOT NULL
    );
    CREATE TABLE offered_slots (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        slot_id TEXT NOT NULL,
        start_utc TEXT NOT NULL,
        end_utc TEXT NOT NULL,
        label TEXT NOT NULL,
        offered_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, slot_id)
    );
    CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        calendar TEXT NOT NULL,
        slot_id TEXT NOT NULL,
        start_utc TEXT NOT NULL,
        end_utc TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
        external_id TEXT,
        link TEXT,
        link_sent_at TEXT,
        created_at TEXT NOT NULL
    );
    -- One booked appointment per calendar slot: two leads racing for it, exactly one wins.
    CREATE UNIQUE INDEX appointments_one_per_slot ON appointments(calendar, start_utc)
        WHERE status = 'booked';
    CREATE INDEX appointments_by_time ON appointments(calendar, start_utc, end_utc);
    CREATE TABLE tool_calls (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        turn_id TEXT NOT NULL,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        result TEXT NOT NULL,
        ok INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX tool_calls_by_conversation ON tool_calls(conversation_id, id);
    CREATE TABLE model_calls (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        turn_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        cost_usd REAL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX model_calls_by_conversation ON model_calls(conversation_id);
    CREATE TABLE processed_webhooks (
        channel TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (channel, delivery_id)
    );
    """,
    # 2: idempotent sends and voice notes that can be transcribed from the store alone.
    """
    -- A bubble is claimed under its key (turn id and bubble index) before the channel is called,
    -- so a retried send finds it and does not post it again.
    ALTER TABLE messages ADD COLUMN delivery_key TEXT;
    CREATE UNIQUE INDEX messages_delivery_key ON messages(conversation_id, delivery_key)
        WHERE delivery_key IS NOT NULL;
    -- The channel's media id of a voice note, image or document (WhatsApp keeps media 7 days).
    ALTER TABLE messages ADD COLUMN media_id TEXT;
    """,
    # 3: a turn's working state between durable activities, so only ids cross the durable boundary.
    """
    CREATE TABLE turn_states (
        turn_id TEXT PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        state TEXT NOT NULL,                 -- the turn as JSON (the lead's words, bubbles, tool calls); sealed
        updated_at TEXT NOT NULL
    );
    CREATE INDEX turn_states_by_conversation ON turn_states(conversation_id);
    CREATE INDEX turn_states_by_age ON turn_states(updated_at);
    """,
    # 4: geocoding answers cached so a conversation never pays twice for one address, and the
    # place a lead gave recorded with its area check.
    """
    CREATE TABLE geo_cache (
        kind TEXT NOT NULL,                  -- geocode | reverse | timezone | route
        key TEXT NOT NULL,                   -- the normalised query, as a keyed hash when encrypted
        payload TEXT NOT NULL,               -- the provider's JSON answer; sealed when encrypted
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    ALTER TABLE area_checks ADD COLUMN place TEXT;          -- JSON address, lat, lng; sealed when encrypted
    ALTER TABLE area_checks ADD COLUMN timezone TEXT;       -- the lead's IANA time zone
    ALTER TABLE area_checks ADD COLUMN distance_miles REAL;
    ALTER TABLE area_checks ADD COLUMN backend TEXT;        -- google | profile list
    """,
    # 5: GoHighLevel as channel and CRM: what AVA knows of each lead's CRM record.
    """
    CREATE TABLE crm_contacts (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),
        crm_contact_id TEXT NOT NULL,        -- the GoHighLevel contact id
        tags TEXT NOT NULL DEFAULT '[]',     -- JSON: outcome tags AVA added (added one by one, never replaced)
        fields TEXT NOT NULL DEFAULT '{}',   -- JSON: custom field values AVA wrote, to skip unchanged ones
        dnd_at TEXT,                         -- opt-out written as DND for the channel
        handed_off_at TEXT,                  -- the hand-off (assign, tag, task, note) was written
        updated_at TEXT NOT NULL
    );
    CREATE TABLE crm_conversations (
        conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
        crm_conversation_id TEXT,            -- the GoHighLevel conversation id
        reply_type TEXT,                     -- channel type of the lead's last message: SMS, WhatsApp, Email, ...
        paused_until TEXT,                   -- a person replied in the CRM: AVA is quiet until then
        summary TEXT,                        -- running summary of what left the local window (JSON)
        updated_at TEXT NOT NULL
    );
    """,
    # 6: a person's message in a CRM conversation is kept as the business team's ('team': neither
    # the lead's nor AVA's), and a conversation's older CRM history is read once. SQLite cannot
    # change a CHECK constraint in place, so the messages table is rebuilt with every row kept.
    """
    CREATE TABLE messages_v6 (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system', 'team')),
        text TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'text',
        tool_calls TEXT,
        tool_call_id TEXT,
        tool_name TEXT,
        channel TEXT,
        channel_message_id TEXT,
        status TEXT,
        created_at TEXT NOT NULL,
        delivery_key TEXT,
        media_id TEXT
    );
    INSERT INTO messages_v6 (id, conversation_id, role, text, kind, tool_calls, tool_call_id, tool_name, channel,
                             channel_message_id, status, created_at, delivery_key, media_id)
        SELECT id, conversation_id, role, text, kind, tool_calls, tool_call_id, tool_name, channel,
               channel_message_id, status, created_at, delivery_key, media_id FROM messages;
    DROP TABLE messages;
    ALTER TABLE messages_v6 RENAME TO messages;
    CREATE UNIQUE INDEX messages_channel_id ON messages(channel, channel_message_id)
        WHERE channel_message_id IS NOT NULL;
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE UNIQUE INDEX messages_delivery_key ON messages(conversation_id, delivery_key)
        WHERE delivery_key IS NOT NULL;
    ALTER TABLE crm_conversations ADD COLUMN history_read_at TEXT;  -- the CRM's older messages were read
    """,
    # 7: a booking the lead cancels or moves keeps its row: when it ended, why, and which booking
    # replaced it. Older cancelled rows (holds released before a booking was made) keep NULLs.
    """
    ALTER TABLE appointments ADD COLUMN cancelled_at TEXT;
    ALTER TABLE appointments ADD COLUMN cancel_reason TEXT;
    ALTER TABLE appointments ADD COLUMN moved_to INTEGER REFERENCES appointments(id);
    """,
    # 8: the trace events the audit tables do not hold (the objection guidance a turn found, a guard
    # that refused a reply, a model that failed), so a stored conversation reads back with its trace.
    """
    CREATE TABLE trace_events (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        turn_id TEXT NOT NULL,
        kind TEXT NOT NULL,                  -- knowledge | guard | fallback
        name TEXT NOT NULL,
        args TEXT,                           -- JSON; sealed when a data key is set
        result TEXT,                         -- JSON; sealed when a data key is set
        ok INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX trace_events_by_conversation ON trace_events(conversation_id, id);
    """,
    # 9: a message the business's automation sent in a CRM conversation (a workflow or campaign, no
    # person on it) is kept as it happens, as the business's ('business': not the lead's, AVA's or a
    # person's on the team); and a CRM contact's name is read from the CRM once, when no webhook gave
    # it. The messages table is rebuilt as in 6 to widen its CHECK, every row kept.
    """
    CREATE TABLE messages_v9 (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system', 'team', 'business')),
        text TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'text',
        tool_calls TEXT,
        tool_call_id TEXT,
        tool_name TEXT,
        channel TEXT,
        channel_message_id TEXT,
        status TEXT,
        created_at TEXT NOT NULL,
        delivery_key TEXT,
        media_id TEXT
    );
    INSERT INTO messages_v9 (id, conversation_id, role, text, kind, tool_calls, tool_call_id, tool_name, channel,
                             channel_message_id, status, created_at, delivery_key, media_id)
        SELECT id, conversation_id, role, text, kind, tool_calls, tool_call_id, tool_name, channel,
               channel_message_id, status, created_at, delivery_key, media_id FROM messages;
    DROP TABLE messages;
    ALTER TABLE messages_v9 RENAME TO messages;
    CREATE UNIQUE INDEX messages_channel_id ON messages(channel, channel_message_id)
        WHERE channel_message_id IS NOT NULL;
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE UNIQUE INDEX messages_delivery_key ON messages(conversation_id, delivery_key)
        WHERE delivery_key IS NOT NULL;
    ALTER TABLE crm_contacts ADD COLUMN name_read_at TEXT;  -- the contact's name was asked of the CRM
    """,
]
