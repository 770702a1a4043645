"""One transaction's merges (see :mod:`.merge_clusters`): its customers read in a few
set-based queries (:mod:`.merge_reads`), every merge worked out in memory, and the result
written with one ``executemany`` per table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.db import insert_new, new_row, update_rows
from lealtad.core.models import AuditEntry
from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    DataQualityIssue,
    Email,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)
from lealtad.customers.services import merge_reads as read
from lealtad.customers.services.common import (
    EDITABLE_FIELDS,
    ChangeContext,
    _naming,
    _snapshot,
)
from lealtad.customers.services.golden_record import (
    RESTORED_FIELDS,
    apply_choices,
    fold_profile,
    provenance_of,
    survivorship_rules,
)
from lealtad.customers.services.merge_reads import ConsentRow

MERGED = "customer.merged"
MERGED_BATCH = "customer.merged_batch"
# every row of the absorbed (its open data-quality issues too)
MOVED_WHOLE = (Address, Interaction, ConsentChange, Identifier, DataQualityIssue)
SURVIVOR_COLUMNS = (
    *EDITABLE_FIELDS,
    "first_contact_at",
    "first_contact_channel",
    "display_name",
    "search_name",
    "updated_at",
)


@dataclass(frozen=True)
class Cluster:
    """Customers found to be one person: all fold into ``survivor_id``, in the given order,
    each with the reason its merge records. ``chosen`` (field → ``"survivor"`` or
    ``"absorbed"``) is what a person who compared the records chose over the rules; it is
    checked by :func:`~.merges.checked_choices`."""

    survivor_id: int
    absorbed: tuple[tuple[int, str], ...]
    chosen: dict[str, str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Refusal:
    """A merge the customers' state does not allow, and why (a translatable message and its
    values, so an error made of it reads in the caller's language)."""

    survivor_id: int
    absorbed_id: int
    why: Promise
    values: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        why = str(self.why) % dict(self.values) if self.values else str(self.why)
        return f"{self.absorbed_id} → {self.survivor_id}: {why}"


@dataclass
class Outcome:
    """The merges made (their :class:`Merge` ids, in order) and the pairs refused."""

    merge_ids: list[int] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def refused(self) -> list[str]:
        return [str(r) for r in self.refusals]


class MergeClock:
    """Strictly increasing stamps, so the merges of one survivor are undone last first."""

    def __init__(self) -> None:
        self.last = timezone.now() - timedelta(microseconds=1)

    def tick(self) -> datetime:
        self.last = max(timezone.now(), self.last + timedelta(microseconds=1))
        return self.last


# One chunk: read, work out, write --------------------------------------------------------


@dataclass
class _Planned:
    """One merge worked out in memory, waiting to be written."""

    survivor_id: int
    absorbed_id: int
    reason: str
    at: datetime
    moved: dict[str, list[int]]
    snapshot: dict[str, Any]
    changes: dict[str, list[Any]]
    chosen: dict[str, str] | None


@dataclass
class _Survivor:
    """What the survivor holds while its cluster folds into it."""

    customer: Customer
    original: dict[str, Any]  # its columns as read, to write only what changed
    phones: set[str]
    emails: set[str]
    households: set[int]
    consents: dict[tuple[str, str], ConsentRow]


