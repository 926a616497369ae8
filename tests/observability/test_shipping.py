"""Shipping to Elasticsearch's ``_bulk`` API: the body, retries, drops, and never blocking."""

from __future__ import annotations

import time

import httpx
from loguru import logger

from ava_core.logging import configure_logging
from ava_core.observability.shipping import ElasticsearchBulk, LogstashHttp, Shipper
from ava_core.settings import Settings
from tests.observability.servers import BulkServer


def _shipper(server: BulkServer, **options) -> Shipper:
    target = ElasticsearchBulk(server.url, "logs-ava-test", api_key="aWQ6c2VjcmV0")
    options = {"flush_seconds": 0.05, "backoff_seconds": 0.01, **options}
    return Shipper(target, httpx.Client(timeout=5), **options)


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_log_lines_arrive_as_create_actions_into_the_data_stream():
    with BulkServer() as server:
        configure_logging("INFO", settings=Settings(log_ship_to="elasticsearch", log_ship_url=server.url,
                                                    log_ship_api_key="aWQ6c2VjcmV0", environment="prod",
                                                    log_ship_flush_seconds=0.05))
        logger.bind(conversation_id=5).info("first")
        logger.info("second")
        configure_logging("INFO")  # stops the shipper: what is queued is flushed first

    pairs = [pair for request in server.requests for pair in request.actions_and_documents()]
    assert [action for action, _ in pairs] == [{"create": {"_index": "logs-ava-prod"}}] * 2
    assert [doc["message"] for _, doc in pairs] == ["first", "second"]
    assert pairs[0][1]["labels"]["conversation_id"] == "5"
    request = server.requests[0]
    assert request.path == "/_bulk"
    assert request.headers["Content-Type"] == "application/x-ndjson"
    assert request.headers["Authorization"] == "ApiKey aWQ6c2VjcmV0"


def test_a_batch_is_sent_when_it_is_full_without_waiting_for_the_timer():
    with BulkServer() as server:
        shipper = _shipper(server, batch_size=3, flush_seconds=60)
        for n in range(3):
            shipper.write(_message(f"line {n}"))
        assert _wait_for(lambda: len(server.documents) == 3, seconds=3)
        shipper.stop()


def test_a_server_error_is_retried_with_backoff_until_it_answers():
    with BulkServer(fail_first=2, fail_status=503) as server:
        shipper = _shipper(server)
        shipper.write(_message("kept"))
        assert _wait_for(lambda: server.documents)
        shipper.stop()
    assert [d["message"] for d in server.documents] == ["kept"]
    assert len(server.requests) == 3
    assert shipper.stats.retries == 2
    assert shipper.stats.dropped == 0


def test_a_server_that_stays_down_drops_the_batch_counts_it_and_says_so():
    reports = []
    with BulkServer(fail_first=100, fail_status=500) as server:
        shipper = _shipper(server, max_retries=3)
        logger.add(lambda m: reports.append(m.record["message"]), level="WARNING")
        shipper.write(_message("lost one"))
        shipper.write(_message("lost two"))
        assert _wait_for(lambda: shipper.stats.dropped == 2)
        shipper.stop()
    assert len(server.requests) == 4  # the first try and three retries
    assert shipper.stats.sent == 0
    assert any("dropped 2 document(s)" in r and "HTTP 500" in r for r in reports)


def test_a_refused_document_is_dropped_and_a_throttled_one_sent_again():
    with BulkServer(refuse={"bad mapping": 400}) as server:
        shipper = _shipper(server)
        for text in ("fine", "bad mapping", "also fine"):
            shipper.write(_message(text))
        assert _wait_for(lambda: shipper.stats.sent == 2 and shipper.stats.dropped == 1)
        shipper.stop()
    assert sorted(d["message"] for d in server.documents) == ["also fine", "fine"]

    with BulkServer(throttle_first=1) as server:
        shipper = _shipper(server)
        shipper.write(_message("busy"))
        assert _wait_for(lambda: server.documents)
        shipper.stop()
    assert [d["message"] for d in server.documents] == ["busy"]
    assert len(server.requests) == 2
    assert shipper.stats.retries == 1 and shipper.stats.dropped == 0


