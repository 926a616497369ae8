"""AVA's exception hierarchy: each error says what is wrong and what to do about it."""


class AvaError(Exception):
    """Base of every error AVA raises on purpose."""


class ConfigError(AvaError):
    """The settings or the business profile are invalid; the message names file, line and field."""


class ScenarioError(AvaError):
    """A scenario file cannot be read or does not match the scenario format."""


class StoreError(AvaError):
    """The SQLite store could not be opened, migrated or written."""


class ChannelError(AvaError):
    """A channel (WhatsApp, GoHighLevel, …) refused or could not parse a message."""


class ProviderError(AvaError):
    """A model or other external provider failed after its retries."""

    def __init__(self, message: str, *, retryable: bool = False, provider: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.provider = provider


class KnowledgeError(AvaError):
    """The knowledge base cannot be searched or ingested as configured."""
