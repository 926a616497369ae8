"""Knowledge tests: the real local model (loaded once per session) and a Qdrant folder per test."""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import pytest

from ava_core.knowledge.client import connect, disconnect_all
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.local_embedder import LocalEmbedder

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "knowledge"


class HashEmbedder:
    """A different embedder: deterministic vectors from word hashes, 8 dimensions."""

    name = "test:hash"
    dimension = 8

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            v = [0.0] * self.dimension
            for word in text.lower().split():
                v[hashlib.sha256(word.encode()).digest()[0] % self.dimension] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            vectors.append([x / norm for x in v])
        return vectors


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    model = LocalEmbedder()
    model.embed(["warm up"])  # load the model once for the whole session
    return model


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture corpus; the working folder is tmp_path so sources read `corpus/…`."""
    shutil.copytree(FIXTURES / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    return Path("corpus")


@pytest.fixture
def index(tmp_path: Path) -> KnowledgeIndex:
    return KnowledgeIndex(connect(path=tmp_path / "qdrant"), "Test Solar")


@pytest.fixture(autouse=True)
def _release_qdrant_folders():
    yield
    disconnect_all()  # release each test's folder lock, as a process exit would
