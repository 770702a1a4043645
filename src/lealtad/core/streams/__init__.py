"""The outbox relay to Redis Streams: every outbox message also published to one stream, so
systems outside Lealtad (a data warehouse, another service) consume it with consumer groups.

On when ``LEALTAD_REDIS_URL`` is set (docs/streams.md). :mod:`.relay` runs the passes,
:mod:`.horizon` says which messages may go without skipping one, :mod:`.redis_stream` is the
Redis side, :mod:`.single_relay` keeps one relay per stream at a time and :mod:`.status` reads
how far it got.
"""

from __future__ import annotations

from django.conf import settings


def relay_enabled() -> bool:
    """Whether this installation relays the outbox to Redis (``LEALTAD_REDIS_URL`` set)."""
    return bool(getattr(settings, "LEALTAD_REDIS_URL", ""))