def test_a_hanging_server_does_not_block_logging():
    with BulkServer(hang=True) as server:
        configure_logging("INFO", settings=Settings(log_ship_to="elasticsearch", log_ship_url=server.url,
                                                    log_ship_flush_seconds=0.01, log_ship_timeout_seconds=30))
        logger.info("first line: the shipper sends it and the server hangs")
        assert server.arrived.wait(5)
        started = time.monotonic()
        for n in range(50):
            logger.info("line {} while the server hangs", n)
        took = time.monotonic() - started
        assert not server.release.is_set()  # every call returned before the server answered anything
        assert took < 1.0
        server.release.set()


def test_a_full_queue_drops_new_lines_and_counts_them():
    with BulkServer(hang=True) as server:
        shipper = _shipper(server, queue_size=5, batch_size=1, shutdown_seconds=0.2)
        shipper.write(_message("taken by the shipper"))
        assert server.arrived.wait(5)
        for n in range(20):
            shipper.write(_message(f"line {n}"))
        assert shipper.stats.dropped == 15
        server.release.set()
        shipper.stop()


def test_logstash_gets_the_documents_as_one_json_array():
    target = LogstashHttp("http://logstash:8080")
    url, headers, body = target.request([{"message": "a"}, {"message": "b"}])
    assert (url, headers["Content-Type"]) == ("http://logstash:8080", "application/json")
    assert body == b'[{"message": "a"}, {"message": "b"}]'


def _message(text: str):
    """What Loguru hands a sink: the formatted text, with the record (and its ECS document) on it."""

    class Message(str):
        record = {"extra": {"ecs": {"message": text}}, "thread": _Thread()}

    return Message(text)


class _Thread:
    name = "MainThread"


def test_shipping_without_a_url_says_which_setting_is_missing():
    import pytest

    from ava_core.errors import ConfigError

    with pytest.raises(ConfigError, match="AVA_LOG_SHIP_URL"):
        configure_logging("INFO", settings=Settings(log_ship_to="elasticsearch"))


def test_what_is_queued_is_shipped_when_the_process_exits():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("from ava_core.logging import configure_logging; from ava_core.settings import Settings; "
            "from loguru import logger; configure_logging('INFO', settings=Settings()); "
            "logger.info('last words before exit')")
    with BulkServer() as server:
        env = {**os.environ, "PYTHONPATH": str(root), "AVA_LOG_SHIP_TO": "elasticsearch",
               "AVA_LOG_SHIP_URL": server.url, "AVA_LOG_SHIP_FLUSH_SECONDS": "600"}  # only the exit flushes
        subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True, timeout=60,
                       capture_output=True)
    assert [d["message"] for d in server.documents] == ["last words before exit"]


def test_backoff_doubles_up_to_its_ceiling_with_jitter():
    shipper = Shipper(LogstashHttp("http://127.0.0.1:9"), httpx.Client(), backoff_seconds=1.0,
                      backoff_max_seconds=8.0)
    try:
        for attempt, base in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 8.0)]:
            waits = [shipper._backoff(attempt) for _ in range(50)]
            assert all(base / 2 <= w <= base for w in waits)
    finally:
        shipper.stop()


def test_an_answer_that_is_not_json_is_retried_not_fatal():
    answers = iter([httpx.Response(200, text="<html>proxy</html>"),
                    httpx.Response(200, json={"errors": False, "items": [{"create": {"status": 201}}]})])
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    shipper = Shipper(ElasticsearchBulk("http://es.test", "logs-ava-test"), client, flush_seconds=0.01,
                      backoff_seconds=0.01)
    shipper.write(_message("kept"))
    assert _wait_for(lambda: shipper.stats.sent == 1)
    shipper.stop()
    assert (shipper.stats.retries, shipper.stats.dropped) == (1, 0)
