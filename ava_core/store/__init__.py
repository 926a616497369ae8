"""AVA's own state in SQLite, behind one repository."""

from ava_core.store.repository import (
    BUSINESS,
    TEAM,
    Answer,
    Appointment,
    Contact,
    Conversation,
    OfferedSlot,
    SlotTaken,
    Store,
    StoredMessage,
)
from ava_core.store.sealing import Sealer

__all__ = [
    "BUSINESS", "TEAM", "Answer", "Appointment", "Contact", "Conversation", "OfferedSlot", "Sealer", "SlotTaken",
    "Store", "StoredMessage",
]
