"""The R&D site's own settings (the engine's are ``ava_core.settings.Settings``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SiteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AVA_RD_", env_file=".env", extra="ignore")

    # The Dockerfile sets Gradio's own variables; they are honoured under either name.
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("AVA_RD_HOST", "GRADIO_SERVER_NAME"))
    port: int = Field(7860, ge=1, le=65535, validation_alias=AliasChoices("AVA_RD_PORT", "GRADIO_SERVER_PORT"))
    auth: Literal["users", "proxy"] = Field(
        "users", description="users: the site's own login (AVA_RD_USERS; none needed on loopback); proxy: the "
        "platform's sign-in in front of the site does it, and every request must carry its identity header")
    users: dict[str, str] = Field(
        default_factory=dict, description='JSON of user -> scrypt hash, e.g. {"ana": "scrypt$16384$8$1$…"}')
    upload_max_mb: float = Field(10, gt=0, le=200, description="largest document the knowledge tab accepts")
    real_time: bool = Field(False, description="play the paced delays in real time by default")
