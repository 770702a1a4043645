"""``lealtad contactcenter demo``: the simulated center ``scripts/start.sh`` runs beside the
web server — a switch ringing calls in on a day's curve, agents taking them — so a newcomer
sees a live wallboard and can log in as ``agente1`` to take calls."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import typer


def demo_command(
    speed: float = typer.Option(1.0, "--speed", help="Simulated seconds per real second"),
    until: float | None = typer.Option(
        None, "--until", help="Stop after this many simulated minutes (default: run on)"
    ),
    calls_per_day: float = typer.Option(1200, "--calls-per-day", help="The day's volume"),
    seed: int = typer.Option(7, "--seed", help="Same seed, same callers"),
    route: bool = typer.Option(
        False, "--route", help="Also run the ACD router here (when no 'serve' runs it)"
    ),
    setup_only: bool = typer.Option(False, "--setup-only", help="Create the center and stop"),
) -> None:
    """Run the demo center: queues general, billing, fraud and premier, twelve agents
    (agente1 … agente12, password lealtad-demo; agente1 and agente2 are yours to drive),
    calls from the switch simulator through CTI."""
    if speed <= 0:
        raise typer.BadParameter("must be positive", param_hint="--speed")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()
    from lealtad.contactcenter import demo

    if setup_only:
        team = demo.ensure_center()
        typer.echo(f"demo center: {len(team)} agents; log in as agente1 / {demo.DEMO_PASSWORD}")
        return
    center = demo.DemoCenter(calls_per_day=calls_per_day, seed=seed, route=route)
    typer.echo(
        f"demo center: switch {center.switch.switch_id} (epoch {center.switch.epoch}) opens at "
        f"{demo.clock_text(center.switch.now)}, x{speed:g}; "
        f"log in as agente1 or agente2 / {demo.DEMO_PASSWORD}"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        center.run(speed=speed, until=None if until is None else until * 60, stop=stop)
    stats = center.switch.stats
    typer.echo(
        f"demo center stopped at {demo.clock_text(center.switch.now)}: {stats.offered} calls "
        f"offered, {stats.answered} answered, {stats.abandoned} abandoned, "
        f"{stats.blocked} blocked"
    )
