"""``lealtad service …``: the service desk from a shell. Each area adds its commands here with
one ``app.add_typer`` line, so ``lealtad service --help`` lists the whole context."""

from __future__ import annotations

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.service.cli_cases import app as cases_app
from lealtad.service.cli_field import app as field_app
from lealtad.service.cli_knowledge import app as knowledge_app
from lealtad.service.cli_mail import app as mail_app
from lealtad.service.cli_metrics import app as metrics_app
from lealtad.service.cli_surveys import app as surveys_app

app = typer.Typer(help="The service desk.", no_args_is_help=True, cls=RefusalsShown)
app.add_typer(mail_app, name="mail")
app.add_typer(knowledge_app, name="kb")
app.add_typer(field_app, name="field")
app.add_typer(cases_app, name="cases")
app.add_typer(surveys_app, name="surveys")
app.add_typer(metrics_app, name="metrics")


@app.command("demo")
def demo_command() -> None:
    """Load the whole service desk's demo for the demo customers: cases, knowledge base, field
    visits, mail threads, a contract, an RMA, answered surveys (idempotent)."""
    from lealtad.core.cli_setup import django_ready

    django_ready()
    from lealtad.service import demo

    done = demo.load_all()
    typer.echo(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in done.items()))
