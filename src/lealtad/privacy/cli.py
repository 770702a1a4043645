"""``lealtad privacy …``: data-subject requests, exports, erasure and retention from a shell.

Every command acts as a user (``--as``, ``admin`` by default) who must hold the privacy
capability, and goes through the same services, steps and audit as the officer's pages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Privacy rights and retention.", no_args_is_help=True, cls=RefusalsShown)
requests_app = typer.Typer(help="Data-subject requests.", no_args_is_help=True, cls=RefusalsShown)
app.add_typer(requests_app, name="requests")
AsUser = Annotated[str, typer.Option("--as", help="Acting user (a privacy officer or admin)")]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _officer(username: str) -> Any:
    django_ready()
    from django.contrib.auth.models import User

    from lealtad.core.access import principal_for_user
    from lealtad.core.audit import Actor
    from lealtad.core.roles import Capability
    from lealtad.privacy import services

    user = User.objects.filter(username=username).first()
    if user is None:
        raise _fail(f"no user {username!r}")
    who = principal_for_user(user)
    if not who.can(Capability.PRIVACY):
        raise _fail(f"{username} is not a privacy officer or administrator")
    return services.Officer(Actor(label=f"{username} (cli)", user_id=user.pk))


def _request(request_id: int) -> Any:
    from lealtad.privacy import selectors

    found = selectors.get_request(request_id)
    if found is None:
        raise _fail(f"no request {request_id}")
    return found


def _run(action: Any) -> Any:
    """Run a service step; a refusal is shown by the command group (core/cli_errors.py)."""
    return action()


def _show(r: Any) -> None:
    from lealtad.privacy import selectors

    late = " OVERDUE" if selectors.is_overdue(r) else ""
    typer.echo(
        f"#{r.pk}\t{r.kind}\t{r.status}\tcustomer {r.customer_id}\t"
        f"received {r.received_at:%Y-%m-%d}\tdue {r.due_at:%Y-%m-%d}{late}\t"
        f"{r.handled_by or '-'}"
    )


@requests_app.command("list")
def list_requests(
    status: Annotated[str, typer.Option(help="open, closed, all or one status")] = "open",
    overdue: Annotated[bool, typer.Option(help="Only open requests past their due date")] = False,
    as_user: AsUser = "admin",
) -> None:
    """Requests, soonest due first."""
    _officer(as_user)
    from lealtad.privacy import selectors

    for r in selectors.requests(status, overdue):
        _show(r)


@requests_app.command("open")
def open_request(
    customer_id: int,
    kind: Annotated[
        str, typer.Option(help="access, rectification, portability, objection, erasure")
    ],
    channel: Annotated[str, typer.Option(help="How it arrived (email, store …)")] = "",
    details: Annotated[str, typer.Option(help="What the person asks")] = "",
    as_user: AsUser = "admin",
) -> None:
    """Record a request as received."""
    who = _officer(as_user)
    from lealtad.privacy import services

    made = _run(
        lambda: services.open_request(customer_id, kind, who, channel=channel, details=details)
    )
    _show(made)


@requests_app.command("show")
def show(request_id: int, as_user: AsUser = "admin") -> None:
    """A request and its steps."""
    _officer(as_user)
    r = _request(request_id)
    _show(r)
    for s in r.steps.all():
        typer.echo(f"  {s.at:%Y-%m-%d %H:%M}\t{s.action}\t{s.actor_label}\t{s.note}")


@requests_app.command("verify")
def verify(
    request_id: int,
    method: Annotated[str, typer.Option(help="How the identity was verified")],
    as_user: AsUser = "admin",
) -> None:
    """Record that the person's identity was verified."""
    who = _officer(as_user)
    from lealtad.privacy import services

    _show(_run(lambda: services.verify_identity(_request(request_id), method, who)))


@requests_app.command("rectify")
def rectify(
    request_id: int,
    change: Annotated[list[str], typer.Option("--set", help="field=value; repeat for several")],
    as_user: AsUser = "admin",
) -> None:
    """Correct profile fields as the person asked."""
    who = _officer(as_user)
    from lealtad.privacy import services

    pairs = [c.partition("=") for c in change]
    if any(not sep for _, sep, _ in pairs):
        raise _fail("--set: give field=value")
    changes = {k.strip(): v for k, _, v in pairs}
    _show(_run(lambda: services.rectify(_request(request_id), changes, who)))


@requests_app.command("object")
def object_to_marketing(request_id: int, as_user: AsUser = "admin") -> None:
    """Withdraw every marketing consent of the person (objection)."""
    who = _officer(as_user)
    from lealtad.privacy import services

    changed = _run(lambda: services.object_to_marketing(_request(request_id), who))
    typer.echo(f"{changed} consents withdrawn")


