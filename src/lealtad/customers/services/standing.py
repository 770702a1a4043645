"""Write back what the analytics refresh learned of each customer: the standing.

The analytics context computes tiers, RFM, lifetime value, churn risk and lifecycle stages
for the whole base; it owns none of the customer's tables, so it hands the results here in
chunks. One chunk is one transaction: the standing rows are replaced with one upsert per
hundred rows, and only the changes that matter to others are announced —

* ``customer.tier_changed`` when a customer moves between value tiers (a *migrant*), so
  routing, segments and offers can react;
* ``customer.lifecycle_changed`` when the lifecycle stage changes, with a timeline entry
  dated on the day the new stage began (a customer's first standing puts its current stage
  on the timeline, without an announcement: nothing changed, it was first seen);
* a prospect who bought becomes a ``customer`` (``lifecycle_status``), audited like any
  change to the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from lealtad.core import audit, hub
from lealtad.core.db import new_row, upsert
from lealtad.core.write_batch import WriteBatch
from lealtad.customers.choices import LifecycleStage, ValueTier
from lealtad.customers.models import Customer, CustomerStanding, Interaction

TIMELINE_CHANNEL = "analytics"
_REPLACED = [f.attname for f in CustomerStanding._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True, slots=True)
class Standing:
    """One customer's figures as the refresh computed them (money in the base currency)."""

    customer_id: int
    value_tier: str
    lifecycle_stage: str
    lifecycle_since: date | None = None
    rfm: tuple[int, int, int] = (0, 0, 0)
    historic_value: float = 0.0
    cost_to_serve: float = 0.0
    clv: float = 0.0
    expected_purchases: float = 0.0
    expected_spend: float = 0.0
    p_alive: float | None = None
    churn_risk: float | None = None
    churn_band: str = ""
    churn_drivers: list[dict[str, Any]] = field(default_factory=list)
    orders: int = 0
    last_purchase_on: date | None = None
    next_purchase_expected: date | None = None


@dataclass
class StandingOutcome:
    written: int = 0
    tier_changes: list[tuple[int, str, str]] = field(default_factory=list)
    stage_changes: list[tuple[int, str, str]] = field(default_factory=list)
    first_assessed: list[tuple[int, str]] = field(default_factory=list)  # (customer, tier)
    became_customers: int = 0

    def add(self, other: StandingOutcome) -> None:
        self.written += other.written
        self.tier_changes += other.tier_changes
        self.first_assessed += other.first_assessed
        self.stage_changes += other.stage_changes
        self.became_customers += other.became_customers


def record_standings(
    standings: Sequence[Standing], *, run_id: int | None, computed_at: datetime, actor: audit.Actor
) -> StandingOutcome:
    """Replace the standing of every customer in ``standings`` (one chunk, one transaction).

    Customers that were merged away or erased since the refresh read its data are skipped.
    """
    ids = [s.customer_id for s in standings]
    with transaction.atomic():
        live = set(
            Customer.objects.filter(
                pk__in=ids, merged_into__isnull=True, erased_at__isnull=True
            ).values_list("pk", flat=True)
        )
        before = {
            row[0]: row[1:]
            for row in CustomerStanding.objects.filter(customer_id__in=ids).values_list(
                "customer_id", "value_tier", "tier_since", "lifecycle_stage"
            )
        }
        kept = [s for s in standings if s.customer_id in live]
        batch = WriteBatch()
        outcome = StandingOutcome(written=len(kept))
        rows = [_row(s, before.get(s.customer_id), run_id, computed_at) for s in kept]
        upsert(rows, _REPLACED)
        for s in kept:
            _changes(s, before.get(s.customer_id), run_id, batch, outcome)
        outcome.became_customers = _prospects_who_bought(kept, actor, batch)
        batch.flush()
    return outcome


