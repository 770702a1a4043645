"""``lealtad users``: create users, set passwords, reset a lost authenticator.

Every password set here passes Django's password validators (length, common passwords,
all-digits, likeness to the user's name), as in the admin; a refused one changes nothing.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(no_args_is_help=True, cls=RefusalsShown)


def checked_password(password: str, user: Any) -> str:
    """The password, or exit 2 listing every validator's objection."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        for message in exc.messages:
            typer.echo(f"password refused: {message}", err=True)
        raise typer.Exit(2) from exc
    return password


def _password(given: str | None) -> str:
    if given is not None:
        return given
    if env := os.environ.get("LEALTAD_NEW_PASSWORD"):
        return env
    return str(typer.prompt("New password", hide_input=True, confirmation_prompt=True))


@app.command("create")
def create(
    username: str,
    role: Annotated[list[str] | None, typer.Option(help="Role; repeat for several")] = None,
    staff: Annotated[bool, typer.Option(help="May open the admin (needs two-factor)")] = False,
    password: Annotated[
        str | None, typer.Option(help="Else LEALTAD_NEW_PASSWORD, else asked")
    ] = None,
) -> None:
    """Create a user in the given roles; the password must pass the validators."""
    django_ready()
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from lealtad.core.roles import Role

    roles = role or []
    unknown = [r for r in roles if r not in {m.value for m in Role}]
    if unknown:
        typer.echo(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(Role)}", err=True)
        raise typer.Exit(2)
    if User.objects.filter(username=username).exists():
        typer.echo(f"user {username!r} already exists", err=True)
        raise typer.Exit(2)
    candidate = User(username=username, is_staff=staff)
    secret = checked_password(_password(password), candidate)
    with transaction.atomic():
        user = User.objects.create_user(username, password=secret, is_staff=staff)
        for name in roles:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    typer.echo(f"Created user {username} ({', '.join(roles) or 'no role'})")


@app.command("set-password")
def set_password(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="Else LEALTAD_NEW_PASSWORD, else asked")
    ] = None,
) -> None:
    """Set a user's password; a weak one is refused with the reasons."""
    django_ready()
    from django.contrib.auth.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(2)
    user.set_password(checked_password(_password(password), user))
    user.save(update_fields=["password"])
    typer.echo(f"Password of {username} changed.")


@app.command("reset-2fa")
def reset_two_factor(username: str) -> None:
    """Forget a user's authenticator (a lost phone): the next sign-in sets up a new one."""
    django_ready()
    from django.contrib.auth.models import User

    from lealtad.accounts import two_factor

    user = User.objects.filter(username=username).first()
    if user is None:
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(2)
    removed = two_factor.reset(user)
    # Sessions it verified lose their verification with it: staff are signed out at their
    # next request (RequireTwoFactorMiddleware) and set up a new authenticator at sign-in.
    typer.echo(f"Removed {removed} authenticator(s) of {username}.")
