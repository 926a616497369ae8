"""Observability: log records as masked ECS documents, business events, shipping and alert e-mails.

``ava_core/logging.py`` wires these together; ``docs/monitoring.md`` explains the whole.
"""
