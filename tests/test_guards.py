"""Opt-out words: the lead's STOP always works, and ordinary sentences are not mistaken for it."""

from __future__ import annotations

import pytest

from ava_core.agent.guards import opted_out


@pytest.mark.parametrize(
    "text", ["STOP", "stop.", "Stop!", "please stop", "Unsubscribe", "Please stop texting me",
             "remove me from your list", "opt out", "don't text me again", "leave me alone", "no thanks, stop",
             "wrong number, take me off your list"],
)
def test_opt_outs_are_recognised(profile, text):
    assert opted_out(profile, text)


@pytest.mark.parametrize(
    "text", ["I can't stop thinking about solar", "is there a stop-loss on the price?", "yes I own it",
             "what's the bus stop near your office"],
)
def test_ordinary_sentences_are_not_opt_outs(profile, text):
    assert not opted_out(profile, text)
