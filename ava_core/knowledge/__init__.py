"""Domain documents and objection→response pairs, searched by meaning."""

from ava_core.knowledge.base import Embedder, Knowledge, Passage, UnconfiguredKnowledge

__all__ = ["Embedder", "Knowledge", "Passage", "UnconfiguredKnowledge"]
