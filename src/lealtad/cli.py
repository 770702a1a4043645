"""The ``lealtad`` command: set-up, serving, demo data, tokens, ingestion, import and export."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Annotated

import typer

from lealtad.cli_demo import demo
from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready
from lealtad.core.console import progress

app = typer.Typer(
    help="Lealtad: one customer across every channel.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=RefusalsShown,  # a service's refusal: a red line and exit status 1 (core/cli_errors.py)
)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True, cls=RefusalsShown)
events_app = typer.Typer(help="Canonical events.", no_args_is_help=True, cls=RefusalsShown)
customers_app = typer.Typer(
    help="Customer import, export and data quality.", no_args_is_help=True, cls=RefusalsShown
)
app.add_typer(token_app, name="token")
app.add_typer(events_app, name="events")
app.add_typer(customers_app, name="customers")
app.command()(demo)


def _mount_context_commands() -> None:
    """Command groups that contexts own (they import Django lazily inside each command)."""
    from lealtad.accounts.users_cli import app as users_app
    from lealtad.analytics.cli import app as analytics_app
    from lealtad.channels.connectors_cli import app as connectors_app
    from lealtad.contactcenter.cli import app as contactcenter_app
    from lealtad.core.hub_cli import app as hub_app
    from lealtad.customers.identity_cli import app as identity_app
    from lealtad.loyalty.cli import app as loyalty_app
    from lealtad.marketing.cli import app as marketing_app
    from lealtad.privacy.cli import app as privacy_app
    from lealtad.sales.cli import app as sales_app
    from lealtad.service.cli import app as service_app

    app.add_typer(identity_app, name="identity", help="Identity resolution: train, dedupe.")
    app.add_typer(connectors_app, name="connectors", help="Connectors to external systems.")
    app.add_typer(users_app, name="users", help="Users: create, passwords, two-factor reset.")
    app.add_typer(privacy_app, name="privacy", help="Privacy rights and retention.")
    app.add_typer(hub_app, name="hub", help="The event hub: backlog, the Redis Streams relay.")
    app.add_typer(analytics_app, name="analytics", help="Customer analytics: refresh, cube.")
    app.add_typer(
        contactcenter_app, name="contactcenter", help="The contact center: the ACD router …"
    )
    app.add_typer(service_app, name="service", help="The service desk: cases, knowledge base …")
    app.add_typer(marketing_app, name="marketing", help="Segments, campaigns, offers.")
    app.add_typer(loyalty_app, name="loyalty", help="The loyalty program: points, tiers.")
    app.add_typer(sales_app, name="sales", help="Sales: leads, pipelines, opportunities.")


@app.command()
def init() -> None:
    """Migrate the database, create the roles and the ``admin`` user (idempotent)."""
    django_ready()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from lealtad.accounts.users_cli import checked_password
    from lealtad.core.roles import Role

    password = os.environ.get("LEALTAD_ADMIN_PASSWORD")
    if password:  # refused before anything is written, with every validator's reason
        checked_password(password, User(username="admin"))
    call_command("migrate", interactive=False, verbosity=0)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        password = password or secrets.token_urlsafe(16)
        admin = User.objects.create_superuser("admin", "", password)
        admin.groups.add(Group.objects.get(name=Role.ADMIN.value))
        typer.echo(f"Created user admin with password: {password}")
        typer.echo("At the first sign-in, admin sets up an authenticator app (two-factor).")
    elif password and not admin.check_password(password):
        admin.set_password(password)
        admin.save(update_fields=["password"])
        typer.echo("Set the admin password from LEALTAD_ADMIN_PASSWORD.")
    else:
        typer.echo("Database ready; user admin already exists (password unchanged).")


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket for uvicorn, bound here so accepted connections get TCP_NODELAY.

    uvicorn binds its multi-worker socket as ``socket(AF_INET)`` (protocol 0) and asyncio sets
    ``TCP_NODELAY`` only on sockets whose protocol is ``IPPROTO_TCP``: every response (headers
    and body are two writes) then waited ~40 ms for the client's delayed ACK (Nagle). Bound
    with the protocol from ``getaddrinfo``, and with ``TCP_NODELAY`` on the listener (Linux
    copies it to accepted sockets), every worker and event loop sends at once.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        typer.echo(f"cannot listen on {host}:{port}: {exc}", err=True)
        raise typer.Exit(1) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    dispatcher: Annotated[bool, typer.Option(help="Run the hub dispatcher here")] = True,
    loop: Annotated[
        str, typer.Option(help="Event loop: auto (uvloop if installed), asyncio, uvloop")
    ] = "auto",
    http: Annotated[
        str, typer.Option(help="HTTP parser: auto (httptools if installed), h11, httptools")
    ] = "auto",
    demo_center: Annotated[
        bool, typer.Option(help="Also run the simulated contact center (demo calls in real time)")
    ] = False,
) -> None:
    """Serve the ASGI app under uvicorn, with the hub's dispatcher in a child process."""
    django_ready()
    import uvicorn
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    sock = _listen(host, port)
    if workers == 1:
        # The app (URL configuration, API schemas) loaded before the worker processes are
        # spawned: started together they import the same modules on the same cores, and the
        # first page waited for all three (24 s to the first answer, 9 s now, on 2 cores).
        import lealtad.asgi  # noqa: F401
    hub: BaseProcess | None = None
    acd: BaseProcess | None = None
    if dispatcher and settings.LEALTAD_EMBEDDED_WORKERS:
        # Its own process: a dispatcher thread beside the requests took most of the GIL
        # while ingestion was busy (it settles each message in Python).
        hub = _start_child(_dispatcher_process, "lealtad-dispatcher")
        # The contact center's ACD router: one per database, in a process of its own.
        acd = _start_child(_router_process, "lealtad-acd")
    center = _start_child(_demo_center_process, "lealtad-demo-center") if demo_center else None
    typer.echo(f"Lealtad at http://{host}:{port}/  (API docs at /api/docs)")
    try:
        uvicorn.run(
            "lealtad.asgi:application",
            fd=sock.fileno(),
            workers=workers,
            loop=loop,
            http=http,
            log_level="warning",
            access_log=False,
        )
    finally:
        _stop_children(hub, acd, center)


