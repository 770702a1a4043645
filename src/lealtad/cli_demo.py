"""``lealtad demo``: the demo company every context fills, so a first look finds a working CRM."""

from __future__ import annotations

from typing import Annotated

import typer

from lealtad.core.cli_setup import django_ready
from lealtad.core.console import progress


def demo(
    customers: int = 2000,
    seed: int = 7,
    interactions_per_customer: int = 10,
    if_empty: Annotated[bool, typer.Option(help="Do nothing when customers exist")] = False,
    purchases: Annotated[
        bool, typer.Option(help="Add 30 months of orders, returns and payments (commerce)")
    ] = True,
    scenario: Annotated[
        str | None, typer.Option(help="Play a story instead: cross-channel (seed 000)")
    ] = None,
) -> None:
    """Load realistic Spanish-language demo customers and their multi-channel history."""
    django_ready()
    from lealtad.commerce.demo_history import Purchases
    from lealtad.customers.demo import loading as demo_data

    if scenario is not None:
        _play_scenario(scenario)
        return

    if if_empty and demo_data.has_customers():
        typer.echo("Customers already present; demo data not loaded.")
        return
    with progress() as bar:
        report = demo_data.load(
            customers=customers,
            seed=seed,
            interactions_per_customer=interactions_per_customer,
            progress=bar,
            shoppers=Purchases(seed) if purchases else None,  # what they bought in 30 months
        )
    typer.echo(report)
    _seed_other_contexts()


def _play_scenario(scenario: str) -> None:
    if scenario != "cross-channel":
        typer.echo(f"unknown scenario {scenario!r}; known: cross-channel", err=True)
        raise typer.Exit(2)
    from lealtad.commerce.demo import cross_channel

    with progress() as bar:
        typer.echo(cross_channel(progress=bar))


def _seed_other_contexts() -> None:
    """The service desk, loyalty club, marketing and sales built on the customers and
    orders just loaded, so they must run after them."""
    from lealtad.service import demo as service_demo

    done = service_demo.load_all()  # the service desk for some of these customers
    typer.echo("service desk: " + ", ".join(f"{n} {what}" for what, n in done.items()))
    from lealtad.loyalty import demo as loyalty_demo
    from lealtad.marketing import demo as marketing_demo

    club = loyalty_demo.seed()  # the club, its members earning on the last year's orders
    typer.echo(f"loyalty: {club.program.name}, {club.members} members, {club.entries} entries")
    typer.echo(str(marketing_demo.seed()))
    from lealtad.sales import demo as sales_demo

    typer.echo(str(sales_demo.seed()))  # a team, leads and a pipeline with deals at each stage
