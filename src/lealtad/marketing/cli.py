"""``lealtad marketing …``: marketing from a shell. Each area adds its commands here with one
``app.add_typer`` line, so ``lealtad marketing --help`` lists the whole context."""

from __future__ import annotations

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.marketing.cli_campaigns import app as campaigns_app
from lealtad.marketing.cli_campaigns import suppressions_app
from lealtad.marketing.cli_offers import app as offers_app
from lealtad.marketing.cli_responses import bounces_app, results_app
from lealtad.marketing.cli_segments import app as segments_app
from lealtad.marketing.cli_segments import audience_app

app = typer.Typer(help="Marketing.", no_args_is_help=True, cls=RefusalsShown)

app.add_typer(campaigns_app, name="campaigns")
app.add_typer(suppressions_app, name="suppressions")
app.add_typer(bounces_app, name="bounces")
app.add_typer(results_app, name="results")
app.add_typer(segments_app, name="segments")
app.add_typer(audience_app, name="audience")
app.add_typer(offers_app, name="offers")


@app.command("demo")
def demo_command() -> None:
    """Build the audience, then add demo segments, offers and a draft win-back campaign
    (what exists by name or code is left as it is)."""
    from lealtad.core.cli_setup import django_ready

    django_ready()
    from lealtad.marketing import demo

    typer.echo(str(demo.seed()))