def _start_child(target: Callable[[int], None], name: str) -> BaseProcess:
    """Given this process's id, the child winds down when ``serve`` is gone
    (:func:`_stop_with`)."""
    child = multiprocessing.get_context("spawn").Process(
        target=target, args=(os.getpid(),), name=name
    )
    child.daemon = True
    child.start()
    return child


def _stop_children(*children: BaseProcess | None) -> None:
    for child in children:
        if child is not None and child.is_alive():
            child.terminate()
            child.join(10)


def _stop_with(parent: int) -> threading.Event:
    """An event set when the parent process is gone (the child then winds down)."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch, daemon=True).start()
    return stop


def _demo_center_process(parent: int) -> None:
    """The simulated contact center for ``serve --demo-center``: the switch simulator rings a
    day's calls through CTI, demo agents answer (agente1 and agente2 are left for people)."""
    django_ready()
    from lealtad.contactcenter import demo

    with contextlib.suppress(KeyboardInterrupt):
        demo.DemoCenter(calls_per_day=3000).run(speed=1.0, stop=_stop_with(parent))


def _router_process(parent: int) -> None:
    """The contact center's router for ``serve``, ending with its parent."""
    django_ready()
    from lealtad.contactcenter.services import runtime

    with contextlib.suppress(KeyboardInterrupt):
        runtime.run(_stop_with(parent))


