"""The contact policy: one fatigue cap across every channel and campaign (at most N messages
per customer in D days) and quiet hours kept in the customer's own time zone (a customer in
the Galápagos is an hour behind Quito). A message due in quiet hours waits for the morning
instead of being dropped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contact_engine.dialer.zones import zone_for
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.marketing.models import ContactPolicy, Message
from lealtad.marketing.models.campaigns import MessageStatus

CONTACTED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED)
# The channels that reach a person (offer slots are shown when the customer comes, not sent).
REACHING = ("email", "sms", "call_list", "direct_mail")
CHUNK = 2000


class PolicyRefused(DomainError):
    code = "contact_policy_refused"
    kind = "invalid"


def policy() -> ContactPolicy:
    found = ContactPolicy.objects.order_by("id").first()
    return found if found is not None else ContactPolicy.objects.create(updated_at=timezone.now())


def update(
    actor: Actor,
    *,
    max_messages: int,
    per_days: int,
    quiet_from: time,
    quiet_until: time,
    default_zone: str,
) -> ContactPolicy:
    if not 1 <= max_messages <= 100:
        raise PolicyRefused(_("Messages at most is 1 to 100."), field="max_messages")
    if not 1 <= per_days <= 365:
        raise PolicyRefused(_("The period is 1 to 365 days."), field="per_days")
    if _zone(default_zone) is None:
        raise PolicyRefused(_("There is no time zone %(z)s."), field="default_zone", z=default_zone)
    with transaction.atomic():
        row = policy()
        row.max_messages, row.per_days = max_messages, per_days
        row.quiet_from, row.quiet_until, row.default_zone = quiet_from, quiet_until, default_zone
        row.updated_at, row.updated_by = timezone.now(), actor.label
        row.save()
    return row


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_zone(country: str, region: str, default: str) -> ZoneInfo:
    """The customer's zone from the address (province decides in Ecuador: Galápagos)."""
    name = zone_for(country or "EC", region) if (country or region) else None
    return _zone(name or default) or _zone("America/Guayaquil")  # type: ignore[return-value]


def in_quiet_hours(now: datetime, zone: ZoneInfo, rules: ContactPolicy) -> datetime | None:
    """None when the customer's clock allows a message now; else when it will (UTC)."""
    local = now.astimezone(zone)
    start, end, clock = rules.quiet_from, rules.quiet_until, local.time()
    if start == end:
        return None
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    morning = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=zone)
    return morning.astimezone(UTC)


def recent_counts(
    customer_ids: Iterable[int], now: datetime, rules: ContactPolicy
) -> dict[int, int]:
    """Messages each customer was sent in the policy's window, every campaign and channel."""
    since = now - timedelta(days=rules.per_days)
    ids, counts = list(customer_ids), dict[int, int]()
    for start in range(0, len(ids), CHUNK):
        counts.update(
            Message.objects.filter(
                customer_id__in=ids[start : start + CHUNK],
                status__in=CONTACTED,
                channel__in=REACHING,
                sent_at__gte=since,
            )
            .values_list("customer_id")
            .annotate(n=Count("id"))
            .values_list("customer_id", "n")
        )
    return counts