def _row(
    s: Standing, before: tuple[Any, ...] | None, run_id: int | None, computed_at: datetime
) -> CustomerStanding:
    tier_since = before[1] if before and before[0] == s.value_tier else computed_at.date()
    return new_row(
        CustomerStanding,
        customer_id=s.customer_id,
        value_tier=s.value_tier,
        tier_since=tier_since,
        rfm_recency=s.rfm[0],
        rfm_frequency=s.rfm[1],
        rfm_monetary=s.rfm[2],
        rfm_code="".join(str(v) for v in s.rfm),
        historic_value=round(s.historic_value, 2),
        cost_to_serve=round(s.cost_to_serve, 2),
        clv=round(s.clv, 2),
        expected_purchases=s.expected_purchases,
        expected_spend=round(s.expected_spend, 2),
        p_alive=s.p_alive,
        churn_risk=s.churn_risk,
        churn_band=s.churn_band,
        churn_drivers=s.churn_drivers,
        lifecycle_stage=s.lifecycle_stage,
        lifecycle_since=s.lifecycle_since,
        orders=s.orders,
        last_purchase_on=s.last_purchase_on,
        next_purchase_expected=s.next_purchase_expected,
        computed_at=computed_at,
        run_id=run_id,
    )


def _changes(
    s: Standing,
    before: tuple[Any, ...] | None,
    run_id: int | None,
    batch: WriteBatch,
    outcome: StandingOutcome,
) -> None:
    old_tier, old_stage = (before[0], before[2]) if before else ("", "")
    if not before:
        outcome.first_assessed.append((s.customer_id, s.value_tier))
    elif old_tier != s.value_tier:
        outcome.tier_changes.append((s.customer_id, old_tier, s.value_tier))
        batch.announce(
            hub.Announcement(
                "customer.tier_changed",
                {
                    "customer_id": s.customer_id,
                    "from": old_tier,
                    "to": s.value_tier,
                    "run_id": run_id,
                },
                f"tier-{run_id}-{s.customer_id}",
                TIMELINE_CHANNEL,
                s.customer_id,
            )
        )
    if old_stage == s.lifecycle_stage:
        return
    batch.add(_timeline_entry(s, old_stage))
    if before:
        outcome.stage_changes.append((s.customer_id, old_stage, s.lifecycle_stage))
        batch.announce(
            hub.Announcement(
                "customer.lifecycle_changed",
                {
                    "customer_id": s.customer_id,
                    "from": old_stage,
                    "to": s.lifecycle_stage,
                    "since": s.lifecycle_since.isoformat() if s.lifecycle_since else None,
                    "run_id": run_id,
                },
                f"stage-{run_id}-{s.customer_id}",
                TIMELINE_CHANNEL,
                s.customer_id,
            )
        )


def _timeline_entry(s: Standing, old_stage: str) -> Interaction:
    day = s.lifecycle_since or datetime.now(UTC).date()
    label = str(LifecycleStage(s.lifecycle_stage).label)
    return new_row(
        Interaction,
        customer_id=s.customer_id,
        occurred_at=datetime.combine(day, time(12), tzinfo=UTC),
        channel=TIMELINE_CHANNEL,
        kind="lifecycle",
        subject=gettext("Lifecycle stage: %(stage)s") % {"stage": label},
        summary=(
            gettext("From %(old)s.") % {"old": str(LifecycleStage(old_stage).label)}
            if old_stage
            else ""
        ),
        related_type="lifecycle_stage",
        related_id=s.lifecycle_stage,
    )


def _prospects_who_bought(
    standings: Sequence[Standing], actor: audit.Actor, batch: WriteBatch
) -> int:
    """A customer who has bought is no longer a prospect (``lifecycle_status``)."""
    buyers = [s.customer_id for s in standings if s.value_tier != ValueTier.UNKNOWN]
    if not buyers:
        return 0
    prospects = list(
        Customer.objects.filter(pk__in=buyers, lifecycle_status="prospect").values_list(
            "pk", flat=True
        )
    )
    if not prospects:
        return 0
    Customer.objects.filter(pk__in=prospects).update(lifecycle_status="customer")
    for pk in prospects:
        batch.entries.append(
            audit.build(
                actor,
                "update",
                "customer",
                pk,
                {"lifecycle_status": ["prospect", "customer"]},
                customer_id=pk,
                channel=TIMELINE_CHANNEL,
            )
        )
    return len(prospects)
