"""Channels behind the ``Channel`` seam."""

from ava_core.channels.base import Channel, Choice, InboundMessage, OutboundMessage, SendReceipt
from ava_core.channels.inprocess import InProcessChannel

__all__ = ["Channel", "Choice", "InProcessChannel", "InboundMessage", "OutboundMessage", "SendReceipt"]
