"""``lealtad analytics …``: refresh, cube queries and exports from a shell."""

from __future__ import annotations

import typer

from lealtad.analytics import cli_cube
from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Customer analytics.", no_args_is_help=True, cls=RefusalsShown)


@app.command("refresh")
def refresh_command(
    as_of: str = typer.Option("", "--as-of", help="Assess as of this day (YYYY-MM-DD)"),
    if_stale: bool = typer.Option(
        False, "--if-stale", help="Only when no refresh has finished today (for start-up)"
    ),
    user: str = typer.Option("admin", "--as", help="Acting user, for the run and the audit"),
    full_facts: bool = typer.Option(
        False, "--full-facts", help="Export every fact afresh instead of folding in the feed"
    ),
) -> None:
    """Recompute tiers, RFM, lifetime value, churn risk, lifecycle stages and the cube's
    facts, and write them back on every customer (with a progress bar)."""
    django_ready()
    from datetime import date

    from django.utils import timezone

    from lealtad.analytics.selectors import value
    from lealtad.analytics.services import refresh
    from lealtad.core.audit import Actor
    from lealtad.core.console import progress

    day = date.fromisoformat(as_of) if as_of else None
    last = value.last_done_run()
    if if_stale and last and last.as_of >= (day or timezone.localdate()):
        typer.echo(f"analytics: refreshed already as of {last.as_of} (run {last.pk})")
        return
    with progress() as bar:
        tasks: dict[str, object] = {}

        def echo(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, 1))  # type: ignore[arg-type]

        run = refresh.run(
            Actor.system(user), trigger="cli", as_of=day, echo=echo, full_facts=full_facts
        )
    typer.echo(
        f"analytics: run {run.pk} assessed {run.customers} customers as of {run.as_of}; "
        f"{run.tier_changes} changed tier, {run.stage_changes} changed lifecycle stage"
    )
    for warning in run.warnings:
        typer.echo(f"warning: {warning}", err=True)


@app.command("value")
def value_command(customer_id: int) -> None:
    """One customer's value as of the last refresh, as JSON."""
    django_ready()
    import json

    from lealtad.analytics.selectors import value

    found = value.customer_value(customer_id)
    if found is None:
        typer.echo(f"customer {customer_id} has not been assessed yet", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(found, default=str, indent=2, ensure_ascii=False))


cli_cube.register(app)  # facts-export, facts-compact, cube


@app.command("holdout")
def holdout_command(
    weeks: int = typer.Option(26, "--weeks", help="How far back the forecast starts"),
) -> None:
    """Each tier's forecast made ``weeks`` ago against what its customers did since."""
    django_ready()
    import json

    from django.utils import timezone

    from lealtad.analytics.services import holdout

    found = holdout.tier_holdout(weeks, timezone.localdate())
    typer.echo(json.dumps(found, default=str, indent=2))
