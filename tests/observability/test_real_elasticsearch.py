"""Against a real Elasticsearch, when one is reachable: ship events, read them back by query.

Set ELASTICSEARCH_TEST_URL (default http://127.0.0.1:9200) and, with security on,
ELASTICSEARCH_TEST_API_KEY (the base64 "encoded" form). `infra/elk/docker-compose.yml` starts
one. Without a server the test is skipped and says why.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import httpx
import pytest

from ava_core.logging import configure_logging, data_stream
from ava_core.observability.events import event
from ava_core.settings import Settings

ELK = Path(__file__).resolve().parents[2] / "infra" / "elk"
URL = os.environ.get("ELASTICSEARCH_TEST_URL", "http://127.0.0.1:9200").rstrip("/")
KEY = os.environ.get("ELASTICSEARCH_TEST_API_KEY")


@pytest.fixture
def elasticsearch() -> httpx.Client:
    headers = {"Authorization": f"ApiKey {KEY}"} if KEY else {}
    client = httpx.Client(base_url=URL, headers=headers, timeout=10)
    try:
        answer = client.get("/")
    except httpx.HTTPError as exc:
        pytest.skip(f"no Elasticsearch at {URL} ({type(exc).__name__}); set ELASTICSEARCH_TEST_URL to run this")
    if answer.status_code != 200 or "cluster_name" not in answer.text:
        pytest.skip(f"{URL} answered {answer.status_code}, not as Elasticsearch does (ELASTICSEARCH_TEST_API_KEY?)")
    yield client
    client.close()


def test_shipped_events_can_be_found_by_query(elasticsearch):
    environment = f"test{uuid.uuid4().hex[:8]}"
    stream = data_stream(environment)
    for path, body in [("/_ilm/policy/logs-ava", ELK / "elasticsearch" / "ilm-policy.json"),
                       ("/_index_template/logs-ava", ELK / "elasticsearch" / "index-template.json")]:
        answer = elasticsearch.put(path, content=body.read_bytes(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
    try:
        configure_logging("INFO", settings=Settings(
            environment=environment, log_ship_to="elasticsearch", log_ship_url=URL, log_ship_api_key=KEY,
            log_ship_flush_seconds=0.1))
        event("booked", conversation_id=77, turn_id="t77", appointment_id=5, calendar="local")
        event("handoff", conversation_id=78, reason="lead on +1 512-555-0142 wants a person")
        configure_logging("INFO")  # flushes the shipper

        assert elasticsearch.post(f"/{stream}/_refresh").status_code == 200
        query = {"query": {"bool": {"filter": [{"term": {"event.action": "booked"}},
                                               {"term": {"labels.conversation_id": "77"}}]}}}
        hits = elasticsearch.post(f"/{stream}/_search", json=query).json()["hits"]["hits"]
        assert len(hits) == 1
        booked = hits[0]["_source"]
        assert booked["trace"]["id"] == "t77" and booked["ava"]["appointment"]["id"] == 5
        handoff = elasticsearch.post(f"/{stream}/_search", json={
            "query": {"term": {"event.action": "handoff"}}}).json()["hits"]["hits"]
        assert "555-0142" not in json.dumps(handoff) and handoff[0]["_source"]["ava"]["reason"].startswith("lead on [phone]")
    finally:
        elasticsearch.delete(f"/_data_stream/{stream}")
