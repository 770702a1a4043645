"""``lealtad contactcenter dialer …``: call lists from a shell, the dialer run against the
built-in switch simulator, and the outbound simulation that compares the three modes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="The outbound dialer.", no_args_is_help=True, cls=RefusalsShown)


def _actor():  # type: ignore[no-untyped-def]
    from lealtad.core.audit import Actor

    return Actor.system("cli")


@app.command("lists")
def lists_command() -> None:
    """Call lists with their counters and entries per status."""
    django_ready()
    from lealtad.contactcenter.selectors import dialer as reads

    for found in reads.call_lists():
        f = reads.list_figures(found)
        typer.echo(
            f"{f['name']:<20} {f['mode']:<12} {f['status']:<9} queue={f['queue']} "
            f"dialled={f['dialled']} answered={f['answered']} connected={f['connected']} "
            f"abandoned={f['abandoned']} ({f['abandon_rate']:.2%}) entries={f['entries']}"
        )


@app.command("create")
def create_command(
    name: str,
    queue: str = typer.Option(..., help="The queue whose agents take the calls"),
    mode: str = typer.Option("progressive", help="preview, progressive or predictive"),
    purpose: str = typer.Option("marketing", help="The phone consent the calls need"),
    cap: float = typer.Option(0.03, help="Abandonment cap (share of live answers)"),
    attempts: int = typer.Option(5, help="Most attempts per customer"),
    zone: str = typer.Option("America/Guayaquil", help="Zone of customers with none known"),
) -> None:
    """Create a call list."""
    django_ready()
    from lealtad.contactcenter.services import dialer

    dialer.create_list(
        name,
        queue,
        mode,
        _actor(),
        purpose=purpose,
        abandon_cap=cap,
        max_attempts=attempts,
        default_time_zone=zone,
    )
    typer.echo(f"call list {name} created ({mode}, queue {queue})")


@app.command("add-csv")
def add_csv_command(name: str, path: Annotated[Path, typer.Argument(exists=True)]) -> None:
    """Add the customers of a CSV file with a customer_id column."""
    django_ready()
    from lealtad.contactcenter.services import dialer

    added = dialer.add_from_csv(name, path.read_text(encoding="utf-8-sig"), _actor())
    typer.echo(f"{added} customers added to {name}")


@app.command("add-segment")
def add_segment_command(
    name: str,
    tier: Annotated[list[str] | None, typer.Option(help="Value tier (mvc, mgc…)")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="Lifecycle stage (lapsing…)")] = None,
    churn: Annotated[list[str] | None, typer.Option(help="Churn band (low…high)")] = None,
    limit: int | None = typer.Option(None, help="At most this many customers"),
) -> None:
    """Add the customers whose standing matches every option given."""
    django_ready()
    from lealtad.contactcenter.services import dialer

    added = dialer.add_from_segment(
        name, _actor(), tiers=tier or [], stages=stage or [], churn_bands=churn or [], limit=limit
    )
    typer.echo(f"{added} customers added to {name}")


@app.command("move")
def move_command(
    name: str, action: Annotated[str, typer.Argument(help="start, pause or finish")]
) -> None:
    """Start, pause or finish a list."""
    django_ready()
    from lealtad.contactcenter.services import dialer

    typer.echo(f"{name}: {dialer.move_list(name, action, _actor()).status}")


@app.command("do-not-call")
def do_not_call_command(
    path: Annotated[Path, typer.Argument(exists=True, help="One number a line")],
    source: str = typer.Option("registry", help="Where the numbers come from"),
    region: str = typer.Option("EC", help="Country of numbers written without +"),
) -> None:
    """Add the numbers of a file to the do-not-call list."""
    django_ready()
    from lealtad.contactcenter.services import dialer

    numbers = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    added = dialer.add_do_not_call([n for n in numbers if n], source, _actor(), region)
    typer.echo(f"{added} numbers added to the do-not-call list")


@app.command("simulate")
def simulate_command(
    days: int = typer.Option(30, help="Simulated shifts"),
    agents: int = typer.Option(20),
    answer_rate: float = typer.Option(0.3, help="Share of lines a live person answers"),
    talk: float = typer.Option(150.0, help="Mean talk seconds"),
    cap: float = typer.Option(0.03, help="Abandonment cap"),
    seed: int = typer.Option(1),
) -> None:
    """Compare preview, progressive and predictive on the same simulated campaign (no
    database): abandonment and the agents' talk-time share."""
    from lealtad.contact_engine.dialer import PacingSettings
    from lealtad.contact_engine.simulation.dialer import OutboundScenario, simulate
    from lealtad.core.console import progress

    scenario = OutboundScenario(
        days=days, agents=agents, answer_rate=answer_rate, mean_talk_seconds=talk, seed=seed
    )
    results = []
    with progress() as bar:
        task = bar.add_task("simulating", total=3)
        for mode in ("preview", "progressive", "predictive"):
            results.append(simulate(mode, scenario, PacingSettings(abandon_cap=cap)))
            bar.advance(task)
    typer.echo(f"{'mode':<12} {'abandoned':>9} {'worst day':>9} {'talk':>6} {'connects/h':>10}")
    for r in results:
        typer.echo(
            f"{r.mode:<12} {r.abandon_rate:>9.2%} {r.worst_day_abandon_rate:>9.2%} "
            f"{r.talk_share:>6.1%} {r.connects_per_agent_hour:>10.1f}"
        )


@app.command("run")
def run_command(
    minutes: int = typer.Option(10, help="Minutes to dial"),
    fast: bool = typer.Option(False, "--fast", help="Simulated time, as fast as it goes"),
    seed: int = typer.Option(1),
) -> None:
    """Run the dialer over the running lists against the built-in switch simulator (agents'
    phones are their extensions) in real time, the CTI feed applying the switch's events
    after the dialer (so hang-ups free the agents), and print each list's figures. The
    router (``lealtad contactcenter route``) ends the agents' wrap-ups."""
    django_ready()
    import time

    from django.utils import timezone

    from lealtad.contact_engine.telephony.simulator import SwitchConfig, SwitchSimulator
    from lealtad.contactcenter.selectors import dialer as reads
    from lealtad.contactcenter.services import cti, telephony
    from lealtad.contactcenter.services.dialer_job import DialerJob, register_job
    from lealtad.core.console import progress

    phones = tuple(sorted(reads.agent_extensions()))
    sim = SwitchSimulator(
        SwitchConfig(switch_id="dialer-sim", phones=phones, start=timezone.now()), seed=seed
    )
    telephony.register_switch(sim)
    job = DialerJob(sim, _actor())
    register_job(job)
    began = time.monotonic()
    with progress() as bar:
        task = bar.add_task("dialling", total=minutes * 60)
        for second in range(1, minutes * 60 + 1):
            if not fast:
                time.sleep(max(0.0, began + second - time.monotonic()))
            events = sim.advance(second)
            for event in events:
                job.apply(event)
            cti.apply_events(events)
            job.step(sim.at(second))
            bar.advance(task)
    lists_command()
