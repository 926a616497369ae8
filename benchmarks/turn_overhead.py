"""AVA's own time per turn: everything except waiting on the model.

1,000 turns across 100 conversations with the `replay` model (prompt build, store reads and
writes, tool execution on local backends, reply checks). Prints p50/p95/p99 and peak memory.
Target on a 2-core machine: p99 under 20 ms.

    python benchmarks/turn_overhead.py [--turns 1000] [--conversations 100]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ava_core.app import build_assistant
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.clock import FrozenClock
from ava_core.logging import configure_logging
from ava_core.models.replay import ReplayModel, ScriptedCall, ScriptedStep
from ava_core.profile import load_profile
from ava_core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Each turn: one model step that calls a tool, then one that replies.
TURN_SCRIPT = [
    [ScriptedStep(tool_calls=[ScriptedCall(name="record_qualification", args={"field": "homeowner", "value": "yes"})]),
     ScriptedStep(text="Got it. Roughly how much is your average monthly electric bill?")],
    [ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})]),
     ScriptedStep(text="Great, that's in our area.\n\nHow old is your roof?")],
    [ScriptedStep(tool_calls=[ScriptedCall(name="search_knowledge", args={"query": "is solar worth it"})]),
     ScriptedStep(text="Totally fair question. Most homeowners see savings from month one.")],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=100)
    args = parser.parse_args()
    configure_logging(quiet=True)

    profile = load_profile(ROOT / "examples" / "profile.yaml")
    steps = [step for i in range(args.turns) for step in TURN_SCRIPT[i % len(TURN_SCRIPT)]]
    model = ReplayModel(steps)
    clock = FrozenClock(datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/Chicago")))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "bench.sqlite3", qdrant_path=Path(tmp) / "qdrant")
        channel = InProcessChannel("whatsapp")
        assistant = build_assistant(settings, profile=profile, clock=clock, model=model,
                                    channels={"whatsapp": channel})
        overheads = []
        for turn in range(args.turns):
            lead = turn % args.conversations
            clock.advance(seconds=5)
            inbound = InboundMessage(channel="whatsapp", message_id=f"wamid.{turn}", sender=f"+1512555{lead:04d}",
                                     text="yes I own it, 78704", received_at=clock.now())
            started = time.perf_counter()
            state = assistant.handle(inbound)
            total_ms = (time.perf_counter() - started) * 1000
            model_ms = sum(e.latency_ms for e in state.trace if e.kind == "model")
            overheads.append(total_ms - model_ms)

    q = statistics.quantiles(overheads, n=100)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"turns: {args.turns} across {args.conversations} conversations (replay model)")
    print(f"AVA overhead per turn: p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  p99 {q[98]:.2f} ms  "
          f"max {max(overheads):.2f} ms")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print(f"target p99 < 20 ms: {'met' if q[98] < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
