"""``lealtad contactcenter ivr …``: check a flow file, try it key by key without a PBX, load
it (a new version) and list what is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="IVR flows.", no_args_is_help=True, cls=RefusalsShown)
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]


def _actor():  # type: ignore[no-untyped-def]
    from lealtad.core.audit import Actor

    return Actor.system("cli")


@app.command("check")
def check_command(files: Files) -> None:
    """Check flow files (no database): every problem, by node and field."""
    from lealtad.contact_engine.ivr import Flow, FlowError

    failed = False
    for path in files:
        try:
            flow = Flow.from_yaml(path.read_text(encoding="utf-8"))
        except FlowError as error:
            failed = True
            typer.secho(f"{path}: {error}", fg="red", err=True)
            continue
        typer.echo(f"{path}: flow {flow.name}, {len(flow.nodes)} nodes, ok")
    if failed:
        raise typer.Exit(1)


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


@app.command("walk")
def walk_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    keys: Annotated[str, typer.Option(help="Inputs separated by commas; '-' is a timeout")] = "",
    fact: Annotated[list[str] | None, typer.Option(help="A fact, name=value (repeatable)")] = None,
    answer: Annotated[
        list[str] | None, typer.Option(help="A value every lookup answers, name=value")
    ] = None,
) -> None:
    """Walk a flow file key by key (no database), printing each step."""
    from lealtad.contact_engine.ivr import Flow, Session

    facts = {k: _value(v) for k, _, v in (f.partition("=") for f in fact or [])}
    values = {k: v for k, _, v in (a.partition("=") for a in answer or [])}

    class Answers:
        def answer(self, question: str, variables: Any, facts: Any) -> dict[str, str] | None:
            return values or None

    flow = Flow.from_yaml(file.read_text(encoding="utf-8"))
    session, step = Session.start(flow, facts, Answers())
    typer.echo(f"[{step.node}] {step.text}")
    for key in [k.strip() for k in keys.split(",") if k.strip()]:
        if step.terminal:
            break
        step = session.timeout() if key == "-" else session.input(key)
        typer.echo(f"  {'(silence)' if key == '-' else key} -> [{step.node}] {step.text}")
    if step.action is not None:
        typer.echo(f"=> {step.action.to_dict()}")
    elif step.expect is not None:
        typer.echo(f"... waits for {step.expect.to_dict()}")


@app.command("load")
def load_command(
    files: Files,
    activate: Annotated[bool, typer.Option(help="New calls start on it")] = True,
) -> None:
    """Save flow files as new versions (checked against the center's queues first)."""
    django_ready()
    from lealtad.contactcenter.services import ivr

    for path in files:
        row = ivr.save_flow(path.read_text(encoding="utf-8"), _actor(), activate=activate)
        typer.echo(f"{path}: {row.name} version {row.version}{' (active)' if row.active else ''}")


@app.command("seed")
def seed_command(
    create_queues: Annotated[bool, typer.Option(help="Create the queues they route to")] = True,
) -> None:
    """Load the example flows (examples/ivr)."""
    django_ready()
    from lealtad.contactcenter.services import ivr

    for row in ivr.seed_examples(_actor(), create_queues=create_queues):
        typer.echo(f"{row.name} version {row.version}{' (active)' if row.active else ''}")


@app.command("flows")
def flows_command() -> None:
    """The flows loaded, every version."""
    django_ready()
    from lealtad.contactcenter.selectors import ivr as reads

    for row in reads.flows():
        mark = "*" if row.active else " "
        typer.echo(
            f"{mark} {row.name:<20} v{row.version:<4} {row.created_at:%Y-%m-%d %H:%M} "
            f"{row.description}"
        )
