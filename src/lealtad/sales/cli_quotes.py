"""``lealtad sales quotes …``: draft a quote from a JSON file, list and show quotes (and
write a version's PDF), submit, approve or reject, send by e-mail, revise, accept into an
order. The services decide; a refusal prints in red and exits 1."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Quotes.", no_args_is_help=True, cls=RefusalsShown)

AsUser = Annotated[str, typer.Option("--as", help="Acting user")]


def _actor(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from lealtad.core.audit import Actor

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        typer.echo(f"--as: no user {username!r}", err=True)
        raise typer.Exit(2)
    return Actor.for_user(user, channel="cli")


def _input(raw: dict[str, Any]) -> Any:
    from lealtad.sales.services import quotes

    money = ("discount_percent", "discount_amount")

    def read(values: dict[str, Any]) -> dict[str, Any]:
        return {k: Decimal(str(v)) if k in money else v for k, v in values.items()}

    lines = [quotes.LineInput(**read(line)) for line in raw.pop("lines", [])]
    fields = read(raw)
    if fields.get("valid_until"):
        fields["valid_until"] = date.fromisoformat(str(fields["valid_until"]))
    return quotes.QuoteInput(lines=lines, **fields)


def _show(quote: Any) -> None:
    from lealtad.core.console import console
    from lealtad.sales import selectors_quotes
    from lealtad.sales.quote_totals import amount_text

    doc = selectors_quotes.document(quote)
    console.print(f"[bold]{doc.reference}[/bold] {quote.get_status_display()} — {doc.customer}")
    for group in doc.totals.groups:
        if doc.show_groups:
            console.print(f"[bold]{group.name or '-'}[/bold]")
        for line in group.lines:
            console.print(
                f"  {line.sku:<16} {line.quantity:>6} x {amount_text(line.unit_price):>14}"
                f"  -{amount_text(line.discount):>12}  {amount_text(line.total):>14}"
            )
        if doc.show_groups:
            console.print(
                f"  {'':<16} {'':>6}   {'':>14}  {'':>13}  {amount_text(group.total):>14}"
            )
    t = doc.totals
    console.print(
        f"subtotal {amount_text(t.subtotal)}  discount {amount_text(t.discount)}  "
        f"{doc.tax_name or 'tax'} {amount_text(t.tax)}  total {amount_text(t.total)} {doc.currency}"
    )


@app.command("create")
def create_command(file: Path, as_user: AsUser = "admin") -> None:
    """Draft a quote from a JSON file: country, customer_id or opportunity, lines (sku,
    quantity, group, discount_percent, discount_amount), discounts, title, language."""
    django_ready()
    from lealtad.sales.services import quotes

    _show(quotes.create_quote(_input(json.loads(file.read_text())), _actor(as_user)))


@app.command("list")
def list_command(
    status: Annotated[str, typer.Option(help="Only this status")] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The latest quote versions: number, version, status, customer, total."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.sales import selectors_quotes

    for q in selectors_quotes.recent(status=status, limit=limit):
        console.print(
            f"{q.number} v{q.version} {q.status:<17} #{q.customer_id} {q.total} {q.currency}"
        )


@app.command("show")
def show_command(
    number: str,
    version: Annotated[int, typer.Option(help="An earlier version")] = 0,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF here")] = None,
) -> None:
    """A version's lines and totals (as its page and PDF show them)."""
    django_ready()
    from lealtad.sales.services import quote_sending, quotes

    quote = quotes.version_of(number, version) if version else quotes.latest(number)
    _show(quote)
    if pdf is not None:
        pdf.write_bytes(quote_sending.pdf_of(quote))
        typer.echo(f"PDF written to {pdf}")


@app.command("submit")
def submit_command(number: str, as_user: AsUser = "admin") -> None:
    """Close the draft: approved within the discount limit, else waiting for a manager."""
    django_ready()
    from lealtad.sales.services import quotes

    typer.echo(quotes.submit(number, _actor(as_user)).status)


@app.command("decide")
def decide_command(
    number: str,
    approve: Annotated[bool, typer.Option("--approve/--reject")],
    note: Annotated[str, typer.Option(help="Why (required to reject)")] = "",
    as_user: AsUser = "admin",
) -> None:
    """A sales manager approves or rejects a quote waiting for approval."""
    django_ready()
    from django.contrib.auth import get_user_model

    from lealtad.core.roles import Capability, user_capabilities
    from lealtad.sales.services import quotes

    actor = _actor(as_user)
    user = get_user_model().objects.get(pk=actor.user_id)
    if Capability.SALES_MANAGE not in user_capabilities(user):
        typer.echo(f"--as: {as_user} is not a sales manager", err=True)
        raise typer.Exit(2)
    typer.echo(quotes.decide(number, approve, note, actor).status)


@app.command("send")
def send_command(number: str, to: str, as_user: AsUser = "admin") -> None:
    """Mail the latest version's PDF to ``to``."""
    django_ready()
    from lealtad.sales.services import quote_sending

    typer.echo(quote_sending.send(number, to, _actor(as_user)).status)


@app.command("revise")
def revise_command(number: str, as_user: AsUser = "admin") -> None:
    """A new draft version copied from the latest one, priced today."""
    django_ready()
    from lealtad.sales.services import quotes

    _show(quotes.revise(number, _actor(as_user)))


@app.command("accept")
def accept_command(
    number: str,
    terms: Annotated[str, typer.Option(help="Order terms as JSON (fulfilment, payment…)")] = (
        '{"fulfilment": "ship", "ship_address_kind": "home", "payment": {"on_file": true}}'
    ),
    as_user: AsUser = "admin",
) -> None:
    """Place the order for the sent quote through commerce, at the quote's total."""
    django_ready()
    from lealtad.sales.services import quote_acceptance

    accepted = quote_acceptance.accept(number, json.loads(terms), _actor(as_user))
    typer.echo(f"{accepted.status} {accepted.order_number}")
