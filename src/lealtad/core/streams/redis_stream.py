"""The Redis side of the outbox relay: one stream whose entry ids are the outbox ids.

Outbox message 1234 becomes entry ``1234-0``. Redis refuses an entry id not greater than the
stream's last, so the stream never holds a message twice, and its last id tells a restarted
relay exactly what it had published before it was killed. Every entry carries ``event_id``
(what consumers deduplicate on), ``event_type`` (to filter without parsing) and ``document``:
the JSON an outbound webhook receives for the same message (:func:`lealtad.core.hub.document`).
The stream is trimmed to about ``maxlen`` entries on every add (``MAXLEN ~``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import redis
from django.conf import settings

from lealtad.core import hub
from lealtad.core.models import OutboxMessage

# A Redis that does not answer must not hold the relay's thread for long: it retries later.
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 10.0


class StreamConflict(RuntimeError):
    """The stream holds entries this outbox did not write (a restored database, or another
    installation publishing to the same stream): publishing on would hide messages."""


@dataclass(frozen=True)
class Entry:
    """One outbox message as a stream entry."""

    outbox_id: int
    event_id: str
    event_type: str
    document: str

    @classmethod
    def of(cls, row: OutboxMessage) -> Entry:
        message = hub.to_message(row)
        return cls(row.pk, row.event_id, row.event_type, hub.document_json(message))

    def fields(self) -> dict[str, str]:
        return {"event_id": self.event_id, "event_type": self.event_type, "document": self.document}


def entry_id(outbox_id: int) -> str:
    return f"{outbox_id}-0"


def outbox_id(stream_entry_id: str) -> int:
    """The outbox id an entry id stands for (``1234-0`` → 1234)."""
    return int(stream_entry_id.split("-", 1)[0])


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=READ_TIMEOUT_SECONDS,
    )


class RedisStream:
    """The stream the relay writes: append in outbox order, read its end back."""

    def __init__(self, connection: redis.Redis, name: str, maxlen: int) -> None:
        self.redis = connection
        self.name = name
        self.maxlen = maxlen

    @classmethod
    def from_settings(cls) -> RedisStream:
        return cls(
            client(settings.LEALTAD_REDIS_URL),
            settings.LEALTAD_REDIS_STREAM,
            settings.LEALTAD_REDIS_STREAM_MAXLEN,
        )

    def last_id(self) -> int:
        """The outbox id of the last entry ever added (trimmed or not); 0 for no stream."""
        if not self.redis.exists(self.name):
            return 0
        info = self.redis.xinfo_stream(self.name)
        return outbox_id(str(info["last-generated-id"]))

    def length(self) -> int:
        return int(self.redis.xlen(self.name))

    def append(self, entries: Sequence[Entry]) -> None:
        """Add the entries in one round trip, in order. Entries before a failure stay added:
        the relay recognises them on its next pass by their ids."""
        pipe = self.redis.pipeline(transaction=False)
        for entry in entries:
            pipe.xadd(
                self.name,
                entry.fields(),  # type: ignore[arg-type]
                id=entry_id(entry.outbox_id),
                maxlen=self.maxlen,
                approximate=True,
            )
        try:
            pipe.execute()
        except redis.ResponseError as exc:
            if "equal or smaller" in str(exc):
                raise StreamConflict(
                    f"stream {self.name!r} already holds entries past outbox message "
                    f"{entries[0].outbox_id}: another writer adds to it"
                ) from exc
            raise

    def delete(self, outbox_ids: Sequence[int], page: int = 1000) -> int:
        """Remove the entries of these outbox messages (an erased person's); how many went."""
        removed = 0
        for start in range(0, len(outbox_ids), page):
            part = [entry_id(i) for i in outbox_ids[start : start + page]]
            removed += int(self.redis.xdel(self.name, *part))
        return removed

    def published_between(
        self, after: int, through: int, page: int = 1000
    ) -> Iterator[tuple[int, str]]:
        """(outbox id, event id) of the entries after ``after`` up to ``through``, in order
        (those trimmed away are not there)."""
        start = f"({entry_id(after)}"
        while True:
            found: list[tuple[str, dict[str, str]]] = self.redis.xrange(  # type: ignore[assignment]
                self.name, start, entry_id(through), count=page
            )
            for stream_id, fields in found:
                yield outbox_id(stream_id), fields.get("event_id", "")
            if len(found) < page:
                return
            start = f"({found[-1][0]}"
