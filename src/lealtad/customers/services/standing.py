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

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from lealtad.core import audit, hub
from lealtad.core.bulk_load import drop_stage, stage_rows
from lealtad.core.db import new_row
from lealtad.core.write_batch import WriteBatch
from lealtad.customers.choices import LifecycleStage
from lealtad.customers.models import Customer, CustomerStanding, Interaction

TIMELINE_CHANNEL = "analytics"


# What the refresh gives per customer, in this order: plain values (ISO dates, JSON text for
# the drivers, None where a figure does not apply), so a million rows go straight to the
# database. The service adds when the tier began, the RFM code, the time and the run.
COLUMNS = (
    "customer_id",
    "value_tier",
    "lifecycle_stage",
    "lifecycle_since",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "historic_value",
    "cost_to_serve",
    "clv",
    "expected_purchases",
    "expected_spend",
    "p_alive",
    "churn_risk",
    "churn_band",
    "churn_drivers",
    "orders",
    "last_purchase_on",
    "next_purchase_expected",
)
_ADDED = ("tier_since", "rfm_code", "computed_at", "run_id")


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
    rows: Sequence[Sequence[Any]],
    *,
    run_id: int | None,
    computed_at: datetime,
    actor: audit.Actor,
) -> StandingOutcome:
    """Replace the standing of every customer in ``rows`` (tuples in :data:`COLUMNS` order)
    in one transaction: the rows are staged in a temporary table and merged with one upsert,
    and only the customers whose tier or stage changed come back to Python.

    Customers merged away or erased since the refresh read its data are skipped.
    """
    db = connection
    day = db.ops.adapt_datefield_value(computed_at.date())
    at = db.ops.adapt_datetimefield_value(computed_at)
    rfm = COLUMNS.index("rfm_recency")
    staged_rows = (
        (*row, day, f"{row[rfm]}{row[rfm + 1]}{row[rfm + 2]}", at, run_id) for row in rows
    )
    with transaction.atomic():
        stage = stage_rows(CustomerStanding, (*COLUMNS, *_ADDED), staged_rows)
        try:
            changed = _changed(stage)
            written = _merge(stage)
            batch = WriteBatch()
            outcome = StandingOutcome(written=written)
            for found in changed:
                _changes(found, run_id, batch, outcome)
            outcome.became_customers = _prospects_who_bought(stage, actor, batch)
            batch.flush()
        finally:
            drop_stage(stage)
    return outcome


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(CustomerStanding._meta.db_table), quote(Customer._meta.db_table)


def _live(stage: str) -> str:
    _, customers = _tables()
    return (
        f"FROM {stage} AS i JOIN {customers} AS c ON c.id = i.customer_id "
        "AND c.merged_into_id IS NULL AND c.erased_at IS NULL"
    )


def _changed(stage: str) -> list[_Change]:
    standing, _ = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.customer_id, s.value_tier, i.value_tier, s.lifecycle_stage, "
            f"i.lifecycle_stage, i.lifecycle_since {_live(stage)} "
            f"LEFT JOIN {standing} AS s ON s.customer_id = i.customer_id "
            "WHERE s.customer_id IS NULL OR s.value_tier <> i.value_tier "
            "OR s.lifecycle_stage <> i.lifecycle_stage"
        )
        return [_Change(*row) for row in cursor.fetchall()]


def _merge(stage: str) -> int:
    """One INSERT … SELECT … ON CONFLICT for the whole stage; rows changed.

    A tier kept keeps its start. A customer whose figures are all what they were is not
    rewritten (a prospect, a customer whose rounded figures did not move): on PostgreSQL an
    update is a new row version to write and vacuum, so only what moved is paid for; their
    ``computed_at`` stays the time their figures were last found to change."""
    standing, _ = _tables()
    columns = [*COLUMNS, *_ADDED]
    kept_start = (
        f"tier_since = CASE WHEN {standing}.value_tier = excluded.value_tier "
        f"THEN {standing}.tier_since ELSE excluded.tier_since END"
    )
    updates = [f"{c} = excluded.{c}" for c in columns if c not in ("customer_id", "tier_since")]
    figures = [c for c in COLUMNS if c != "customer_id"]
    moved = (
        f"({', '.join(f'{standing}.{c}' for c in figures)}) IS DISTINCT FROM "
        f"({', '.join(f'excluded.{c}' for c in figures)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {standing} ({', '.join(columns)}) "
            f"SELECT {', '.join('i.' + c for c in columns)} {_live(stage)} WHERE 1 = 1 "
            f"ON CONFLICT (customer_id) DO UPDATE SET {', '.join([*updates, kept_start])} "
            f"WHERE {moved}"
        )
        return int(cursor.rowcount)


@dataclass(frozen=True)
class _Change:
    customer_id: int
    old_tier: str | None
    value_tier: str
    old_stage: str | None
    lifecycle_stage: str
    lifecycle_since: Any

    @property
    def since(self) -> date | None:
        found = self.lifecycle_since
        if found is None or isinstance(found, date):
            return found
        return date.fromisoformat(str(found)[:10])


def _changes(s: _Change, run_id: int | None, batch: WriteBatch, outcome: StandingOutcome) -> None:
    first = s.old_tier is None
    if first:
        outcome.first_assessed.append((s.customer_id, s.value_tier))
    elif s.old_tier != s.value_tier:
        outcome.tier_changes.append((s.customer_id, s.old_tier or "", s.value_tier))
        batch.announce(
            hub.Announcement(
                "customer.tier_changed",
                {
                    "customer_id": s.customer_id,
                    "from": s.old_tier,
                    "to": s.value_tier,
                    "run_id": run_id,
                },
                f"tier-{run_id}-{s.customer_id}",
                TIMELINE_CHANNEL,
                s.customer_id,
            )
        )
    if s.old_stage == s.lifecycle_stage:
        return
    if not (first and s.lifecycle_stage == LifecycleStage.PROSPECT):  # a prospect: no news
        batch.add(_timeline_entry(s, s.old_stage or ""))
    if not first:
        outcome.stage_changes.append((s.customer_id, s.old_stage or "", s.lifecycle_stage))
        batch.announce(
            hub.Announcement(
                "customer.lifecycle_changed",
                {
                    "customer_id": s.customer_id,
                    "from": s.old_stage,
                    "to": s.lifecycle_stage,
                    "since": s.since.isoformat() if s.since else None,
                    "run_id": run_id,
                },
                f"stage-{run_id}-{s.customer_id}",
                TIMELINE_CHANNEL,
                s.customer_id,
            )
        )


def _timeline_entry(s: _Change, old_stage: str) -> Interaction:
    day = s.since or timezone.localdate()
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


def _prospects_who_bought(stage: str, actor: audit.Actor, batch: WriteBatch) -> int:
    """A customer who has bought is no longer a prospect (``lifecycle_status``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id {_live(stage)} "
            "WHERE c.lifecycle_status = 'prospect' AND i.value_tier <> 'unknown'"
        )
        prospects = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(prospects), 5000):
        chunk = prospects[start : start + 5000]
        Customer.objects.filter(pk__in=chunk).update(lifecycle_status="customer")
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
