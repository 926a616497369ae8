"""The WhatsApp webhook path before the 200: verify the signature, parse, dedupe, store.

Signed recorded-shape payloads for 200 leads, one message each, with one delivery in ten
repeated (Meta retries). No network and no durable client: starting or signalling the
conversation is an HTTP call to the Functions host, outside this measurement.
Prints p50/p99 per delivery and deliveries per second. Target on 2 cores: p99 under 10 ms
and over 500 messages per second.

    python benchmarks/webhook_path.py [--messages 5000] [--leads 200]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the Functions app's packages live at the repository root

from ava_core.app import build_assistant  # noqa: E402
from ava_core.channels import InProcessChannel  # noqa: E402
from ava_core.channels.whatsapp import parse_webhook  # noqa: E402
from ava_core.clock import FrozenClock  # noqa: E402
from ava_core.knowledge.base import UnconfiguredKnowledge  # noqa: E402
from ava_core.logging import configure_logging  # noqa: E402
from ava_core.profile import load_profile  # noqa: E402
from ava_core.settings import Settings  # noqa: E402
from webhooks.whatsapp import check_signature, store_batch  # noqa: E402

SECRET = "benchmark-app-secret"
TEMPLATE = json.loads((ROOT / "tests" / "fixtures" / "whatsapp" / "text.json").read_text())


def delivery(number: int, lead: int) -> tuple[bytes, str]:
    """One signed webhook body, as Meta sends it (compact JSON, non-ASCII escaped)."""
    body = json.loads(json.dumps(TEMPLATE))
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0].update(wa_id=f"1512555{lead:04d}", profile={"name": f"Lead {lead}"})
    value["messages"][0].update({"from": f"1512555{lead:04d}", "id": f"wamid.bench-{number}",
                                 "timestamp": str(1764602000 + number), "text": {"body": "¿Cuánto cuesta? ☀️"}})
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--leads", type=int, default=200)
    args = parser.parse_args()
    configure_logging(quiet=True)

    deliveries = []
    for number in range(args.messages):
        deliveries.append(delivery(number, number % args.leads))
        if number % 10 == 9:
            deliveries.append(deliveries[-1])  # Meta redelivers
    profile = load_profile(ROOT / "examples" / "profile.yaml")
    clock = FrozenClock(datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/Chicago")))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "bench.sqlite3", qdrant_path=Path(tmp) / "qdrant",
                            whatsapp_app_secret=SecretStr(SECRET))
        assistant = build_assistant(settings, profile=profile, clock=clock, knowledge=UnconfiguredKnowledge(),
                                    channels={"whatsapp": InProcessChannel("whatsapp")})
        timings, new = [], 0
        wall = time.perf_counter()
        for raw, signature in deliveries:
            started = time.perf_counter()
            if check_signature(raw, signature, settings) is not None:
                raise SystemExit("signature rejected: the benchmark's payloads are wrong")
            new += len(store_batch(assistant, parse_webhook(raw)))
            timings.append((time.perf_counter() - started) * 1000)
        wall = time.perf_counter() - wall

    q = statistics.quantiles(timings, n=100)
    rate = len(deliveries) / wall
    print(f"deliveries: {len(deliveries)} ({new} new messages, {len(deliveries) - new} duplicates) "
          f"from {args.leads} leads")
    print(f"verify + parse + dedupe + store: p50 {q[49]:.2f} ms  p99 {q[98]:.2f} ms  max {max(timings):.2f} ms")
    print(f"throughput: {rate:.0f} deliveries/s on one worker thread")
    print(f"target p99 < 10 ms: {'met' if q[98] < 10 else 'NOT met'}; "
          f"> 500 messages/s: {'met' if rate > 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
