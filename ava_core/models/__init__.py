"""Chat models behind the ``ChatModel`` seam; ``build_model`` picks one by name."""

from ava_core.models.base import (
    ChatMessage,
    ChatModel,
    ModelRequest,
    ModelResponse,
    ToolCall,
    ToolSchema,
    Usage,
)

__all__ = [
    "ChatMessage",
    "ChatModel",
    "ModelRequest",
    "ModelResponse",
    "ToolCall",
    "ToolSchema",
    "Usage",
]
