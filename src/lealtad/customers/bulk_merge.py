"""Merging whole clusters of customers at once, for ``lealtad identity dedupe --apply``.

:func:`lealtad.customers.services.merge_customers` merges one pair in about fifteen queries,
which is right for a person pressing "Merge" but takes minutes for the thousands of clusters a
dedupe finds. Here a chunk of clusters is read in a few queries, every merge is worked out in
memory exactly as the pair-by-pair merges would have done it (same golden record by the
survivorship rules, same rows moved, consent never widened), and the result is written with
one ``executemany`` per table. Each merge still gets its own :class:`Merge` row with the
snapshot :func:`~lealtad.customers.services.unmerge` reads and its two audit entries, so
undoing one works unchanged.

Other contexts hear of a chunk's merges through one ``customer.merged_batch`` event (payload
``{"count": n, "merges": [{"merge_id", "survivor_id", "absorbed_id", "reason"}, …]}``, each
item what ``customer.merged`` carries), in the chunk's transaction; every subscriber of
``customer.merged`` also handles it, set-based. Undoing one of these merges announces
``customer.unmerged`` as usual.

A cluster ``[s, a1, a2, …]`` becomes the merges ``a1 → s``, ``a2 → s``, … in that order: the
snapshot of ``a2 → s`` holds ``s`` as it was after ``a1`` joined it, and the merges are stamped
a microsecond apart so ``unmerge`` undoes them last first, as it does for merges made by hand.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from rich.progress import Progress

from lealtad.core import audit, hub
from lealtad.core.db import insert_new, new_row
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
from lealtad.customers.services.common import (
    EDITABLE_FIELDS,
    ChangeContext,
    _naming,
    _snapshot,
)
from lealtad.customers.services.merges import (
    _RESTORED_FIELDS,
    fold_profile,
    provenance_of,
    survivorship_rules,
)

CHUNK_MERGES = 2_000  # merges per transaction, and per ``customer.merged_batch`` event
# One event announces a chunk's merges: each ``customer.merged`` would cost the dispatcher
# about 8 ms (its deliveries, savepoints and settling): minutes for a large dedupe.
MERGED_BATCH = "customer.merged_batch"
ID_BATCH = 1000  # ids per ``IN (…)``
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
    each with the reason its merge records."""

    survivor_id: int
    absorbed: tuple[tuple[int, str], ...]


@dataclass
class Outcome:
    """The merges made (their :class:`Merge` ids, in order) and the pairs refused, why."""

    merge_ids: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# Entry point ----------------------------------------------------------------------------


def merge_clusters(
    clusters: Sequence[Cluster],
    ctx: ChangeContext,
    chunk: int = CHUNK_MERGES,
    progress: Progress | None = None,
) -> Outcome:
    """Merge every cluster into its survivor, ``chunk`` merges per transaction.

    A pair the single merge would refuse (a customer merged meanwhile, or into itself) is
    skipped and listed in ``Outcome.refused``; a customer named in two clusters is bad input
    and nothing is written.
    """
    _check_disjoint(clusters)
    total = sum(len(c.absorbed) for c in clusters)
    task = progress.add_task("merging clusters", total=total) if progress is not None else None
    outcome, clock = Outcome(), _Clock()
    for part in _chunks(clusters, chunk):
        with _cycle_collector_paused(), transaction.atomic():
            _Chunk(part, ctx, clock, outcome).run()
        if progress is not None and task is not None:
            progress.advance(task, sum(len(c.absorbed) for c in part))
    return outcome


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A chunk allocates many short-lived objects and no reference cycles: meanwhile the
    cycle collector would only rescan all the process holds (in a dedupe, the matcher's
    records too), a fifth of the time on FEBRL. Refcounting frees the chunk's objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_disjoint(clusters: Sequence[Cluster]) -> None:
    seen: set[int] = set()
    for cluster in clusters:
        for customer_id in (cluster.survivor_id, *(a for a, _ in cluster.absorbed)):
            if customer_id in seen:
                raise ValueError(f"customer {customer_id} is named in two clusters")
            seen.add(customer_id)


