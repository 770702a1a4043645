"""Hub wiring of loyalty: the subscribers it runs (points earned from ``order.placed``,
reversed from ``order.returned``), the points tender it offers commerce, its panel in the
customer box of the till, the handheld and the agent's screen pop, its 360 section, and the
daily expiry tick."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from lealtad.core import hub, panels, points_port, sections
from lealtad.core.roles import Capability
from lealtad.loyalty import selectors
from lealtad.loyalty.services import earning, expiry, merges, tender

log = logging.getLogger(__name__)

# Commerce takes points as a tender through this service (docs/decisions/0015).
points_port.provide(tender)


@hub.subscriber_many("order.placed", name="loyalty.earn")
def earn_points(messages: Sequence[hub.Message]) -> None:
    """Points for the orders of a dispatcher pass, once per order whatever the replays."""
    orders = [
        found
        for m in messages
        if (found := earning.placed(m.payload, m.customer_id, m.created_at)) is not None
    ]
    earning.earn_orders(orders)


@hub.subscriber_many("order.returned", name="loyalty.reverse")
def reverse_points(messages: Sequence[hub.Message]) -> None:
    goods = [
        found
        for m in messages
        if (found := earning.returned(m.payload, m.customer_id, m.created_at)) is not None
    ]
    earning.reverse_returns(goods)


@hub.subscriber(
    "customer.merged", "customer.merged_batch", "customer.unmerged", name="loyalty.merges"
)
def follow_customer_merges(message: hub.Message) -> None:
    """Memberships follow the person: see :mod:`lealtad.loyalty.services.merges`."""
    pairs = merges.pairs_of(message.event_type, message.payload)
    if message.event_type == "customer.unmerged":
        merges.follow_unmerges(pairs)
    else:
        merges.follow_merges(pairs)


@panels.provide("loyalty")
def loyalty_panel(customer_id: int, channel: str, capabilities: frozenset[Any]) -> dict | None:
    """Tier, balance, points to the next tier and expiring soon, on every channel; whoever
    sells there may also spend points (partly or wholly paying what is being bought)."""
    found = selectors.member_for_customer(customer_id)
    if found is None:
        return None
    can_redeem = Capability.SELL in capabilities and found.balance > 0
    return {
        "template": "loyalty/_panel.html",
        **selectors.standing(found),
        "channel": channel,
        "can_redeem": can_redeem,
    }


@sections.provide("loyalty")
def loyalty_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    found = selectors.member_for_customer(customer_id)
    if found is None:
        return []
    return [selectors.standing(found)]


EVERY_SECONDS = 86_400.0
_last_run = [float("-inf")]


@hub.before_pass
def daily_tick() -> None:
    """Once a day per process (as the SLA job ticks): expire points and review tiers. Both
    are idempotent, so two processes ticking the same day change nothing twice."""
    if time.monotonic() - _last_run[0] < EVERY_SECONDS:
        return
    _last_run[0] = time.monotonic()
    expired, moved = expiry.daily()
    log.info("loyalty daily: %s points expired, %s tiers moved", expired, moved)
