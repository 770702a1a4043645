"""Hub administration: the dead-letter list and replay, the backlog and the relay's lag."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from lealtad.core import dispatcher, hub
from lealtad.core.access import require
from lealtad.core.hub_status import dispatcher_status
from lealtad.core.models import Delivery
from lealtad.core.roles import Capability
from lealtad.core.streams import relay_enabled
from lealtad.core.streams.status import relay_status

router = Router(tags=["hub"])


@router.get("/hub/dead-letters", summary="Deliveries that failed every retry")
def dead_letters(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    rows = Delivery.objects.filter(status=Delivery.Status.DEAD).select_related("message")[:200]
    return {
        "dead_letters": [
            {
                "id": d.pk,
                "subscriber": d.subscriber,
                "event_id": d.message.event_id,
                "event_type": d.message.event_type,
                "attempts": d.attempts,
                "last_error": d.last_error,
            }
            for d in rows
        ]
    }


@router.post("/hub/dead-letters/{delivery_id}/replay", summary="Offer a dead letter again")
def replay(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    get_object_or_404(Delivery, pk=delivery_id, status=Delivery.Status.DEAD)
    dispatcher.default_dispatcher().replay(delivery_id)
    return {"id": delivery_id, "status": "pending"}


@router.get("/hub/subscriptions", summary="Subscribers and the event types they receive")
def subscriptions(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    return {
        "subscriptions": [
            {"name": s.name, "event_types": list(s.event_types), "max_attempts": s.max_attempts}
            for s in hub.all_subscriptions()
        ]
    }


@router.get("/hub/status", summary="The dispatcher's backlog and the Redis Streams relay's lag")
def status(request: HttpRequest) -> dict[str, Any]:
    """What ``lealtad hub status`` shows, for monitoring (docs/streams.md)."""
    require(request, Capability.HUB_ADMIN)
    hub_state = dispatcher_status()
    answer: dict[str, Any] = {
        "dispatcher": {
            "pending": hub_state.pending,
            "oldest_pending_at": hub_state.oldest_pending_at,
            "dead_letters": hub_state.dead_letters,
        },
        "redis_relay": None,
    }
    if relay_enabled():
        relay = relay_status()
        answer["redis_relay"] = {
            "stream": relay.stream,
            "position": relay.position,
            "published": relay.published,
            "lag": relay.lag,
            "oldest_waiting_at": relay.oldest_waiting_at,
            "last_error": relay.last_error,
            "failing_since": relay.failing_since,
        }
    return answer
