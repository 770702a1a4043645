"""``lealtad contactcenter …``: the ACD router process and a look at the center from a shell.

Helpers' command groups (staffing, simulation, dialer, the demo center) are added here with
one line each, so ``lealtad contactcenter --help`` lists the whole context.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import typer

from lealtad.contactcenter.cli_cti import demo_command
from lealtad.contactcenter.cli_dialer import app as dialer_app
from lealtad.contactcenter.cli_ivr import app as ivr_app
from lealtad.contactcenter.cli_simulate import simulate_command
from lealtad.contactcenter.cli_staffing import staffing_command
from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="The contact center.", no_args_is_help=True, cls=RefusalsShown)
app.command("simulate")(simulate_command)
app.command("staffing")(staffing_command)
app.command("demo")(demo_command)
app.add_typer(dialer_app, name="dialer")
app.add_typer(ivr_app, name="ivr")


@app.command("route")
def route_command(
    once: bool = typer.Option(False, "--once", help="One pass, then exit"),
    poll: float = typer.Option(0.05, "--poll", help="Seconds between looks at the journal"),
) -> None:
    """Run the ACD router: offers contacts to agents, times out unanswered offers, ends
    wrap-ups. One per database; ``lealtad serve`` starts it beside the web server. Killed at
    any moment it loses nothing: the next one rebuilds from the journalled rows."""
    django_ready()
    from lealtad.contactcenter.services import runtime

    if once:
        typer.echo(f"router: {runtime.RouterRuntime().step()} decisions written")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        runtime.run(stop, poll=poll)


@app.command("status")
def status_command() -> None:
    """Queues with who waits in them, and agents with their states."""
    django_ready()
    from rich.console import Console
    from rich.table import Table

    from lealtad.contactcenter import selectors

    waiting: dict[str, int] = {}
    for contact in selectors.waiting():
        name = contact.queue.name if contact.queue is not None else "-"
        waiting[name] = waiting.get(name, 0) + 1
    queues = Table("queue", "skill", "level", "waiting", title="Queues")
    for queue in selectors.queues():
        queues.add_row(
            queue.name, queue.skill.name, str(queue.level), str(waiting.get(queue.name, 0))
        )
    people = Table("agent", "state", "since", "skills", title="Agents")
    for agent in selectors.agents():
        since = f"{agent.state_since:%H:%M:%S}" if agent.state_since else ""
        skills = ", ".join(f"{k}:{v}" for k, v in selectors.skills_of(agent).items())
        people.add_row(agent.name, agent.get_state_display(), since, skills)
    console = Console()
    console.print(queues)
    console.print(people)
