"""Settings a builder has already checked are handed on as set, or the variable to set is named."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from ava_core.errors import ConfigError
from ava_core.settings import Settings, required


def test_a_missing_setting_names_the_variable_to_set():
    settings = Settings(google_maps_api_key=None)

    with pytest.raises(ConfigError, match="AVA_GOOGLE_MAPS_API_KEY is not set"):
        required(settings.google_maps_api_key, "AVA_GOOGLE_MAPS_API_KEY")


def test_a_set_setting_is_handed_on_unchanged_even_when_empty():
    key = SecretStr("")

    assert required(key, "AVA_WEB_SEARCH_API_KEY") is key
    assert required(0, "AVA_SMTP_PORT") == 0
