"""Knowledge search speed in embedded Qdrant with the local model: prints figures, asserts nothing.

    .venv/bin/python benchmarks/knowledge_search.py [--sizes 1000 10000] [--queries 300]

Measures model load time and peak memory (in a fresh process), ingest throughput through
`ava ingest`'s code path, and query latency p50/p99 with the query embedding included.
Target: query p99 < 30 ms at 10k chunks on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ava_core.knowledge.client import connect, disconnect_all  # noqa: E402
from ava_core.knowledge.collections import KnowledgeIndex  # noqa: E402
from ava_core.knowledge.ingest import ingest  # noqa: E402
from ava_core.knowledge.local_embedder import LocalEmbedder  # noqa: E402
from ava_core.knowledge.qdrant import QdrantKnowledge  # noqa: E402

TOPICS = ["panels", "inverter", "battery", "roof", "permit", "warranty", "loan", "lease", "rebate",
          "tax credit", "HOA", "utility", "monitoring", "hail", "shade", "net metering", "install day"]
VERBS = ["covers", "needs", "affects", "includes", "depends on", "reduces", "protects", "changes"]
THINGS = ["the monthly bill", "the roof warranty", "summer production", "the interconnection date",
          "the payback period", "resale value", "backup power", "the city inspection", "the crew schedule"]
QUERIES = [
    "how long does the install take", "its too expensive for us rn", "do u guys do round rock",
    "i need to ask my wife first", "what warranty do the panels have", "will hail wreck them",
    "can i lease instead of buying", "does austin energy pay for extra power", "is this a scam lol",
    "my roof is kinda old", "do i need a battery for outages", "just send me some info",
]

LOAD_PROBE = """
import resource, time
t0 = time.perf_counter()
import sentence_transformers  # torch and transformers come with it
from ava_core.knowledge.local_embedder import LocalEmbedder, load_model
t1 = time.perf_counter()
load_model()
t2 = time.perf_counter()
LocalEmbedder().embed(["warm up"])
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def model_load() -> None:
    out = subprocess.run([sys.executable, "-c", LOAD_PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    imports, load, first, peak_mb = (float(x) for x in out.stdout.split())
    print(f"model: import torch+sentence-transformers {imports:.2f} s, load weights {load:.2f} s, "
          f"first embed {first * 1000:.0f} ms, "
          f"peak RSS {peak_mb:.0f} MB (fresh process)")


def synthetic_corpus(folder: Path, chunks: int, rng: random.Random) -> None:
    """Markdown files of 100 short sections each: one chunk per section."""
    per_file = 100
    for f in range(0, chunks, per_file):
        lines = [f"# Synthetic document {f // per_file}\n"]
        for s in range(min(per_file, chunks - f)):
            topic = rng.choice(TOPICS)
            body = " ".join(
                f"The {rng.choice(TOPICS)} {rng.choice(VERBS)} {rng.choice(THINGS)} in case {rng.randrange(10**6)}."
                for _ in range(rng.randint(3, 6))
            )
            lines.append(f"## {topic.title()} note {f + s}\n\n{body}\n")
        (folder / f"doc-{f // per_file:04d}.md").write_text("\n".join(lines))
    shutil.copy(ROOT / "examples" / "knowledge" / "objections.yaml", folder / "objections.yaml")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _figures(ms: list[float]) -> str:
    return f"p50 {percentile(ms, 0.5):5.1f} ms  p90 {percentile(ms, 0.9):5.1f} ms  p99 {percentile(ms, 0.99):5.1f} ms"


def run_size(chunks: int, queries: int, embedder: LocalEmbedder) -> None:
    rng = random.Random(chunks)
    work = Path(tempfile.mkdtemp(prefix=f"ava-bench-{chunks}-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        synthetic_corpus(corpus, chunks, rng)
        index = KnowledgeIndex(connect(path=work / "qdrant"), "Benchmark Solar")
        report = ingest([corpus], index, embedder)
        written = sum(c.points_written for c in report.counts.values())
        domain = report.counts["domain"].added
        print(f"{chunks:>6} chunks: ingest {written} points ({domain} chunks + objection phrasings) in "
              f"{report.seconds:.1f} s = {written / report.seconds:.0f} points/s")
        knowledge = QdrantKnowledge(index, embedder)
        knowledge.search("warm up", limit=5)
        texts = [f"{rng.choice(QUERIES)} {i}" for i in range(queries)]  # never the same text twice
        embedding, qdrant = [], []
        for text in texts:
            t0 = time.perf_counter()
            vector = embedder.embed([text])[0]
            t1 = time.perf_counter()
            index.query("domain", vector, limit=5)
            t2 = time.perf_counter()
            embedding.append((t1 - t0) * 1000)
            qdrant.append((t2 - t1) * 1000)
        print(f"        embedding alone       {_figures(embedding)}")
        print(f"        Qdrant alone (domain) {_figures(qdrant)}")
        for kind in (None, "objection"):
            total = []
            for text in texts:
                t0 = time.perf_counter()
                knowledge.search(text + " ?", kind=kind, limit=5)  # embeds the query itself
                total.append((time.perf_counter() - t0) * 1000)
            print(f"        search kind={kind or 'any':<9} {_figures(total)}  <- embedding included")
    finally:
        disconnect_all()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    import torch

    print(f"cpu cores {os.cpu_count()}, torch threads {torch.get_num_threads()}, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)")
    model_load()
    embedder = LocalEmbedder()
    embedder.embed(["warm up"])
    for size in args.sizes:
        run_size(size, args.queries, embedder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process peak RSS {peak:.0f} MB (model + embedded Qdrant at the largest size)")


if __name__ == "__main__":
    main()
