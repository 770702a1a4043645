"""The acting user of a ``lealtad sales …`` command (``--as``), shared by the commands
written after it so each does not keep its own copy."""

from __future__ import annotations

from typing import Annotated, Any

import typer

AsUser = Annotated[str, typer.Option("--as", help="Acting user")]


def actor_for(username: str, option: str = "--as") -> Any:
    """The user's actor on the ``cli`` channel; exit 2 naming the option when there is none."""
    from django.contrib.auth import get_user_model

    from lealtad.core.audit import Actor

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        typer.echo(f"{option}: no user {username!r}", err=True)
        raise typer.Exit(2)
    return Actor.for_user(user, channel="cli")
