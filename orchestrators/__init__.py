"""Durable orchestrators: deterministic, yield-only drivers of the engine (no I/O here)."""
