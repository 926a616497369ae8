"""Browsing the web for up-to-date facts, behind the ``WebSearch`` seam."""

from ava_core.web.base import Page, SearchHit, WebBlocked, WebError, WebOff, WebSearch

__all__ = ["Page", "SearchHit", "WebBlocked", "WebError", "WebOff", "WebSearch"]
