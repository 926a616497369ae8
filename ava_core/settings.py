"""Secrets and endpoints, read once from the environment (prefix ``AVA_``).

The business itself lives in the YAML profile; this class holds only what differs per
deployment and must never be committed. ``local.settings.sample.json`` lists every field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ava_core.errors import ConfigError
from ava_core.models.pricing import ModelPrice
from ava_core.store.placement import db_path_problem, network_share_problem


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AVA_", env_file=".env", extra="ignore")

    # The business and the engine.
    profile: Path = Path("examples/profile.yaml")
    model: str = Field("playbook", description="playbook | replay | azure | anthropic | openai_compatible")
    fallback_models: list[str] = Field(
        default_factory=list, description="failover chain after `model`, e.g. [\"anthropic\", \"playbook\"]"
    )
    max_steps: int = Field(8, ge=1, le=30, description="model steps per turn before AVA hands off")
    model_prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description='USD per million tokens by model id, JSON: {"gpt-4o": {"input": 2.5, "output": 10}}',
    )
    log_level: str = "INFO"
    log_json: bool = False

    # Store: a file under ./data locally, a file on the Azure Files mount in Azure (checked on
    # Azure: an absolute path outside the app's folder, and the rollback journal).
    db_path: Path = Field(
        Path("data/ava.sqlite3"), validate_default=True,
        description="the SQLite file; on Azure an absolute path on the Azure Files mount",
    )
    db_network_share: bool = Field(
        False, validate_default=True,
        description="rollback journal instead of WAL: SMB shares have no shared memory for WAL; required on Azure",
    )
    db_busy_timeout_ms: int = 5000
    data_key: SecretStr | None = Field(None, description="Fernet key that encrypts message bodies and PII at rest")
    retention_days: int = Field(180, ge=1, description="idle conversations older than this are archived")
    archive_dir: Path = Path("data/archive")

    # Azure OpenAI.
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: SecretStr | None = None
    azure_openai_api_version: str = Field("2024-10-21", description="dated API version (embeddings, transcription, "
                                          "and chat unless AVA_AZURE_OPENAI_CHAT_API=v1)")
    azure_openai_chat_api: Literal["dated", "v1"] = Field(
        "dated", description="v1: chat through <endpoint>/openai/v1/ with no api-version (the GA v1 API)"
    )
    azure_openai_chat_deployment: str | None = None
    azure_openai_embedding_deployment: str | None = None
    azure_openai_use_entra_id: bool = False

    # Anthropic Claude.
    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-5-5"

    # Any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio).
    openai_compatible_base_url: str | None = None
    openai_compatible_api_key: SecretStr | None = None
    openai_compatible_model: str | None = None

    # WhatsApp Cloud API.
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_version: str = "v26.0"

    # GoHighLevel.
    ghl_access_token: SecretStr | None = None
    ghl_location_id: str | None = None
    ghl_calendar_id: str | None = None
    ghl_webhook_public_key: str | None = Field(
        None, description="Ed25519 public key (PEM or base64 SPKI) that checks x-ghl-signature on marketplace webhooks")

    # Google Maps, Qdrant, web search.
    google_maps_api_key: SecretStr | None = None
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_path: Path = Path("data/qdrant")
    embedder: Literal["local", "azure"] = "local"
    web_search_api_key: SecretStr | None = None
    geo: Literal["auto", "google", "profile"] = Field(
        "auto", description="service-area backend: google (needs AVA_GOOGLE_MAPS_API_KEY), profile (the ZIP/city "
        "lists), auto = google when the key is set"
    )
    geo_timeout_seconds: float = Field(5.0, gt=0, le=30, description="per Google Maps request")
    geo_cache_days: float = Field(30, ge=0, description="how long a geocoded address is reused")
    web_search: Literal["off", "tavily", "brave"] = Field(
        "off", description="search API behind the web_search tool (key: AVA_WEB_SEARCH_API_KEY)"
    )
    web_search_timeout_seconds: float = Field(10.0, gt=0, le=60)

    @field_validator("db_path")
    @classmethod
    def _db_path_fits_the_host(cls, value: Path) -> Path:
        problem = db_path_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("db_network_share")
    @classmethod
    def _journal_fits_the_host(cls, value: bool) -> bool:
        problem = network_share_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def configured_providers(self) -> list[str]:
        """Names of the model providers whose keys are set (never the keys themselves)."""
        names = ["playbook"]
        if self.azure_openai_endpoint and (self.azure_openai_api_key or self.azure_openai_use_entra_id):
            names.append("azure")
        if self.anthropic_api_key:
            names.append("anthropic")
        if self.openai_compatible_base_url:
            names.append("openai_compatible")
        return names

    # Model reliability and spend (one policy for every provider; the SDKs' own retries are off).
    model_timeout_seconds: float = Field(30.0, gt=0, description="per-call timeout for a model provider")
    model_max_attempts: int = Field(3, ge=1, le=10, description="attempts per provider before failing over")
    model_retry_max_wait_seconds: float = Field(
        20.0, ge=0, description="longest Retry-After AVA waits; a longer one fails over to the next model at once"
    )
    model_step_deadline_seconds: float = Field(
        120.0, gt=0, le=540,
        description="one model step, every retry and failover included, ends by then (under the Functions "
        "timeout of 600 s, with room for the engine's own work)",
    )
    model_max_output_tokens: int = Field(
        2048, ge=64, description="output cap per model call (Anthropic rate limits count it up front)"
    )
    token_budget_per_conversation: int = Field(
        1_000_000, ge=0, description="input+output tokens one conversation may use before AVA hands off; 0 = no limit"
    )

    # WhatsApp policy and voice notes (Azure Functions app).
    whatsapp_template_name: str | None = Field(
        None, description="approved template sent instead of free text outside WhatsApp's 24-hour window"
    )
    whatsapp_template_language: str = Field("en_US", description="language code of that template")
    transcription_model: str | None = Field(
        None, description="voice notes: Azure OpenAI deployment or model (e.g. whisper); unset = ask the lead to type"
    )
    transcription_provider: Literal["azure", "openai_compatible"] = Field(
        "azure", description="which configured endpoint transcribes voice notes"
    )

    # GoHighLevel as channel, calendar and CRM.
    ghl_webhook_legacy_public_key: str | None = Field(
        None, description="RSA public key (PEM) for the legacy x-wh-signature, used only when x-ghl-signature is absent")
    ghl_workflow_secret: SecretStr | None = Field(
        None, description="shared secret a workflow Webhook action sends as X-AVA-Secret header or ?secret=")
    ghl_base_url: str = "https://services.leadconnectorhq.com"
    calendar_backend: Literal["local", "ghl"] = Field(
        "local", description="local: working hours minus SQLite bookings; ghl: the GoHighLevel calendar")
    ghl_contacts: bool = Field(
        False, description="mirror every lead (WhatsApp too) into GoHighLevel contacts: tags, custom fields, notes")
    # Observability: logs in ECS shape, shipped to Elasticsearch or Logstash; critical alerts by e-mail.
    environment: str = Field(
        "local", pattern=r"^[a-z0-9_]{1,40}$",
        description="service.environment in every log line; logs go to the data stream logs-ava-<environment>",
    )
    log_message_bodies: bool = Field(
        False, description="log what leads and AVA wrote (masked for phones, e-mails, addresses); off: only lengths"
    )
    log_pii_region: str = Field(
        "US", pattern=r"^[A-Za-z]{2}$",
        description="country (ISO 3166) of the leads' phone numbers and street addresses, for masking in logs",
    )
    log_ship_to: Literal["off", "elasticsearch", "logstash"] = Field(
        "off", description="where logs are shipped besides stderr"
    )
    log_ship_url: str | None = Field(
        None, description="Elasticsearch base URL (…:9200), or the Logstash http input URL (…:8080)"
    )
    log_ship_api_key: SecretStr | None = Field(None, description="Elasticsearch API key, the base64 'encoded' form")
    log_ship_batch_size: int = Field(500, ge=1, le=10_000, description="documents per _bulk request")
    log_ship_flush_seconds: float = Field(2.0, gt=0, description="a partial batch is sent after this long")
    log_ship_queue_size: int = Field(10_000, ge=1, description="documents waiting to ship; past it they are dropped (counted)")
    log_ship_max_retries: int = Field(5, ge=0, le=20, description="retries with backoff on 429/5xx and network errors")
    log_ship_timeout_seconds: float = Field(10.0, gt=0, description="per shipping request")
    smtp_host: str | None = Field(None, description="SMTP server for critical alert e-mails; unset = no e-mail")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (587), ssl (implicit TLS, 465), none (a local relay only)"
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    alert_email_from: str | None = Field(None, description="sender of alert e-mails")
    alert_email_to: list[str] = Field(default_factory=list, description='recipients, JSON: ["ops@example.com"]')
    alert_email_window_seconds: float = Field(
        300.0, gt=0, description="identical critical errors within this window make one mail with a count"
    )
    alert_email_max_per_hour: int = Field(10, ge=1, description="alert mails per hour at most; the rest wait, counted")


_T = TypeVar("_T")


def required(value: _T | None, env: str) -> _T:
    """A setting the caller's configuration check has already demanded (ConfigError naming ``env`` if not).

    Builders first report every missing variable at once; this then hands each one on as set.
    """
    if value is None:
        raise ConfigError(f"{env} is not set: set it in the environment or .env")
    return value
