"""Canonical events applied in batches: ``customer.upserted`` and ``interaction.recorded``
resolved to one customer each, every row of the batch written with one insert per table.

One pass over the events, in order, with nothing read per event: the keys they name and the
customers they reach are read once for the batch, new customers take reserved ids (so an event
later in the batch finds a customer an earlier one created, by key or by the matcher), and
every row goes into one :class:`~lealtad.core.write_batch.WriteBatch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils import timezone

from lealtad.core import audit, normalize
from lealtad.core.audit import Actor
from lealtad.core.db import new_row, reserve_ids
from lealtad.core.envelope import ValidEvent
from lealtad.core.hub import Announcement
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import choices, identity, quality_rows
from lealtad.customers.models import Customer, IdentityReview, Interaction
from lealtad.customers.schemas import CustomerProfile, InteractionRecorded, PhoneIn
from lealtad.customers.services.common import ChangeContext, build_customer
from lealtad.customers.services.profiles import ProfileChange, ProfileWriter
from lealtad.customers.services.records import join_household
from lealtad.matching.realtime import Decision
from lealtad.matching.records import Person


class _BatchApplier:
    """Applies a run of canonical events, resolving each to one customer."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.batch = WriteBatch()
        self.owners: dict[identity.Key, int] = {}
        self.writer = ProfileWriter(self.batch, self.owners)
        self.customers: dict[int, Customer] = {}

    def run(self, events: Sequence[ValidEvent]) -> list[int]:
        keys = [identity.keys_of(e.envelope.customer) for e in events]
        self.owners.update(identity.find_owners(k for ks in keys for k in ks))
        self._prepare(events, keys)
        ids = [
            self._one(i, event, event_keys)
            for i, (event, event_keys) in enumerate(zip(events, keys, strict=True))
        ]
        self._remember()
        self.writer.write()
        return ids

    def _prepare(self, events: Sequence[ValidEvent], keys: list[list[identity.Key]]) -> None:
        """Read once what the events reach; reserve ids for the customers they may create."""
        unknown = [not any(k in self.owners for k in ks) for ks in keys]
        self.new_ids = iter(reserve_ids(Customer, sum(unknown)))
        self._candidates([i for i, u in enumerate(unknown) if u], events)
        profiles = [
            self._change(e, 0, created)
            for e, created in zip(events, unknown, strict=True)
            if isinstance(e.payload, CustomerProfile)
        ]
        known = sorted({self.owners[k] for ks in keys for k in ks if k in self.owners})
        self.customers.update(Customer.objects.in_bulk(known))
        self.writer.prepare(profiles, known, extra=len(events))

    def _change(self, event: ValidEvent, customer_id: int, created: bool) -> ProfileChange:
        env, profile = event.envelope, event.payload
        assert isinstance(profile, CustomerProfile)
        customer = self.customers.get(customer_id) or Customer(pk=customer_id)
        ctx = ChangeContext(self.actor, env.id, env.channel, self.batch)
        return ProfileChange(customer, profile, env.customer, ctx, env.occurred_at, created)

    def _candidates(self, positions: list[int], events: Sequence[ValidEvent]) -> None:
        """The matcher's candidates for every event no key may resolve, found together
        (:func:`lealtad.customers.realtime.candidates`), and which of them may be linked."""
        from lealtad.customers import realtime  # it reads the base through dedupe → services

        self.people: dict[int, Person] = {}
        for i in positions:
            profile = events[i].payload
            wanted = profile if isinstance(profile, CustomerProfile) else None
            self.people[i] = realtime.person_of(events[i].envelope.customer, wanted)
        found = realtime.candidates(list(self.people.values())) if self.people else None
        self.matches = dict(zip(self.people, found, strict=True)) if found is not None else {}
        self.live = realtime.alive(m.key for ms in self.matches.values() for m in ms)
        self.order = list(self.people)  # batch position of each queried person
        self.created_at: dict[int, int] = {}  # batch position -> the customer it created
        self.remembered: list[Person] = []

    def _remember(self) -> None:
        from lealtad.customers import realtime

        realtime.remember(self.remembered)

    def _decision(self, position: int) -> Decision | None:
        """Link, review or new: earlier events of the batch count as the customers they
        created (an event matched to one on file is already that customer's)."""
        from lealtad.customers import realtime

        matches = self.matches.get(position)
        if matches is None:
            return None
        usable = []
        for match in matches:
            if match.key < 0:
                created = self.created_at.get(self.order[-1 - match.key])
                if created is None:
                    continue
                match = replace(match, key=created)
                self.live.add(created)
            usable.append(match)
        return realtime.decide(usable, self.live)

    def _one(self, position: int, event: ValidEvent, keys: list[identity.Key]) -> int:
        env = event.envelope
        found = identity.resolve(keys, self.owners)
        created = found.customer_id is None
        customer_id = self._match_or_create(position, event) if created else found.customer_id
        assert customer_id is not None
        if not created:
            self.writer.book.load([customer_id])  # a customer the matcher found: not read yet
        self._conflicts(env.id, customer_id, found.conflicts, keys)
        self._claim(customer_id, found.new_keys, env.id, env.channel)
        self.batch.add(*quality_rows.set_aside_rows(customer_id, event.issues, env.id, env.channel))
        if isinstance(event.payload, CustomerProfile):
            self._upsert(customer_id, event, created)
        elif isinstance(event.payload, InteractionRecorded):
            self._interaction(customer_id, event)
        self._announce(
            env.type,
            {**env.model_dump(mode="json"), "customer_id": customer_id},
            env.id,
            env.channel,
            customer_id,
        )
        return customer_id

    def _announce(self, kind: str, payload: dict, event_id: str, channel: str, cid: int) -> None:
        self.batch.announce(Announcement(kind, payload, event_id, channel, cid))

    def _match_or_create(self, position: int, event: ValidEvent) -> int:
        """No key known: the probabilistic matcher links, opens a review, or a new customer
        is created (see :mod:`lealtad.customers.realtime`)."""
        env = event.envelope
        decision = self._decision(position)
        if decision is not None and decision.action == "link" and decision.best is not None:
            self.batch.entries.append(
                audit.build(
                    self.actor,
                    "probabilistic_link",
                    "customer",
                    decision.best.key,
                    {"match": [None, f"p={decision.best.probability:.4f} {decision.best.reason}"]},
                    customer_id=decision.best.key,
                    event_id=env.id,
                    channel=env.channel,
                )
            )
            return decision.best.key
        customer = self._create(event)
        self.created_at[position] = customer.pk
        if position in self.people:
            self.remembered.append(replace(self.people[position], key=customer.pk))
        if decision is not None and decision.action == "review" and decision.best is not None:
            self.batch.add(
                IdentityReview(
                    event_id=env.id,
                    customer_a_id=decision.best.key,
                    customer_b_id=customer.pk,
                    reason=f"probable match (p={decision.best.probability:.2f})",
                    evidence={
                        "probability": decision.best.probability,
                        "weight": decision.best.weight,
                        "reason": decision.best.reason,
                    },
                )
            )
        return int(customer.pk)

    def _create(self, event: ValidEvent) -> Customer:
        env = event.envelope
        pk = next(self.new_ids, None) or reserve_ids(Customer, 1)[0]
        customer = build_customer(pk, env.customer, env.occurred_at, env.channel, self.actor)
        self.customers[pk] = customer
        self.writer.book.loaded.add(pk)  # it holds nothing yet
        self.batch.add(customer)
        self.batch.entries.append(
            audit.build(
                self.actor,
                "create",
                "customer",
                customer.pk,
                audit.diff({}, {"display_name": customer.display_name}),
                customer_id=customer.pk,
                event_id=env.id,
                channel=env.channel,
            )
        )
        self._announce(
            "customer.created",
            {"customer_id": customer.pk, "source_event": env.id},
            f"{env.id}#created",
            env.channel,
            customer.pk,
        )
        return customer

    def _conflicts(self, event_id: str, chosen: int, others: list[int], keys: list[Any]) -> None:
        for other in others:
            named = {f"{k[0]}{':' + k[1] if k[1] else ''}": k[2] for k in keys}
            self.batch.add(
                IdentityReview(
                    event_id=event_id,
                    customer_a_id=chosen,
                    customer_b_id=other,
                    reason="one event named two customers",
                    evidence={"identifiers": named},
                )
            )

    def _claim(self, customer_id: int, keys: list[identity.Key], event_id: str, channel: str):
        """The event's own keys, new to the base: the customer holds them from now on."""
        ctx = ChangeContext(self.actor, event_id, channel, self.batch)
        for key in keys:
            kind, system, value = key
            if not self.writer.claim(customer_id, key):
                continue
            if kind == "email":
                self.writer.add_email(customer_id, value, ctx, audited=False)
            elif kind == "phone":
                parsed = normalize.phone(value)
                phone = PhoneIn.model_construct(
                    number=value,
                    e164=value,
                    kind=choices.PhoneKind.MOBILE,
                    is_mobile=True,
                    validity=parsed.validity,
                )
                self.writer.add_phone(customer_id, phone, ctx, audited=False)
            label = f"{kind}:{system}" if system else kind
            ctx.audit(
                "add_identifier", "customer", customer_id, {label: [None, value]}, customer_id
            )

    def _upsert(self, customer_id: int, event: ValidEvent, created: bool) -> None:
        change = self._change(event, customer_id, created)
        if not created and customer_id not in self.customers:
            change.customer = self.customers[customer_id] = Customer.objects.get(pk=customer_id)
        self.writer.apply(change)
        household = change.profile.household
        if household:
            customer, ctx = change.customer, change.ctx
            self.writer.later.append(
                lambda: join_household(
                    customer, household.name, household.role, ctx, size=household.size
                )
            )

    def _interaction(self, customer_id: int, event: ValidEvent) -> None:
        env, data = event.envelope, event.payload
        assert isinstance(data, InteractionRecorded)
        self.batch.add(
            new_row(
                Interaction,
                customer_id=customer_id,
                created_at=timezone.now(),
                occurred_at=env.occurred_at,
                channel=env.channel,
                event_id=env.id,
                **data.model_dump(),
            )
        )
        self.batch.entries.append(
            audit.build(
                self.actor,
                "record_interaction",
                "interaction",
                env.id,
                {"subject": [None, data.subject or data.kind]},
                customer_id=customer_id,
                event_id=env.id,
                channel=env.channel,
            )
        )


def apply_events(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
    """Apply ``customer.upserted`` / ``interaction.recorded`` events; one customer id each.

    Runs inside the caller's transaction (ingestion keeps the whole batch atomic).
    """
    return _BatchApplier(actor).run(events)
