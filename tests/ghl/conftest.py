"""GoHighLevel clients on recorded payloads: an ``httpx.Client`` whose transport serves them."""

from __future__ import annotations

import pytest
from ghl_recorded import LOCATION

from ava_core.ghl.http import GhlApi
from ava_core.recorded_http import Exchange, RecordedHttp


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def ghl(waits):
    """``ghl(*exchanges)`` -> (api, recorded): a GhlApi whose requests the exchanges answer."""

    def make(*exchanges: Exchange) -> tuple[GhlApi, RecordedHttp]:
        recorded = RecordedHttp(list(exchanges))
        api = GhlApi(client=recorded.client(), token="pit-test-token", location_id=LOCATION, sleep=waits.append)
        return api, recorded

    return make
