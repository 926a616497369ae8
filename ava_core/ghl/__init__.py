"""GoHighLevel (LeadConnector API v2): the second channel, a calendar and AVA's CRM.

One module per API area: ``http`` (auth, ``Version`` headers, rate limits, errors),
``webhook`` (signatures and payloads in), ``conversations`` (the ``Channel``),
``calendars`` (the ``Calendar``), ``contacts`` (tags, custom fields, notes, tasks) and
``crm`` (mirroring what AVA learned about a lead into the contact).
"""

from ava_core.ghl.http import CALENDARS, CONTACTS, CONVERSATIONS, GhlApi, GhlError

__all__ = ["CALENDARS", "CONTACTS", "CONVERSATIONS", "GhlApi", "GhlError"]
