"""``lealtad loyalty …``: the loyalty program from a shell: the expiry job, the ledger check,
a member's statement and a demo program."""

from __future__ import annotations

from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Loyalty.", no_args_is_help=True, cls=RefusalsShown)


@app.command("expire")
def expire_command() -> None:
    """Expire points past their date (oldest first) and review tiers (downgrades after
    grace). The dispatcher also runs it once a day."""
    django_ready()
    from django.utils import timezone

    from lealtad.core.console import console, progress
    from lealtad.loyalty.services import expiry

    due = expiry.due_members(timezone.now())
    with progress() as bar:
        task = bar.add_task("expiring", total=len(due))
        points = expiry.expire(tick=lambda n: bar.advance(task, n))
    moved = expiry.review_tiers()
    console.print(f"{points} points expired for {len(due)} members; {moved} tiers changed")


@app.command("check")
def check_command() -> None:
    """Prove every cached balance equals its ledger and every lot holds its balance."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.loyalty import selectors

    wrong = selectors.mismatches()
    lots = selectors.lots_mismatches()
    for member_id, cached, ledger in wrong:
        console.print(f"member {member_id}: cached {cached}, ledger {ledger}")
    for member_id in lots:
        console.print(f"member {member_id}: lots do not hold the balance")
    if wrong or lots:
        raise typer.Exit(1)
    console.print("every balance equals its ledger")


@app.command("statement")
def statement_command(
    customer: Annotated[int, typer.Argument(help="The customer's id")],
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM; this month if left out")
    ] = None,
) -> None:
    """A member's statement: opening balance, movements with their source, closing balance."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.loyalty import selectors
    from lealtad.loyalty.statements import month_range

    found = selectors.member_for_customer(customer)
    if found is None:
        console.print(f"customer {customer} is not a member")
        raise typer.Exit(1)
    first, last = month_range(month)
    statement = selectors.statement(found, first, last)
    table = Table("date", "movement", "source", "points")
    for e in statement.movements:
        table.add_row(
            e.at.date().isoformat(),
            e.get_kind_display(),
            f"{e.source_kind} {e.source_id}",
            f"{e.points:+d}",
        )
    console.print(f"{found.program.name}, customer {customer}, {first.date()} to {last.date()}")
    console.print(f"opening balance {statement.opening}")
    console.print(table)
    console.print(f"closing balance {statement.closing}")


@app.command("demo")
def demo_command() -> None:
    """A program with tiers, rules and a bonus week; the customers with orders earn from
    them (through the same path as the hub, so running it twice earns nothing more)."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.loyalty import demo

    made = demo.seed()
    console.print(f"program {made.program.code}: {made.members} members, {made.entries} entries")
