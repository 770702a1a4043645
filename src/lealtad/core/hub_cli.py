"""``lealtad hub …``: the event hub from a shell: its backlog and the Redis Streams relay."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="The event hub: backlog, dead letters, the Redis Streams relay.", cls=RefusalsShown
)
console = Console(stderr=True)


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    from django.utils import timezone

    seconds = max(0.0, (timezone.now() - moment).total_seconds())
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@app.command()
def status() -> None:
    """The dispatcher's backlog and dead letters, and the relay's lag behind the outbox."""
    django_ready()
    from lealtad.core.hub_status import dispatcher_status
    from lealtad.core.streams import relay_enabled
    from lealtad.core.streams.status import relay_status

    hub = dispatcher_status()
    typer.echo(
        f"dispatcher: {hub.pending} messages waiting (oldest {_age(hub.oldest_pending_at)}), "
        f"{hub.dead_letters} dead letters"
    )
    if not relay_enabled():
        typer.echo("redis relay: off (LEALTAD_REDIS_URL is not set)")
        return
    relay = relay_status()
    typer.echo(
        f"redis relay: stream {relay.stream}, published through outbox id {relay.position} "
        f"({relay.published} messages), lag {relay.lag} (oldest {_age(relay.oldest_waiting_at)})"
    )
    typer.echo(f"redis stream: {_stream_length()}")
    if relay.last_error:
        typer.echo(
            f"redis relay failing since {relay.failing_since:%Y-%m-%d %H:%M:%S %Z}: "
            f"{relay.last_error}"
        )


def _stream_length() -> str:
    import redis

    from lealtad.core.streams.redis_stream import RedisStream

    stream = RedisStream.from_settings()
    try:
        return f"{stream.length()} entries (trimmed to about {stream.maxlen})"
    except redis.RedisError as exc:
        return f"unreachable ({exc})"


@app.command("relay-redis")
def relay_redis(
    once: Annotated[bool, typer.Option(help="Publish what is waiting, then stop")] = False,
    wait: Annotated[
        float, typer.Option(help="With --once: seconds to wait for messages held back")
    ] = 10.0,
) -> None:
    """Publish the outbox to the Redis stream (LEALTAD_REDIS_URL), at least once.

    ``lealtad serve`` and ``lealtad dispatch`` already relay when the URL is set; run this to
    catch up by hand (``--once``) or to relay from a process of its own.
    """
    django_ready()
    from lealtad.core.streams import relay_enabled

    if not relay_enabled():
        typer.echo("LEALTAD_REDIS_URL is not set: the Redis Streams relay is off", err=True)
        raise typer.Exit(2)
    if once:
        _relay_once(wait)
    else:
        _relay_forever()


def _relay_once(wait: float) -> None:
    from lealtad.core.streams.relay import OutboxRelay, RelayError, drain
    from lealtad.core.streams.status import relay_status

    relay = OutboxRelay.from_settings()
    waiting = relay_status().lag
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    done = [0]

    def advance(count: int) -> None:
        done[0] += count
        bar.advance(task, count)

    with bar:
        task = bar.add_task(f"publishing to {relay.stream.name}", total=waiting)
        try:
            total = drain(relay, wait, progress=advance)
        except RelayError as exc:
            bar.stop()
            typer.echo(f"relay failed after {done[0]} messages: {exc}", err=True)
            raise typer.Exit(1) from exc
    left = relay_status().lag
    typer.echo(f"published {total} messages to {relay.stream.name}; {left} waiting")
    if left:
        typer.echo(
            f"{left} wait behind a transaction still open (PostgreSQL) or another relay's turn",
            err=True,
        )


def _relay_forever() -> None:
    from lealtad.core.streams.relay import OutboxRelay, RelayWorker
    from lealtad.core.streams.status import relay_status

    relay = OutboxRelay.from_settings()
    total = 0
    with console.status(f"relaying to {relay.stream.name}") as line:

        def report(published: int | None, error: Exception | None) -> None:
            nonlocal total
            total += published or 0
            state = relay_status()
            text = f"relay → {relay.stream.name}: {total} published, lag {state.lag}"
            if error is not None:
                text += f" · failing, retrying: {error}"
            line.update(text)

        worker = RelayWorker(relay, report=report)
        try:
            worker.run()
        except KeyboardInterrupt:
            worker.stop()
    typer.echo(f"published {total} messages to {relay.stream.name}")
