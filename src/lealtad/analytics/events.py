"""Hub wiring of the analytics context: the nightly refresh on the dispatcher's ticker, the
cube's incremental feed from commerce events, and the 360 sections it adds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from lealtad.analytics.schemas import UsageRecorded
from lealtad.analytics.selectors import value
from lealtad.analytics.selectors.usage import upsell_for
from lealtad.analytics.services import erasure, facts, refresh, rules, usage
from lealtad.core import envelope, erasers, hub, sections
from lealtad.core.roles import Capability

hub.before_pass(refresh.tick)
erasers.erases_copies("analytics")(erasure.erase_customers)

envelope.register(
    "usage.recorded",
    UsageRecorded,
    usage.apply_usage_events,
    "What a customer used of their plan in one period (hours, GB, transactions …): the "
    "evidence for an up-sell when they use more than the plan gives, month after month.",
)


@sections.provide("value")
def value_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """The customer's value on the 360: tier, lifetime value, churn risk and its drivers,
    lifecycle stage — what an agent needs to treat a customer as what they are worth."""
    if Capability.VIEW not in capabilities:
        return []
    found = value.customer_value(customer_id)
    if found is None:
        return []
    return [
        {
            **value.summary_of(found),
            "upsell": upsell_for(customer_id, timezone.localdate(), rules.current().usage),
        }
    ]


@hub.subscriber_many(*facts.ORDER_EVENTS, *facts.CONTACT_EVENTS, name="analytics.cube_feed")
def feed_cube(messages: Sequence[hub.Message]) -> None:
    """The cube's incremental feed: the orders and contacts these events name, re-read and
    appended as delta files, visible to the next cube query (idempotent by message id)."""
    facts.apply_messages(messages)
    facts.compact_if_due()
