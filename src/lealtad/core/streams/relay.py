"""The outbox relay: every outbox message also published to a Redis stream, at least once.

A pass takes the stream's turn (:mod:`.single_relay`), then squares the recorded position
with the stream's end: entries a killed relay had added past the position are recognised by
their ids (``<outbox id>-0``) and the position moves over them; a stream that lost entries
(deleted, or a Redis restarted without persistence) is refilled from what the outbox holds.
Then it publishes the messages the horizon allows (:mod:`.horizon`), a chunk per round trip,
and records the position only after Redis took the chunk. The dispatcher's own subscribers
never wait for it: it runs in a thread of its own (:class:`RelayWorker`), or as ``lealtad hub
relay-redis``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import redis
from django.db import close_old_connections, connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from lealtad.core.db import writer_turn
from lealtad.core.models import OutboxMessage, StreamRelayPosition
from lealtad.core.streams import relay_enabled
from lealtad.core.streams.horizon import Horizon, horizon_for_database
from lealtad.core.streams.redis_stream import Entry, RedisStream, StreamConflict
from lealtad.core.streams.single_relay import relay_turn

log = logging.getLogger(__name__)

# The hub's announcement that people were erased (``customer_ids``): their entries go.
ERASED = "customer.erased"
CHUNK = 1000  # entries a round trip (2,000 gained little more); MAXLEN is at least as many
RelayError = (redis.RedisError, StreamConflict)
Progress = Callable[[int], None]


class OutboxRelay:
    """Publishes the outbox to one stream; the position lives in ``StreamRelayPosition``."""

    def __init__(
        self, stream: RedisStream, horizon: Horizon | None = None, chunk: int = CHUNK
    ) -> None:
        self.stream = stream
        self.horizon = horizon or horizon_for_database()
        self.chunk = chunk

    @classmethod
    def from_settings(cls) -> OutboxRelay:
        return cls(RedisStream.from_settings())

    def run_once(self, limit: int = 20 * CHUNK, progress: Progress | None = None) -> int:
        """Publish up to ``limit`` waiting messages; how many went (0 when another relay has
        the turn). A Redis error or a conflict is recorded on the position and raised."""
        with relay_turn(self.stream.name) as mine:
            if not mine:
                return 0
            state = _state(self.stream.name)
            try:
                published = self._publish(state.position, limit, progress)
            except RelayError as exc:
                _record_failure(self.stream.name, exc)
                raise
            if state.failing_since is not None:
                _record_recovery(self.stream.name)
            return published

    def _publish(self, position: int, limit: int, progress: Progress | None) -> int:
        position = self._reconcile(position)
        published = 0
        while published < limit:
            rows = self.horizon.publishable(position, min(self.chunk, limit - published))
            if not rows:
                break
            self.stream.append([Entry.of(row) for row in rows])
            self._forget_erased(rows)
            position = rows[-1].pk
            _advance(self.stream.name, position, len(rows))
            published += len(rows)
            if progress is not None:
                progress(len(rows))
        return published

    def _reconcile(self, position: int) -> int:
        """The position the stream's end says: past entries a killed relay added, back to the
        end of a stream that lost entries."""
        end = self.stream.last_id()
        if end < position:
            log.warning(
                "stream %s ends at outbox id %s, the relay had published up to %s: Redis lost "
                "entries; publishing again what the outbox still holds after %s",
                self.stream.name,
                end,
                position,
                end,
            )
            _rewind(self.stream.name, end)
        elif end > position:
            recognised = self._recognise(position, end)
            self._forget_erased(
                list(OutboxMessage.objects.filter(pk__gt=position, pk__lte=end, event_type=ERASED))
            )
            _advance(self.stream.name, end, recognised)
        return end

    def _forget_erased(self, rows: Sequence[OutboxMessage]) -> None:
        """For each erasure announced, delete the stream's earlier entries about the erased
        people: the outbox rows were scrubbed, the copies in Redis go (a consumer that read
        them erases its own on the announcement, docs/streams.md)."""
        for row in rows:
            if row.event_type == ERASED:
                ids = [int(i) for i in row.payload.get("customer_ids", [])]
                about = OutboxMessage.objects.filter(customer_id__in=ids, pk__lt=row.pk)
                self.stream.delete(list(about.values_list("pk", flat=True)))

    def _recognise(self, position: int, end: int) -> int:
        """Check that the entries after ``position`` are this outbox's messages; count them."""
        ours = dict(
            OutboxMessage.objects.filter(pk__gt=position, pk__lte=end).values_list("pk", "event_id")
        )
        count = 0
        for outbox_id, event_id in self.stream.published_between(position, end):
            if ours.get(outbox_id) != event_id:
                raise StreamConflict(
                    f"stream {self.stream.name!r} entry {outbox_id}-0 is event {event_id!r}, "
                    f"but outbox message {outbox_id} is {ours.get(outbox_id)!r}: another "
                    "installation writes to this stream or the database was restored; set "
                    "LEALTAD_REDIS_STREAM to a new stream or delete this one"
                )
            count += 1
        return count


