"""``lealtad sales commissions …``: preview a rep's period, settle it, show a statement."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Commissions: preview, settle, statements.", no_args_is_help=True, cls=RefusalsShown
)

Rep = Annotated[str, typer.Argument(help="The rep: username or user id")]
Start = Annotated[str, typer.Option(help="First day (YYYY-MM-DD); default the month's first")]
End = Annotated[str, typer.Option(help="Last day (YYYY-MM-DD); default today")]


def _period(rep: str, start: str, end: str) -> Any:
    from django.utils import timezone

    from lealtad.sales.services import commissions

    today = timezone.localdate()
    return commissions.check_period(
        rep, start or today.replace(day=1).isoformat(), end or today.isoformat()
    )


def _show(document: dict[str, Any]) -> None:
    from lealtad.core.console import console

    state = "settled" if document["settled"] else "preview"
    console.print(
        f"{document['rep']} {document['start']}..{document['end']} ({state}): "
        f"earned {document['earned']}, clawed back {document['clawed_back']}, "
        f"net {document['net']}"
    )
    for line in document["lines"]:
        console.print(
            f"  {line['on']} {line['order']} {line['sku']} {line['kind']} "
            f"{line['rule']} {line['amount']}"
            + (f" (takes back #{line['original_id']})" if line["original_id"] else "")
        )


@app.command("preview")
def preview_command(rep: Rep, start: Start = "", end: End = "") -> None:
    """What settling the period would give (nothing is settled)."""
    django_ready()
    from lealtad.sales.services import commissions

    _show(commissions.preview(_period(rep, start, end)))


@app.command("settle")
def settle_command(
    rep: Rep,
    start: Start = "",
    end: End = "",
    as_user: Annotated[str, typer.Option("--as", help="Who settles (a username)")] = "",
) -> None:
    """Settle the period into a statement (refused when it is settled already)."""
    django_ready()
    from django.contrib.auth import get_user_model

    from lealtad.core.audit import Actor
    from lealtad.sales.services import commissions

    actor = Actor(label="cli", channel="cli")
    if as_user:
        user = get_user_model().objects.filter(username=as_user).first()
        if user is None:
            typer.echo(f"--as: no user {as_user!r}", err=True)
            raise typer.Exit(2)
        actor = Actor.for_user(user, channel="cli")
    _show(commissions.settle(_period(rep, start, end), actor))


@app.command("statement")
def statement_command(rep: Rep, start: Start = "", end: End = "") -> None:
    """The statement settled for exactly this rep and period."""
    django_ready()
    from lealtad.sales.services import commissions

    _show(commissions.settled(_period(rep, start, end)))


__all__ = ["app"]
