"""Durable activities: thin adapters that call ``ava_core`` and return plain JSON."""
