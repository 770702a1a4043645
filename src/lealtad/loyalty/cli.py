"""``lealtad loyalty …``: the loyalty program from a shell."""

from __future__ import annotations

import typer

from lealtad.core.cli_errors import RefusalsShown

app = typer.Typer(help="Loyalty.", no_args_is_help=True, cls=RefusalsShown)