def _dispatcher_process(parent: int, batch: int = 50, pause: float = 0.5) -> None:
    """The hub dispatcher for ``serve``, in a child process that ends with its parent.

    Each pass settles at most ``batch`` messages in one transaction, then pauses as long as the
    pass took (at most 100 ms): a request waiting for SQLite's write lock polls for it (every
    100 ms once it has waited a while), and back-to-back dispatcher transactions left it no gap
    to take it (seconds of waiting for a 1000-event batch while the outbox had a backlog). Idle,
    it looks every ``pause`` seconds. ``lealtad dispatch`` (a worker of its own) is unchanged.
    With ``LEALTAD_REDIS_URL`` set, the outbox relay to Redis Streams runs in a thread beside
    it, so a Redis that is down or slow never holds back the subscribers.
    """
    django_ready()
    import logging

    from django.db import close_old_connections

    from lealtad.core.dispatcher import default_dispatcher
    from lealtad.core.streams.relay import start_in_background

    log = logging.getLogger("lealtad.core.dispatcher")
    hub = default_dispatcher()
    start_in_background()
    try:
        while os.getppid() == parent:
            started = time.monotonic()
            settled = 0
            try:
                close_old_connections()
                settled = hub.run_once(limit=batch)
            except Exception:
                log.exception("dispatcher pass failed")
            time.sleep(min(0.1, time.monotonic() - started) if settled else pause)
    except KeyboardInterrupt:
        pass


@app.command()
def dispatch(
    once: bool = False,
    share: Annotated[
        str,
        typer.Option(
            help="k/n: run as dispatcher k of n side by side (0/2 and 1/2), splitting the "
            "outbox by customer; each customer's events keep their order"
        ),
    ] = "0/1",
) -> None:
    """Run the hub dispatcher on its own (for a separate worker process), with the Redis
    Streams relay beside it when LEALTAD_REDIS_URL is set (``lealtad hub relay-redis``)."""
    django_ready()
    from lealtad.core.dispatcher import EmbeddedWorker, Share, default_dispatcher
    from lealtad.core.streams.relay import start_in_background

    try:
        part = Share.parse(share)
    except ValueError as bad:
        raise typer.BadParameter(str(bad), param_hint="--share") from None

    if once:
        typer.echo(f"settled {default_dispatcher(part).run_once(limit=100000)} messages")
        return
    if part.index == 0:
        start_in_background()  # one relay to Redis, beside the first share
    worker = EmbeddedWorker(default_dispatcher(part))
    worker.run()


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="Username the token acts for")],
    scope: Annotated[list[str] | None, typer.Option(help="Scope; repeat for several")] = None,
    name: str = "cli",
) -> None:
    """Create an API token; the token is the last line printed (it is shown only once)."""
    django_ready()
    from django.contrib.auth.models import User

    from lealtad.core import tokens

    found = User.objects.filter(username=user).first()
    if found is None:
        typer.echo(f"no user {user!r}", err=True)
        raise typer.Exit(2)
    scopes = scope or ["customers:read"]
    key = tokens.create_token(found, name, scopes)
    typer.echo(f"Token {name!r} for {user} with scopes {', '.join(scopes)}:")
    typer.echo(key)