@requests_app.command("complete")
def complete(request_id: int, note: str = "", as_user: AsUser = "admin") -> None:
    """Close the request as answered."""
    who = _officer(as_user)
    from lealtad.privacy import services

    _show(_run(lambda: services.complete(_request(request_id), note, who)))


@requests_app.command("reject")
def reject(
    request_id: int,
    reason: Annotated[str, typer.Option(help="Why it is rejected")],
    as_user: AsUser = "admin",
) -> None:
    """Reject the request, saying why."""
    who = _officer(as_user)
    from lealtad.privacy import services

    _show(_run(lambda: services.reject(_request(request_id), reason, who)))


def _request_for(customer_id: int, request_id: int | None, kinds: tuple[str, ...]) -> Any:
    """The request to act under: the one named, else the customer's only verified one."""
    from lealtad.privacy import selectors
    from lealtad.privacy.choices import RequestStatus

    if request_id is not None:
        found = _request(request_id)
        if found.customer_id != customer_id:
            raise _fail(f"request {request_id} is about customer {found.customer_id}")
        return found
    verified = (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
    mine = [
        r
        for r in selectors.requests("open", customer_id=customer_id)
        if r.kind in kinds and r.status in verified
    ]
    if len(mine) != 1:
        raise _fail(
            f"customer {customer_id} has {len(mine)} verified {'/'.join(kinds)} requests: "
            f"open one (lealtad privacy requests open {customer_id} --kind {kinds[0]}), verify "
            "it, or name it with --request"
        )
    return mine[0]


@app.command("export")
def export(
    customer_id: int,
    request_id: Annotated[int | None, typer.Option("--request", help="Request id")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    as_user: AsUser = "admin",
) -> None:
    """Everything about the person as one JSON document, under their access or portability
    request (recorded as a step)."""
    who = _officer(as_user)
    from lealtad.privacy import services

    found = _request_for(customer_id, request_id, ("access", "portability"))
    body = _run(lambda: services.export(found, who))
    if output is None:
        sys.stdout.write(body.decode())
        return
    output.touch(mode=0o600)
    output.write_bytes(body)
    typer.echo(f"wrote {len(body)} bytes to {output} (request #{found.pk})", err=True)


@app.command("erase")
def erase(
    customer_id: int,
    request_id: Annotated[int | None, typer.Option("--request", help="Request id")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone")] = False,
    as_user: AsUser = "admin",
) -> None:
    """Anonymize the person everywhere, under their verified erasure request."""
    who = _officer(as_user)
    from lealtad.privacy import services

    found = _request_for(customer_id, request_id, ("erasure",))
    if not yes:
        raise _fail("erasure cannot be undone: add --yes to confirm")
    counts = _run(lambda: services.erase(found, customer_id, who))
    typer.echo(json.dumps(counts, indent=1, default=str))


@app.command("retention")
def retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run/--apply", help="List what would go, or remove it")
    ] = True,
    as_user: AsUser = "admin",
) -> None:
    """Apply the switched-on retention policies (or list what they would remove)."""
    who = _officer(as_user)
    from lealtad.core.console import progress
    from lealtad.privacy import retention

    with progress() as bar:

        def track(total: int) -> Any:
            task = bar.add_task("removing", total=total)
            return lambda n: bar.advance(task, n)

        done = retention.run(who, dry_run=dry_run, trigger="cli", progress=track)
    if not done.results:
        typer.echo("no retention policy is switched on (lealtad privacy policy …)")
    for data_class, result in done.results.items():
        verb = "would remove" if dry_run else "removed"
        typer.echo(f"{data_class} (older than {result['months']} months): {verb} {result['count']}")
        for item in result["items"]:
            typer.echo(f"  {item}")


@app.command("policy")
def policy(
    data_class: Annotated[
        str,
        typer.Argument(help="interaction_bodies, lapsed_prospects, hub_messages, closed_requests"),
    ],
    months: Annotated[int, typer.Option(help="Months the data is kept")],
    active: Annotated[bool, typer.Option("--on/--off", help="Apply it or not")] = True,
    as_user: AsUser = "admin",
) -> None:
    """Set how long a class of data is kept, and switch its policy on or off."""
    who = _officer(as_user)
    from lealtad.privacy import retention

    set_to = _run(lambda: retention.set_policy(data_class, months, active, who))
    typer.echo(f"{set_to.data_class}: {set_to.months} months, {'on' if set_to.active else 'off'}")