class MergeChunk:
    """One transaction's clusters: read them, work every merge out, write the result."""

    def __init__(
        self, clusters: list[Cluster], ctx: ChangeContext, clock: MergeClock, outcome: Outcome
    ) -> None:
        self.clusters, self.ctx, self.clock, self.outcome = clusters, ctx, clock, outcome
        self.channel = ctx.channel or ctx.actor.channel
        self.rules = survivorship_rules()
        self.planned: list[_Planned] = []
        self.consents_changed: dict[int, ConsentRow] = {}
        self.consents_deleted: list[int] = []
        self.contact_moves: dict[type[models.Model], list[int]] = defaultdict(list)
        self.member_moves: list[tuple[int, int]] = []
        self.reviews_decided: list[int] = []
        self.held: dict[int, _Survivor] = {}
        self.decided: set[int] = set()

    def run(self) -> None:
        self._read()
        for cluster in self.clusters:
            self._fold_cluster(cluster)
        if self.planned:
            self._write()

    # Reading ------------------------------------------------------------------------------

    def _read(self) -> None:
        ids = sorted(
            {c.survivor_id for c in self.clusters}
            | {a for c in self.clusters for a, _ in c.absorbed}
        )
        absorbed = sorted({a for c in self.clusters for a, _ in c.absorbed})
        self.customers = read.locked_customers(ids)
        self.entries = read.profile_entries(ids)
        self.consents = read.consents(ids)
        self.phones = read.grouped(Phone, ids, "id", "e164", "is_primary")
        self.emails = read.grouped(Email, ids, "id", "address", "is_primary")
        self.members = read.grouped(HouseholdMember, ids, "id", "household_id", order=("id",))
        self.whole = {m.__name__: read.grouped(m, absorbed, "id") for m in MOVED_WHOLE}
        reviews = read.open_reviews(set(ids))
        self.review_order = {row[0]: n for n, row in enumerate(reviews)}
        self.reviews: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for row in reviews:
            self.reviews[row[1]].append(row)
            if row[2] != row[1]:
                self.reviews[row[2]].append(row)

    # Working out --------------------------------------------------------------------------

    def _fold_cluster(self, cluster: Cluster) -> None:
        survivor = self.customers.get(cluster.survivor_id)
        for absorbed_id, reason in cluster.absorbed:
            refusal = self._refusal(survivor, cluster.survivor_id, absorbed_id)
            if refusal is not None:
                self.outcome.refusals.append(refusal)
                continue
            assert survivor is not None
            absorbed = self.customers[absorbed_id]
            self._fold(self._holding(survivor), absorbed, reason, cluster.chosen)

    def _refusal(
        self, survivor: Customer | None, survivor_id: int, absorbed_id: int
    ) -> Refusal | None:
        absorbed = self.customers.get(absorbed_id)
        pair = (survivor_id, absorbed_id)
        if survivor is None or absorbed is None:
            missing = survivor_id if survivor is None else absorbed_id
            return Refusal(*pair, _("customer %(id)s not found"), (("id", missing),))
        if survivor_id == absorbed_id:
            return Refusal(*pair, _("a customer cannot be merged into itself"))
        if absorbed.merged_into_id or survivor.merged_into_id:
            return Refusal(*pair, _("one of these customers was already merged"))
        return None

    def _holding(self, survivor: Customer) -> _Survivor:
        held = self.held.get(survivor.pk)
        if held is None:
            held = _Survivor(
                survivor,
                _snapshot(survivor, SURVIVOR_COLUMNS[:-1]),
                {e164 for _id, e164, _primary in self.phones.get(survivor.pk, [])},
                {address for _id, address, _primary in self.emails.get(survivor.pk, [])},
                {household for _id, household in self.members.get(survivor.pk, [])},
                self.consents.get(survivor.pk, {}),
            )
            self.held[survivor.pk] = held
        return held

    def _fold(
        self, held: _Survivor, absorbed: Customer, reason: str, chosen: dict[str, str] | None
    ) -> None:
        """``absorbed → survivor``: what moves, the consents, the golden record."""
        survivor = held.customer
        their_consents = self.consents.get(absorbed.pk, {})
        snapshot: dict[str, Any] = {
            "survivor": read.plain(_snapshot(survivor, RESTORED_FIELDS)),
            "absorbed_status": absorbed.lifecycle_status,
            "survivor_consents": read.consent_snapshot(held.consents),
            "absorbed_consents": read.consent_snapshot(their_consents),
            "primary": {
                "Phone": [r[0] for r in self.phones.get(absorbed.pk, []) if r[2]],
                "Email": [r[0] for r in self.emails.get(absorbed.pk, []) if r[2]],
            },
        }
        moved = {name: list(rows.get(absorbed.pk, [])) for name, rows in self.whole.items()}
        moved["HouseholdMember"] = self._move_memberships(held, absorbed.pk)
        moved["Phone"] = self._move_contacts(Phone, self.phones, held.phones, absorbed.pk)
        moved["Email"] = self._move_contacts(Email, self.emails, held.emails, absorbed.pk)
        self._fold_consents(held, their_consents)
        at = self.clock.tick()
        changes = self._fold_profile(survivor, absorbed, at, chosen)
        if chosen is not None:
            snapshot["chosen"] = chosen
        absorbed.merged_into_id = survivor.pk
        absorbed.lifecycle_status = "former"
        snapshot["reviews"] = self._decide_reviews(survivor.pk, absorbed.pk)
        self.planned.append(
            _Planned(survivor.pk, absorbed.pk, reason, at, moved, snapshot, changes, chosen)
        )

    def _move_memberships(self, held: _Survivor, absorbed_id: int) -> list[int]:
        moving = [
            (member, household)
            for member, household in self.members.get(absorbed_id, [])
            if household not in held.households
        ]
        held.households.update(household for _member, household in moving)
        self.member_moves.extend((held.customer.pk, member) for member, _h in moving)
        return [member for member, _household in moving]

    def _move_contacts(
        self, model: type[models.Model], rows: dict[int, list[Any]], have: set[str], absorbed: int
    ) -> list[int]:
        """What the survivor lacks moves (no longer primary); a value both had stays once,
        on the survivor, and its duplicate stays with the absorbed customer."""
        moving = [row_id for row_id, value, _primary in rows.get(absorbed, []) if value not in have]
        have.update(value for _row_id, value, _primary in rows.get(absorbed, []))
        self.contact_moves[model].extend(moving)
        return moving

    def _fold_consents(self, held: _Survivor, theirs: dict[tuple[str, str], ConsentRow]) -> None:
        """A choice only the absorbed made moves; where both chose, the refusal wins."""
        for key, row in theirs.items():
            current = held.consents.get(key)
            if current is None:
                row.customer_id = held.customer.pk
                held.consents[key] = self.consents_changed[row.id] = row
                continue
            if current.granted and not row.granted:
                current.granted, current.updated_at = False, row.updated_at
                self.consents_changed[current.id] = current
            self.consents_deleted.append(row.id)

    def _fold_profile(
        self, survivor: Customer, absorbed: Customer, at: datetime, chosen: dict[str, str] | None
    ) -> dict:
        """The rules' golden record, then a person's choices over it (the audit entry says
        a person made them)."""
        before = _snapshot(survivor, EDITABLE_FIELDS)
        # Read afresh for each merge: the survivor's first contact may have changed, and
        # earlier merges of the chunk left entries.
        mine = provenance_of(survivor, self.entries[survivor.pk])
        theirs = provenance_of(absorbed, self.entries[absorbed.pk])
        fold_profile(survivor, absorbed, mine, theirs, self.rules)
        if chosen is not None:
            apply_choices(survivor, absorbed, before, chosen)
        _naming(survivor)
        changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
        self.entries[survivor.pk].append((changes, self.channel, at))  # the merge's own entry
        return changes

    def _decide_reviews(self, survivor_id: int, absorbed_id: int) -> list[int]:
        """The open reviews of this very pair are settled by the merge (one between two
        customers absorbed into the same survivor stays open)."""
        pair = {survivor_id, absorbed_id}
        found = self.reviews.get(survivor_id, []) + self.reviews.get(absorbed_id, [])
        decided = []
        for pk, a, b in sorted(set(found), key=lambda r: self.review_order[r[0]]):
            if a in pair and b in pair and pk not in self.decided:
                decided.append(pk)
                self.decided.add(pk)
        self.reviews_decided.extend(decided)
        return decided

    # Writing ------------------------------------------------------------------------------

    def _write(self) -> None:
        now = timezone.now()
        self._write_rows(now)
        self._write_customers(now)
        merge_ids = self._write_merges()
        self._write_audit_and_events(merge_ids, now)
        self.outcome.merge_ids.extend(merge_ids[p.absorbed_id] for p in self.planned)

    def _write_rows(self, now: datetime) -> None:
        changed = self.consents_changed.values()
        for part in read.batches(self.consents_deleted):
            Consent.objects.filter(pk__in=part).delete()
        update_rows(
            Consent,
            ("customer_id", "granted", "updated_at"),
            [(r.customer_id, r.granted, r.updated_at, r.id) for r in changed],
        )
        for model in MOVED_WHOLE:
            update_rows(
                model,
                ("customer_id",),
                [(p.survivor_id, p.absorbed_id) for p in self.planned if p.moved[model.__name__]],
                key="customer_id",
            )
        for contact, row_ids in self.contact_moves.items():
            owner = {r: p.survivor_id for p in self.planned for r in p.moved[contact.__name__]}
            update_rows(
                contact, ("customer_id", "is_primary"), [(owner[r], False, r) for r in row_ids]
            )
        update_rows(HouseholdMember, ("customer_id",), self.member_moves)
        for part in read.batches(self.reviews_decided):
            IdentityReview.objects.filter(pk__in=part).update(
                status="merged", decided_at=now, decided_by=self.ctx.actor.label
            )

    def _write_customers(self, now: datetime) -> None:
        """Each survivor's changed columns (grouped: one ``executemany`` per set of columns),
        then the absorbed customers."""
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for held in self.held.values():
            c = held.customer
            changed = tuple(n for n in held.original if getattr(c, n) != held.original[n])
            by_columns[changed].append((*(getattr(c, n) for n in changed), now, c.pk))
        for changed, rows in by_columns.items():
            update_rows(Customer, (*changed, "updated_at"), rows)
        update_rows(
            Customer,
            ("merged_into", "lifecycle_status", "updated_at"),
            [(p.survivor_id, "former", now, p.absorbed_id) for p in self.planned],
        )

    def _write_merges(self) -> dict[int, int]:
        """Insert the :class:`Merge` rows; their ids by absorbed customer."""
        actor = self.ctx.actor
        rows = [
            new_row(
                Merge,
                survivor_id=p.survivor_id,
                absorbed_id=p.absorbed_id,
                performed_by_id=actor.user_id,
                performed_by_label=actor.label,
                reason=p.reason,
                moved=p.moved,
                snapshot=p.snapshot,
            )
            for p in self.planned
        ]
        insert_new(rows)
        return {row.absorbed_id: row.pk for row in rows}

    def _write_audit_and_events(self, merge_ids: dict[int, int], now: datetime) -> None:
        """Two audit entries per merge; one event for the chunk (``customer.merged`` when it
        made one merge)."""
        entries = [entry for p in self.planned for entry in self._audit_entries(p)]
        merges = [
            {
                "merge_id": merge_ids[p.absorbed_id],
                "survivor_id": p.survivor_id,
                "absorbed_id": p.absorbed_id,
                "reason": p.reason,
            }
            for p in self.planned
        ]
        if len(self.planned) == 1:
            event = self.ctx.announcement(MERGED, self.planned[0].survivor_id, merges[0])
        else:
            payload = {"count": len(merges), "merges": merges}
            event = self.ctx.announcement(MERGED_BATCH, None, payload)
        self.ctx.keep(entries, [event])

    def _audit_entries(self, p: _Planned) -> list[AuditEntry]:
        """The survivor's (what changed, whom it absorbed) and the absorbed customer's."""
        reason = {"reason": [None, p.reason]}
        survivor = p.changes | {"merged_customer": [None, p.absorbed_id]}
        if p.chosen is not None:  # a person compared the records and chose these values
            survivor["chosen_by_person"] = [None, p.chosen]
        survivor |= reason
        absorbed = {"merged_into": [None, p.survivor_id]} | reason
        return [
            self._entry(p.at, "merge", p.survivor_id, survivor),
            self._entry(p.at, "merged_into", p.absorbed_id, absorbed),
        ]

    def _entry(self, at: datetime, action: str, customer_id: int, changes: dict) -> AuditEntry:
        entry = audit.build(
            self.ctx.actor,
            action,
            "customer",
            customer_id,
            changes,
            customer_id=customer_id,
            event_id=self.ctx.event_id,
            channel=self.channel,
        )
        entry.occurred_at = at
        return entry
