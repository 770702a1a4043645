"""``lealtad marketing offers …``: the offers with their tallies, one customer's next best
offers on a channel (and why the others were left out), and the monthly uplift report."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Next-best-offer: list, show a customer's offers, uplift.",
    no_args_is_help=True,
    cls=RefusalsShown,
)


@app.command("list")
def list_command() -> None:
    """Every offer with shown, accepted, declined, ignored and the acceptance rate."""
    django_ready()
    from django.utils.translation import gettext_lazy as _  # noqa: F401
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.marketing.selectors import offers as reads

    table = Table("code", "kind", "priority", "active", "shown", "accepted", "declined", "rate")
    for row in reads.offers_page():
        offer, t = row["offer"], row["totals"]
        rate = "" if t["rate"] is None else f"{t['rate']:.1%}"
        table.add_row(
            offer.code, offer.kind, str(offer.priority), "yes" if offer.active else "no",
            str(t["shown"]), str(t["accepted"]), str(t["declined"]), rate,
        )  # fmt: skip
    console.print(table)


@app.command("show")
def show_command(
    customer: Annotated[int, typer.Argument(help="Customer number")],
    channel: Annotated[str, typer.Option(help="web, kiosk, pos, handheld, call_center, email")],
    limit: Annotated[int, typer.Option(help="How many offers")] = 3,
    store: Annotated[str, typer.Option(help="Store code, for its stock")] = "",
) -> None:
    """The customer's next best offers now, and why each other offer was left out. Read
    only: nothing is recorded as shown."""
    django_ready()
    from django.utils.translation import gettext_lazy as _

    from lealtad.marketing.selectors import offers as reads
    from lealtad.marketing.services.offers import OfferNotFound, check_channel

    check_channel(channel)
    decision = reads.decide(customer, channel, limit, store)
    if decision is None:
        raise OfferNotFound(_("There is no customer %(id)s."), field="customer", id=customer)
    verdict = decision.verdict
    if verdict.held_out:
        typer.echo(f"customer {customer} is in {decision.month}'s holdout: no offers")
    for n, ranked in enumerate(verdict.offers, 1):
        why = "; ".join(ranked.reasons)
        typer.echo(f"{n}. {ranked.code}  score {ranked.score:.3f}  {why}".rstrip())
    for code, why in sorted(verdict.left_out.items()):
        typer.echo(f"   left out {code}: {why}")


@app.command("uplift")
def uplift_command(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Offered vs holdout in the month: conversion, revenue per customer, lift and CI."""
    django_ready()
    from django.utils.translation import gettext_lazy as _

    from lealtad.marketing.selectors import offer_uplift
    from lealtad.marketing.services.offers import OfferRefused

    if not offer_uplift.MONTH.match(month):
        raise OfferRefused(_("A month is written YYYY-MM."), field="month")
    report = offer_uplift.uplift(month)
    if as_json:
        typer.echo(json.dumps(report, default=str, indent=2))
        return
    for group in ("offered", "holdout"):
        g = report[group]
        rate = "—" if g["conversion_rate"] is None else f"{g['conversion_rate']:.2%}"
        typer.echo(
            f"{group:8} customers {g['customers']:>8}  converted {g['converted']:>7}  "
            f"rate {rate:>7}  revenue/customer {g['revenue_per_customer']}"
        )
    for name in ("conversion", "revenue_per_customer"):
        lift = report[name]
        if lift["absolute"] is None:
            typer.echo(f"{name} lift: {lift['note']}")
        else:
            typer.echo(
                f"{name} lift: {lift['absolute']:.4f} "
                f"(95% CI {lift['ci_low']:.4f} … {lift['ci_high']:.4f})"
            )
