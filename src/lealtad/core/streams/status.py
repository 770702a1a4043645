"""How far the relay got: what ``lealtad hub status`` shows and retention respects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from lealtad.core.models import OutboxMessage, StreamRelayPosition


@dataclass(frozen=True)
class RelayStatus:
    """The relay's position on its stream and the outbox messages still to publish."""

    stream: str
    position: int
    published: int
    lag: int  # outbox messages after the position
    oldest_waiting_at: datetime | None
    last_error: str
    failing_since: datetime | None


def relay_position(stream: str | None = None) -> int:
    """The highest outbox id published to ``stream`` (0 before the first pass)."""
    name = stream or settings.LEALTAD_REDIS_STREAM
    found = StreamRelayPosition.objects.filter(stream=name).values_list("position", flat=True)
    return next(iter(found), 0)


def relay_status(stream: str | None = None) -> RelayStatus:
    name = stream or settings.LEALTAD_REDIS_STREAM
    state = StreamRelayPosition.objects.filter(stream=name).first() or StreamRelayPosition(
        stream=name
    )
    waiting = OutboxMessage.objects.filter(pk__gt=state.position)
    oldest = waiting.order_by("pk").values_list("created_at", flat=True).first()
    return RelayStatus(
        stream=name,
        position=state.position,
        published=state.published,
        lag=waiting.count(),
        oldest_waiting_at=oldest,
        last_error=state.last_error,
        failing_since=state.failing_since,
    )