def _chunks(clusters: Sequence[Cluster], size: int) -> Iterator[list[Cluster]]:
    """Whole clusters (a cluster's merges depend on one another), about ``size`` merges each."""
    part: list[Cluster] = []
    merges = 0
    for cluster in clusters:
        part.append(cluster)
        merges += len(cluster.absorbed)
        if merges >= size:
            yield part
            part, merges = [], 0
    if part:
        yield part


class _Clock:
    """Strictly increasing stamps, so the merges of one survivor are undone last first."""

    def __init__(self) -> None:
        self.last = timezone.now() - timedelta(microseconds=1)

    def tick(self) -> datetime:
        self.last = max(timezone.now(), self.last + timedelta(microseconds=1))
        return self.last


# One chunk: read, work out, write --------------------------------------------------------


@dataclass
class _ConsentRow:
    id: int
    customer_id: int
    channel: str
    purpose: str
    granted: bool
    updated_at: datetime

    def as_snapshot(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "purpose": self.purpose,
            "granted": self.granted,
            "updated_at": self.updated_at.isoformat(),
        }


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


@dataclass
class _Survivor:
    """What the survivor holds while its cluster folds into it."""

    customer: Customer
    original: dict[str, Any]  # its columns as read, to write only what changed
    phones: set[str]
    emails: set[str]
    households: set[int]
    consents: dict[tuple[str, str], _ConsentRow]


