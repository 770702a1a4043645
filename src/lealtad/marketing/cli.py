"""``lealtad marketing …``: marketing from a shell. Each area adds its commands here with one
``app.add_typer`` line, so ``lealtad marketing --help`` lists the whole context."""

from __future__ import annotations

import typer

from lealtad.core.cli_errors import RefusalsShown

app = typer.Typer(help="Marketing.", no_args_is_help=True, cls=RefusalsShown)
