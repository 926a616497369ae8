"""``ava geo check ADDRESS``: the service-area verdict AVA would give, and how it got it."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    geo = typer.Typer(name="geo", help="Try the service-area check.", no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False)
    geo.command("check")(check)
    app.add_typer(geo, name="geo")


def check(
    address: Annotated[str, typer.Argument(help="a street address, ZIP, city, landmark, or 'lat, lng'")],
) -> None:
    """Print the place found, its distance, inside or outside, its time zone, and which backend judged."""
    from ava_core.app import build_store
    from ava_core.clock import SystemClock
    from ava_core.errors import AvaError
    from ava_core.geo.factory import build_geo, geo_backend
    from ava_core.logging import configure_logging
    from ava_core.profile import load_profile
    from ava_core.settings import Settings

    configure_logging(quiet=True)
    try:
        settings = Settings()
        profile = load_profile(settings.profile)
        backend = geo_backend(settings)
        result = build_geo(settings, profile, build_store(settings), SystemClock()).check(address)
    except AvaError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for line in describe(result, configured=backend):
        typer.echo(line)


def describe(result, *, configured: str) -> list[str]:
    """The verdict as aligned lines a person reads at a glance."""
    verdict = {True: "INSIDE the service area", False: "OUTSIDE the service area", None: "cannot tell yet"}
    lines = [f"{'backend':<10}{result.backend or configured} (configured: {configured})"]
    if result.address or result.normalized:
        where = result.address or result.normalized
        if result.lat is not None:
            where += f" ({result.lat:.5f}, {result.lng:.5f})"
        lines.append(f"{'place':<10}{where}")
    if result.distance_miles is not None:
        drive = f", {result.drive_minutes:g} min drive" if result.drive_minutes is not None else ""
        lines.append(f"{'distance':<10}{result.distance_miles:g} miles{drive}")
    lines.append(f"{'verdict':<10}{verdict[result.in_area]}: {result.detail}")
    lines.append(f"{'time zone':<10}{result.timezone or 'unknown'}")
    if result.ask:
        lines.append(f"{'ask':<10}{result.ask}")
    return lines