@token_app.command("list")
def token_list() -> None:
    """List API tokens (never the secret): id, name, user, scopes, last use, revoked."""
    django_ready()
    from lealtad.core.models import ApiToken

    for t in ApiToken.objects.select_related("user"):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        typer.echo(
            f"{t.pk}\t{t.prefix}…\t{t.name}\t{t.user.get_username()}\t"
            f"{' '.join(t.scopes)}\t{used}\t{state}"
        )


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (from ``lealtad token list``); it stops working at once."""
    django_ready()
    from lealtad.core import tokens
    from lealtad.core.models import ApiToken

    if not ApiToken.objects.filter(pk=token_id).exists():
        typer.echo(f"no token {token_id}", err=True)
        raise typer.Exit(2)
    tokens.revoke(token_id)
    typer.echo(f"token {token_id} revoked")


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    parsed = json.loads(line)
                except json.JSONDecodeError as exc:
                    parsed = {"__invalid__": str(exc)}
                yield (
                    number,
                    parsed if isinstance(parsed, dict) else {"__invalid__": "not an object"},
                )


@events_app.command("ingest")
def events_ingest(
    file: Path,
    batch: int = 1000,
    as_user: Annotated[str, typer.Option("--as", help="Acting user")] = "admin",
) -> None:
    """Ingest canonical events from a JSON-lines file, in batches, with a progress bar."""
    django_ready()
    from lealtad.channels import services
    from lealtad.core.audit import Actor

    actor = Actor(label=f"{as_user} (cli {file.name})")
    lines = list(_jsonl(file))
    totals = {services.CREATED: 0, services.DUPLICATE: 0, services.REJECTED: 0}
    rejected: list[str] = []
    with progress() as bar:
        task = bar.add_task("ingesting", total=len(lines))
        for start in range(0, len(lines), batch):
            chunk = lines[start : start + batch]
            unreadable = [(n, raw) for n, raw in chunk if "__invalid__" in raw]
            readable = [(n, raw) for n, raw in chunk if "__invalid__" not in raw]
            for number, raw in unreadable:
                totals[services.REJECTED] += 1
                rejected.append(f"line {number}: not JSON: {raw['__invalid__']}")
            results = services.ingest([raw for _, raw in readable], actor) if readable else []
            for (number, _), result in zip(readable, results, strict=True):
                totals[result.status] += 1
                for err in result.errors:
                    rejected.append(f"line {number}: {err['field']}: {err['message']}")
            bar.advance(task, len(chunk))
    for line in rejected[:200]:
        typer.echo(line, err=True)
    typer.echo(
        f"created {totals['created']}, duplicate {totals['duplicate']}, "
        f"rejected {totals['rejected']}"
    )
    if totals[services.REJECTED]:
        raise typer.Exit(1)


@customers_app.command("import")
def customers_import(
    file: Path,
    mapping: Annotated[Path, typer.Option(help="YAML mapping of CSV columns to fields")],
    dry_run: bool = False,
) -> None:
    """Import customers from CSV; any bad row imports nothing and every bad row is listed."""
    django_ready()
    from lealtad.customers.bulk import csv_import

    with progress() as bar:
        report = csv_import.import_csv(file, mapping, dry_run=dry_run, progress=bar)
    for problem in report.problems:
        typer.echo(problem, err=True)
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(report.summary())
    if report.problems:
        raise typer.Exit(1)


@customers_app.command("export")
def customers_export(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Export every customer as CSV, with its external ids per source system."""
    django_ready()
    from lealtad.customers.bulk import csv_export

    if output is None:
        csv_export.export_csv(sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as handle, progress() as bar:
        count = csv_export.export_csv(handle, progress=bar)
    typer.echo(f"exported {count} customers to {output}", err=True)


@customers_app.command("quality")
def customers_quality(
    field: Annotated[str, typer.Option(help="Only this field (email, phone, birth_date …)")] = "",
    channel: Annotated[str, typer.Option(help="Only issues from this channel")] = "",
    status: Annotated[str, typer.Option(help="open, fixed or dismissed")] = "open",
    limit: Annotated[int, typer.Option(help="Issues listed (the counts cover all)")] = 50,
) -> None:
    """Data-quality issues: optional fields set aside at ingest and phones flagged, with
    counts by field (fix or dismiss them on the Data quality page or through the API)."""
    django_ready()
    from lealtad.customers import quality_selectors
    from lealtad.customers.choices import IssueStatus

    if status not in IssueStatus.values:
        typer.echo(f"--status: one of {', '.join(IssueStatus.values)}", err=True)
        raise typer.Exit(2)
    rows = quality_selectors.issues(status=status, field=field, channel=channel)
    counts = quality_selectors.counts_by_field(rows)
    total = sum(counts.values())
    typer.echo(f"{total} {status} issue{'s' if total != 1 else ''}")
    for name, count in counts.items():
        typer.echo(f"  {name:<20} {count:>8}")
    for issue in rows[: max(limit, 0)]:
        typer.echo(
            f"#{issue.pk} customer {issue.customer_id} {issue.field} "
            f"{issue.raw_value!r} [{issue.source_channel or '-'}]: {issue.reason}"
        )


def main() -> None:
    app()


_mount_context_commands()


if __name__ == "__main__":
    main()