class _Chunk:
    """One transaction's clusters: read them, work every merge out, write the result."""

    def __init__(
        self, clusters: list[Cluster], ctx: ChangeContext, clock: _Clock, outcome: Outcome
    ) -> None:
        self.clusters, self.ctx, self.clock, self.outcome = clusters, ctx, clock, outcome
        self.channel = ctx.channel or ctx.actor.channel
        self.rules = survivorship_rules()
        self.planned: list[_Planned] = []
        self.consents_changed: dict[int, _ConsentRow] = {}
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
        self.customers = _locked_customers(ids)
        self.entries = _profile_entries(ids)
        self.consents = _consents(ids)
        self.phones = _grouped(Phone, ids, "id", "e164", "is_primary")
        self.emails = _grouped(Email, ids, "id", "address", "is_primary")
        self.members = _grouped(HouseholdMember, ids, "id", "household_id", order=("id",))
        self.whole = {m.__name__: _grouped(m, absorbed, "id") for m in MOVED_WHOLE}
        reviews = _open_reviews(set(ids))
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
            if refusal:
                self.outcome.refused.append(f"{absorbed_id} → {cluster.survivor_id}: {refusal}")
                continue
            assert survivor is not None
            self._fold(self._holding(survivor), self.customers[absorbed_id], reason)

    def _refusal(self, survivor: Customer | None, survivor_id: int, absorbed_id: int) -> str:
        absorbed = self.customers.get(absorbed_id)
        if survivor is None or absorbed is None:
            return f"customer {survivor_id if survivor is None else absorbed_id} not found"
        if survivor_id == absorbed_id:
            return "a customer cannot be merged into itself"
        if absorbed.merged_into_id or survivor.merged_into_id:
            return "one of these customers was already merged"
        return ""

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

    def _fold(self, held: _Survivor, absorbed: Customer, reason: str) -> None:
        """``absorbed → survivor`` as :func:`services.merge_customers` does it."""
        survivor = held.customer
        their_consents = self.consents.get(absorbed.pk, {})
        snapshot: dict[str, Any] = {
            "survivor": _plain(_snapshot(survivor, _RESTORED_FIELDS)),
            "absorbed_status": absorbed.lifecycle_status,
            "survivor_consents": _consent_snapshot(held.consents),
            "absorbed_consents": _consent_snapshot(their_consents),
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
        changes = self._fold_profile(survivor, absorbed, at)
        absorbed.merged_into_id = survivor.pk
        absorbed.lifecycle_status = "former"
        snapshot["reviews"] = self._decide_reviews(survivor.pk, absorbed.pk)
        self.planned.append(
            _Planned(survivor.pk, absorbed.pk, reason, at, moved, snapshot, changes)
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

    def _fold_consents(self, held: _Survivor, theirs: dict[tuple[str, str], _ConsentRow]) -> None:
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

    def _fold_profile(self, survivor: Customer, absorbed: Customer, at: datetime) -> dict:
        before = _snapshot(survivor, EDITABLE_FIELDS)
        # Read afresh for each merge, as the single merge reads the audit trail: the
        # survivor's first contact may have changed, and earlier merges left entries.
        mine = provenance_of(survivor, self.entries[survivor.pk])
        theirs = provenance_of(absorbed, self.entries[absorbed.pk])
        fold_profile(survivor, absorbed, mine, theirs, self.rules)
        _naming(survivor)
        changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
        self.entries[survivor.pk].append((changes, self.channel, at))  # the merge's own entry
        return changes

    def _decide_reviews(self, survivor_id: int, absorbed_id: int) -> list[int]:
        """The open reviews of this very pair are settled by the merge (as the single merge
        does; one between two customers absorbed into the same survivor stays open)."""
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
        for part in _batches(self.consents_deleted):
            Consent.objects.filter(pk__in=part).delete()
        _update(
            Consent,
            ("customer_id", "granted", "updated_at"),
            [(r.customer_id, r.granted, r.updated_at, r.id) for r in changed],
        )
        for model in MOVED_WHOLE:
            _update(
                model,
                ("customer_id",),
                [(p.survivor_id, p.absorbed_id) for p in self.planned if p.moved[model.__name__]],
                key="customer_id",
            )
        for contact, row_ids in self.contact_moves.items():
            owner = {r: p.survivor_id for p in self.planned for r in p.moved[contact.__name__]}
            _update(contact, ("customer_id", "is_primary"), [(owner[r], False, r) for r in row_ids])
        _update(HouseholdMember, ("customer_id",), self.member_moves)
        for part in _batches(self.reviews_decided):
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
            _update(Customer, (*changed, "updated_at"), rows)
        _update(
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
        """Two audit entries per merge, as the single merge leaves; one event for the chunk."""
        insert_new([entry for p in self.planned for entry in self._audit_entries(p)])
        merges = [
            {
                "merge_id": merge_ids[p.absorbed_id],
                "survivor_id": p.survivor_id,
                "absorbed_id": p.absorbed_id,
                "reason": p.reason,
            }
            for p in self.planned
        ]
        event_id = f"{self.ctx.event_id or 'local'}#{MERGED_BATCH}#{uuid.uuid4().hex[:12]}"
        payload = {"count": len(merges), "merges": merges}
        hub.publish_many([hub.Announcement(MERGED_BATCH, payload, event_id, self.ctx.channel)])

    def _audit_entries(self, p: _Planned) -> list[AuditEntry]:
        """The single merge's two entries (see :func:`audit.build`)."""
        reason = {"reason": [None, p.reason]}
        survivor = p.changes | {"merged_customer": [None, p.absorbed_id]} | reason
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


# Set-based reads and writes ---------------------------------------------------------------


def _batches(ids: Sequence[int], size: int = ID_BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _of_customers(ids: Sequence[int], column: str = "customer_id") -> Iterator[RawSQL]:
    """``column IN (…)`` over ``ids``, a batch at a time. The ids are our own integers,
    written into the SQL: the ORM's ``__in`` prepares each value through its field, which
    costs more than reading the rows when a dedupe names every customer of the base."""
    quoted = connection.ops.quote_name(column)
    for part in _batches(ids):
        listed = ",".join(str(int(i)) for i in part)
        yield RawSQL(f"{quoted} IN ({listed})", [], output_field=models.BooleanField())


def _locked_customers(ids: list[int]) -> dict[int, Customer]:
    """The customers, locked until the chunk commits (in id order, so two runs never
    deadlock; on SQLite the write transaction already excludes every other writer)."""
    out: dict[int, Customer] = {}
    for of in _of_customers(ids, "id"):
        out.update(
            (c.pk, c) for c in Customer.objects.select_for_update().filter(of).order_by("pk")
        )
    return out


def _profile_entries(ids: list[int]) -> dict[int, list[tuple[Any, str, datetime]]]:
    """Each customer's audit entries that set profile fields, oldest first (what
    :func:`provenance_of` reads)."""
    entries: dict[int, list[tuple[Any, str, datetime]]] = defaultdict(list)
    for of in _of_customers(ids):
        rows = (
            AuditEntry.objects.filter(of, entity_type="customer", action__in=["update", "merge"])
            .order_by("occurred_at", "id")
            .values_list("customer_id", "changes", "channel", "occurred_at")
        )
        for customer_id, changes, channel, occurred_at in rows:
            entries[customer_id or 0].append((changes, channel, occurred_at))
    return entries


def _consents(ids: list[int]) -> dict[int, dict[tuple[str, str], _ConsentRow]]:
    out: dict[int, dict[tuple[str, str], _ConsentRow]] = defaultdict(dict)
    fields = ("id", "customer_id", "channel", "purpose", "granted", "updated_at")
    for of in _of_customers(ids):
        for values in Consent.objects.filter(of).values_list(*fields):
            row = _ConsentRow(*values)
            out[row.customer_id][(row.channel, row.purpose)] = row
    return out


def _grouped(
    model: type[models.Model],
    ids: list[int],
    *fields: str,
    order: Sequence[str] | None = None,
) -> dict[int, list[Any]]:
    """``fields`` of each customer's rows, in the model's own order (the order the single
    merge lists what moved)."""
    out: dict[int, list[Any]] = defaultdict(list)
    for of in _of_customers(ids):
        rows = model._default_manager.filter(of)
        if order is not None:
            rows = rows.order_by(*order)
        for customer_id, *values in rows.values_list("customer_id", *fields):
            out[customer_id].append(values[0] if len(values) == 1 else tuple(values))
    return out


def _open_reviews(ids: set[int]) -> list[tuple[int, int, int]]:
    """Open or deferred reviews between two of ``ids``: (id, customer a, customer b)."""
    out = []
    for of in _of_customers(sorted(ids), "customer_a_id"):
        rows = IdentityReview.objects.filter(of, status__in=["open", "deferred"])
        out += [
            r
            for r in rows.values_list("pk", "customer_a_id", "customer_b_id")
            if r[1] in ids and r[2] in ids
        ]
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """A customer's column values as JSON (what :func:`audit.jsonable` makes of them)."""
    return {
        name: value.isoformat()
        if isinstance(value, date)
        else list(value)
        if isinstance(value, list)
        else value
        for name, value in values.items()
    }


def _consent_snapshot(consents: dict[tuple[str, str], _ConsentRow]) -> list[dict[str, Any]]:
    return [consents[key].as_snapshot() for key in sorted(consents)]


def _update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    key: str = "id",
) -> None:
    """``UPDATE … SET columns WHERE key = …`` once per row (values of ``columns``, then the
    key), in one ``executemany``."""
    if not rows:
        return
    fields: list[Any] = [model._meta.get_field(name) for name in columns]
    where: Any = model._meta.get_field(key)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(where.column),
    )
    _execute_many(sql, [*fields, None], rows)


def _execute_many(sql: str, fields: Sequence[Any], rows: Sequence[tuple]) -> None:
    """Each value prepared for the driver as the ORM would, the way chosen once per column
    (``None`` for a column that goes as it is)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for n, f in enumerate(fields):
        prepare = None if f is None else _preparer(f)
        if prepare is not None:
            columns[n] = [None if v is None else prepare(v) for v in columns[n]]
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*columns, strict=True)))


def _preparer(field: models.Field) -> Callable[[Any], Any] | None:
    """Text, numbers and booleans go as they are; JSON and dates need the backend's form (a
    chunk repeats the same few stamps thousands of times: adapted once each)."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateTimeField):
        return functools.lru_cache(maxsize=4096)(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None
