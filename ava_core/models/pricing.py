"""Turning token usage into money, from a price table in configuration."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.models.base import Usage


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0, description="defaults to the input price")


def cost_usd(prices: dict[str, ModelPrice], model: str, usage: Usage) -> float | None:
    """Cost of one call, or None when the model has no price (offline models cost nothing)."""
    price = prices.get(model)
    if price is None:
        return None
    cached = min(usage.cached_tokens, usage.input_tokens)
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    return round(
        ((usage.input_tokens - cached) * price.input + cached * cached_rate + usage.output_tokens * price.output)
        / 1_000_000,
        6,
    )
