"""Canonical events applied in batches: ``customer.upserted`` and ``interaction.recorded``
resolved to one customer each, their rows written with one insert per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils import timezone

from lealtad.core import audit, normalize
from lealtad.core.audit import Actor
from lealtad.core.envelope import ValidEvent
from lealtad.customers import choices, identity, quality_rows
from lealtad.customers.models import (
    Customer,
    Email,
    Identifier,
    IdentityReview,
    Interaction,
    Phone,
)
from lealtad.customers.schemas import (
    CustomerProfile,
    InteractionRecorded,
)
from lealtad.customers.services.common import ChangeContext, _new_customer, _Pending
from lealtad.customers.services.records import _apply_profile, join_household


class _BatchApplier:
    """Applies a run of canonical events, resolving each to one customer."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.pending = _Pending()
        self.owners: dict[identity.Key, int] = {}

    def run(self, events: Sequence[ValidEvent]) -> list[int]:
        keys = [identity.keys_of(e.envelope.customer) for e in events]
        self.owners = identity.find_owners(k for ks in keys for k in ks)
        ids = [self._one(event, event_keys) for event, event_keys in zip(events, keys, strict=True)]
        self.pending.flush()
        return ids

    def _one(self, event: ValidEvent, keys: list[identity.Key]) -> int:
        env = event.envelope
        found = identity.resolve(keys, self.owners)
        created = found.customer_id is None
        customer_id: int = (
            self._match_or_create(event) if found.customer_id is None else found.customer_id
        )
        self._conflicts(env.id, customer_id, found.conflicts, keys)
        self._claim(customer_id, found.new_keys, env.id, env.channel)
        self.pending.issues += quality_rows.set_aside_rows(
            customer_id, event.issues, env.id, env.channel
        )
        if isinstance(event.payload, CustomerProfile):
            self.pending.flush_contact_keys()  # the profile's own writes must see them
            self._upsert(customer_id, event, created)
            self._learn_keys_of(customer_id)
        elif isinstance(event.payload, InteractionRecorded):
            self._interaction(customer_id, event)
        self.pending.announce(
            env.type,
            {**env.model_dump(mode="json"), "customer_id": customer_id},
            event_id=env.id,
            channel=env.channel,
            customer_id=customer_id,
        )
        return customer_id

    def _learn_keys_of(self, customer_id: int) -> None:
        """Keys a profile's contact points added, so later events in the batch find them."""
        rows = Identifier.objects.filter(customer_id=customer_id).values_list(
            "kind", "system", "value"
        )
        self.owners.update({(k, s, v): customer_id for k, s, v in rows})

    def _match_or_create(self, event: ValidEvent) -> int:
        """No key known: the probabilistic matcher links, opens a review, or a new customer
        is created (see :mod:`lealtad.customers.realtime`)."""
        from lealtad.customers import realtime  # it reads the base through dedupe → services

        env = event.envelope
        profile = event.payload if isinstance(event.payload, CustomerProfile) else None
        person = realtime.person_of(env.customer, profile)
        decision = realtime.resolve(person)
        if decision is not None and decision.action == "link" and decision.best is not None:
            self.pending.audits.append(
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
        realtime.remember(replace(person, key=customer.pk))
        if decision is not None and decision.action == "review" and decision.best is not None:
            IdentityReview.objects.create(
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
        return customer.pk

    def _create(self, event: ValidEvent) -> Customer:
        env = event.envelope
        customer = _new_customer(env.customer, env.occurred_at, env.channel, self.actor)
        self.pending.audits.append(
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
        self.pending.announce(
            "customer.created",
            {"customer_id": customer.pk, "source_event": env.id},
            event_id=f"{env.id}#created",
            channel=env.channel,
            customer_id=customer.pk,
        )
        return customer

    def _conflicts(self, event_id: str, chosen: int, others: list[int], keys: list[Any]) -> None:
        for other in others:
            named = {f"{k[0]}{':' + k[1] if k[1] else ''}": k[2] for k in keys}
            IdentityReview.objects.create(
                event_id=event_id,
                customer_a_id=chosen,
                customer_b_id=other,
                reason="one event named two customers",
                evidence={"identifiers": named},
            )

    def _claim(self, customer_id: int, keys: list[identity.Key], event_id: str, channel: str):
        for kind, system, value in keys:
            self.owners[(kind, system, value)] = customer_id
            self.pending.identifiers.append(
                Identifier(customer_id=customer_id, kind=kind, system=system, value=value)
            )
            if kind == "email":
                self.pending.emails.append(
                    Email(customer_id=customer_id, address=value, source=channel)
                )
            elif kind == "phone":
                validity = normalize.phone(value).validity
                self.pending.phones.append(
                    Phone(
                        customer_id=customer_id,
                        e164=value,
                        raw=value,
                        source=channel,
                        validity=validity,
                    )
                )
                if validity != choices.PhoneValidity.VALID:
                    self.pending.issues.append(
                        quality_rows.flagged_phone_row(customer_id, value, channel, event_id)
                    )
            label = f"{kind}:{system}" if system else kind
            self.pending.audits.append(
                audit.build(
                    self.actor,
                    "add_identifier",
                    "customer",
                    customer_id,
                    {label: [None, value]},
                    customer_id=customer_id,
                    event_id=event_id,
                    channel=channel,
                )
            )

    def _upsert(self, customer_id: int, event: ValidEvent, created: bool) -> None:
        env, profile = event.envelope, event.payload
        assert isinstance(profile, CustomerProfile)
        customer = Customer.objects.get(pk=customer_id)
        context = ChangeContext(self.actor, env.id, env.channel)
        _apply_profile(customer, profile, env.customer, context, at=env.occurred_at)
        if profile.household:
            join_household(
                customer,
                profile.household.name,
                profile.household.role,
                context,
                size=profile.household.size,
            )

    def _interaction(self, customer_id: int, event: ValidEvent) -> None:
        env, data = event.envelope, event.payload
        assert isinstance(data, InteractionRecorded)
        self.pending.interactions.append(
            Interaction(
                customer_id=customer_id,
                created_at=timezone.now(),
                occurred_at=env.occurred_at,
                channel=env.channel,
                event_id=env.id,
                **data.model_dump(),
            )
        )
        self.pending.audits.append(
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
