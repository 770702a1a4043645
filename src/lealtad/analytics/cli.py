"""``lealtad analytics …``: refresh, cube queries and exports from a shell."""

from __future__ import annotations

import os

import typer

from lealtad.core.cli_errors import RefusalsShown

app = typer.Typer(help="Customer analytics.", no_args_is_help=True, cls=RefusalsShown)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()