def _state(stream: str) -> StreamRelayPosition:
    found = StreamRelayPosition.objects.filter(stream=stream).first()
    if found is not None:
        return found
    with writer_turn():
        return StreamRelayPosition.objects.get_or_create(stream=stream)[0]


def _advance(stream: str, position: int, published: int) -> None:
    with writer_turn():
        StreamRelayPosition.objects.filter(stream=stream, position__lt=position).update(
            position=position, published=F("published") + published, updated_at=timezone.now()
        )


def _rewind(stream: str, position: int) -> None:
    with writer_turn():
        StreamRelayPosition.objects.filter(stream=stream).update(
            position=position, updated_at=timezone.now()
        )


def _record_failure(stream: str, exc: Exception) -> None:
    try:
        with writer_turn():
            StreamRelayPosition.objects.filter(stream=stream).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                failing_since=Coalesce(F("failing_since"), timezone.now()),
                updated_at=timezone.now(),
            )
    except Exception:  # the database may be what failed; the relay's error is what matters
        log.exception("could not record the relay's failure")


def _record_recovery(stream: str) -> None:
    with writer_turn():
        StreamRelayPosition.objects.filter(stream=stream).update(
            last_error="", failing_since=None, updated_at=timezone.now()
        )


def drain(relay: OutboxRelay, patience: float = 10.0, progress: Progress | None = None) -> int:
    """Publish until nothing waits; how many went. A pass that publishes nothing while
    messages wait (a gap on PostgreSQL not yet settled, another relay's turn) is tried again
    for up to ``patience`` seconds: the horizon settles a gap over several passes of one relay.
    """
    from lealtad.core.streams.status import relay_status

    total, idle_since = 0, 0.0
    while True:
        published = relay.run_once(progress=progress)
        total += published
        if published:
            idle_since = 0.0
            continue
        if relay_status(relay.stream.name).lag == 0:
            return total
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > patience:
            return total
        time.sleep(0.2)


Report = Callable[[int | None, Exception | None], None]


class RelayWorker(threading.Thread):
    """Relays beside the dispatcher (in its process), never in its way: a Redis that is down
    or slow holds only this thread, which retries after 1, 2, 4 … 60 s."""

    def __init__(
        self,
        relay: OutboxRelay | None = None,
        interval: float = 0.5,
        max_backoff: float = 60.0,
        report: Report | None = None,
    ) -> None:
        super().__init__(name="lealtad-stream-relay", daemon=True)
        self.relay = relay
        self.interval = interval
        self.max_backoff = max_backoff
        self.report = report
        self._stop_event = threading.Event()

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            published, error = self._pass()
            if self.report is not None:
                self.report(published, error)
            failures = failures + 1 if error else 0
            if error:
                self._stop_event.wait(min(self.max_backoff, 2.0 ** (failures - 1)))
            elif not published:
                self._stop_event.wait(self.interval)
        connection.close()  # this thread's own connection

    def _pass(self) -> tuple[int | None, Exception | None]:
        try:
            close_old_connections()
            if self.relay is None:
                self.relay = OutboxRelay.from_settings()
            return self.relay.run_once(), None
        except Exception as exc:
            log.warning("stream relay pass failed (retrying later): %s", exc)
            return None, exc

    def stop(self) -> None:
        self._stop_event.set()


def start_in_background() -> RelayWorker | None:
    """Start the relay thread when ``LEALTAD_REDIS_URL`` is set (None when it is not)."""
    if not relay_enabled():
        return None
    worker = RelayWorker()
    worker.start()
    return worker
