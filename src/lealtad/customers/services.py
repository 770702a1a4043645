"""Use cases of the customers context: the only code that writes its tables.

Every write leaves, in the same transaction, an audit entry (who, what, before → after) and an
outbox row announcing it, so the hub never tells of a change that rolled back nor misses one
that committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from lealtad.core import audit, bulk, hub, normalize
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, writer_turn
from lealtad.core.envelope import CustomerRef, ValidEvent
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.core.normalize import fold
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import choices, identity, quality_rows
from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    DataQualityIssue,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Phone,
)
from lealtad.customers.names import display_name, split_full_name
from lealtad.customers.schemas import (
    PROFILE_FIELDS,
    AddressIn,
    ConsentIn,
    CustomerProfile,
    InteractionRecorded,
    PhoneIn,
)

INTERACTION_COLUMNS = (
    "customer_id",
    "occurred_at",
    "channel",
    "kind",
    "direction",
    "subject",
    "summary",
    "agent",
    "location",
    "related_type",
    "related_id",
    "event_id",
    "created_at",
)
AUDIT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "channel",
    "action",
    "entity_type",
    "entity_id",
    "customer_id",
    "changes",
    "event_id",
)
OUTBOX_COLUMNS = ("event_id", "event_type", "channel", "customer_id", "payload", "created_at")


@dataclass
class _Pending:
    """Rows a batch collects and writes with one ``bulk_create`` per table."""

    audits: list[AuditEntry] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    issues: list[DataQualityIssue] = field(default_factory=list)

    def announce(self, event_type: str, payload: dict[str, Any], **kw: Any) -> None:
        self.outbox.append(
            OutboxMessage(event_type=event_type, payload=payload, created_at=timezone.now(), **kw)
        )

    def flush_contact_keys(self) -> None:
        Identifier.objects.bulk_create(self.identifiers)
        Phone.objects.bulk_create(self.phones, ignore_conflicts=True)
        Email.objects.bulk_create(self.emails, ignore_conflicts=True)
        self.identifiers, self.phones, self.emails = [], [], []

    def flush(self) -> None:
        self.flush_contact_keys()
        DataQualityIssue.objects.bulk_create(self.issues)
        self.issues = []
        bulk.insert_rows(
            Interaction,
            INTERACTION_COLUMNS,
            [tuple(getattr(i, c) for c in INTERACTION_COLUMNS) for i in self.interactions],
        )
        bulk.insert_rows(
            AuditEntry,
            AUDIT_COLUMNS,
            [tuple(getattr(a, c) for c in AUDIT_COLUMNS) for a in self.audits],
        )
        bulk.insert_rows(
            OutboxMessage,
            OUTBOX_COLUMNS,
            [tuple(getattr(o, c) for c in OUTBOX_COLUMNS) for o in self.outbox],
        )


def _naming(customer: Customer) -> None:
    customer.display_name = display_name(
        customer.given_names,
        customer.first_surname,
        customer.second_surname,
        customer.organization_name,
    )[:250] or str(customer.pk or "")
    customer.search_name = fold(customer.display_name)


def _snapshot(customer: Customer, fields: Sequence[str] = PROFILE_FIELDS) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in fields}


def _new_customer(ref: CustomerRef, occurred_at: datetime, channel: str, actor: Actor) -> Customer:
    given, first, second = split_full_name(ref.name or "")
    customer = Customer(
        given_names=given[:120],
        first_surname=first[:80],
        second_surname=second[:80],
        first_contact_at=occurred_at,
        first_contact_channel=channel,
        created_by=actor.label,
    )
    if ref.national_id:
        _set_national_id(customer, ref.national_id, ref.national_id_type or "")
    _naming(customer)
    customer.save()
    if not customer.display_name:
        customer.display_name = f"#{customer.pk}"
        customer.save(update_fields=["display_name"])
    return customer


def _set_national_id(customer: Customer, value: str, id_type: str) -> None:
    from lealtad.core.normalize import national_id

    parsed = national_id(value, id_type)
    customer.national_id = parsed.value
    customer.national_id_type = parsed.type
    customer.national_id_valid = parsed.valid


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


def _profile_changes(profile: CustomerProfile, ref: CustomerRef) -> dict[str, Any]:
    changes = {
        name: getattr(profile, name)
        for name in PROFILE_FIELDS
        if getattr(profile, name) is not None
    }
    # ``ref.name`` names a customer only when it is created: how a channel spells a known
    # customer ("JUAREZ O. RODRIGO") must not overwrite the record.
    if ref.national_id:
        changes["national_id"] = ref.national_id
        if profile.national_id_type:
            changes["national_id_type"] = profile.national_id_type
    return changes


def apply_events(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
    """Apply ``customer.upserted`` / ``interaction.recorded`` events; one customer id each.

    Runs inside the caller's transaction (ingestion keeps the whole batch atomic).
    """
    return _BatchApplier(actor).run(events)


# Single-record use cases (API, pages, import) ----------------------------------------------


@dataclass(frozen=True)
class ChangeContext:
    actor: Actor
    event_id: str = ""
    channel: str = ""
    batch: WriteBatch | None = None  # collects audit entries and events (see core.write_batch)

    def audit(self, action: str, entity: str, entity_id: Any, changes: dict, customer_id: int):
        entry = audit.build(
            self.actor,
            action,
            entity,
            entity_id,
            changes,
            customer_id=customer_id,
            event_id=self.event_id,
            channel=self.channel,
        )
        if self.batch is not None:
            self.batch.entries.append(entry)
        else:
            insert_new([entry])  # the row ``save`` wrote, without its machinery (see core.db)

    def announce(self, event_type: str, customer_id: int, payload: dict[str, Any]) -> None:
        announcement = hub.Announcement(
            event_type,
            {"customer_id": customer_id, **audit.jsonable(payload)},
            f"{self.event_id or 'local'}#{event_type}#{uuid.uuid4().hex[:12]}",
            self.channel,
            customer_id,
        )
        if self.batch is not None:
            self.batch.announcements.append(announcement)
        else:
            hub.publish_many([announcement])


EDITABLE_FIELDS = (*PROFILE_FIELDS, "national_id", "national_id_type")


def _storable(name: str, value: Any) -> Any:
    """An explicit null clears a field: empty text or list where the column holds no null."""
    field = Customer._meta.get_field(name)
    if value is None and not getattr(field, "null", False):
        return [] if name in ("payment_methods", "purchase_motives") else ""
    return value


@transaction.atomic
def update_profile(customer: Customer, changes: dict[str, Any], ctx: ChangeContext) -> bool:
    """Set profile fields; audit and announce only what really changed."""
    wanted = {k: _storable(k, v) for k, v in changes.items() if k in EDITABLE_FIELDS}
    before = _snapshot(customer, EDITABLE_FIELDS)
    for name, value in wanted.items():
        setattr(customer, name, value)
    if "national_id" in wanted:
        if wanted["national_id"]:
            _set_national_id(customer, wanted["national_id"], customer.national_id_type)
        else:
            customer.national_id_type, customer.national_id_valid = "", None
    after = _snapshot(customer, EDITABLE_FIELDS)
    changed = audit.diff(before, after)
    if not changed:
        return False
    _naming(customer)
    customer.save()
    ctx.audit("update", "customer", customer.pk, changed, customer.pk)
    ctx.announce("customer.updated", customer.pk, {"changes": changed})
    if "national_id" in changed and customer.national_id:
        Identifier.objects.get_or_create(
            kind="national_id",
            system="",
            value=customer.national_id,
            defaults={"customer": customer},
        )
    return True


@transaction.atomic
def add_phone(customer: Customer, phone: PhoneIn, ctx: ChangeContext) -> Phone:
    found = Phone.objects.filter(customer=customer, e164=phone.e164).first()
    if found:
        return found
    row = Phone.objects.create(
        customer=customer,
        e164=phone.e164,
        raw=phone.number,
        kind=phone.kind,
        is_mobile=phone.is_mobile,
        validity=phone.validity,
        is_primary=not customer.phones.exists(),
        source=ctx.channel,
    )
    if phone.validity != choices.PhoneValidity.VALID:
        quality_rows.flagged_phone_row(customer.pk, row.e164, ctx.channel, ctx.event_id).save()
    if phone.is_mobile:
        Identifier.objects.get_or_create(
            kind="phone", system="", value=phone.e164, defaults={"customer": customer}
        )
    ctx.audit("add_phone", "phone", row.pk, {"phone": [None, row.e164]}, customer.pk)
    return row


@transaction.atomic
def add_email(customer: Customer, address: str, ctx: ChangeContext) -> Email:
    found = Email.objects.filter(customer=customer, address=address).first()
    if found:
        return found
    row = Email.objects.create(
        customer=customer,
        address=address,
        is_primary=not customer.emails.exists(),
        source=ctx.channel,
    )
    Identifier.objects.get_or_create(
        kind="email", system="", value=address, defaults={"customer": customer}
    )
    ctx.audit("add_email", "email", row.pk, {"email": [None, address]}, customer.pk)
    return row


class AddressPeriodReversed(ValueError):
    """An address whose ``valid_to`` is before its ``valid_from`` (the API answers 409)."""


@transaction.atomic
def add_address(customer: Customer, data: AddressIn, ctx: ChangeContext) -> Address:
    if data.period_reversed():
        raise AddressPeriodReversed(
            f"valid_to {data.valid_to} is before valid_from {data.valid_from}"
        )
    same = [
        a
        for a in customer.addresses.filter(kind=data.kind)
        if fold(a.line1) == fold(data.line1) and fold(a.city) == fold(data.city)
    ]
    if same:
        return same[0]
    row = Address.objects.create(customer=customer, source=ctx.channel, **data.model_dump())
    ctx.audit(
        "add_address",
        "address",
        row.pk,
        audit.diff({}, data.model_dump()),
        customer.pk,
    )
    return row


@transaction.atomic
def end_address(address: Address, valid_to: date, ctx: ChangeContext) -> Address:
    before = address.valid_to
    address.valid_to = valid_to
    address.save(update_fields=["valid_to"])
    ctx.audit(
        "end_address",
        "address",
        address.pk,
        {"valid_to": audit.jsonable([before, valid_to])},
        address.customer_id,
    )
    return address


class ConsentRefused(ValueError):
    """A consent that cannot be recorded as stated: ``field`` says which part is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ConsentNeedsEmail(ConsentRefused):
    """A double opt-in for a customer with no e-mail address on file: the request is right,
    the record is not ready for it (the API answers 409)."""


CONFIRMATION_SALT = "lealtad.customers.consent-confirmation"
PROOF = choices.ConsentProof


def _proof_of(consent: ConsentIn, ctx: ChangeContext) -> tuple[str, str]:
    """What proves the statement: what it names, else the channel event carrying it."""
    if consent.proof == PROOF.CHANNEL_EVENT and not ctx.event_id:
        raise ConsentRefused("proof", "channel_event proves only a consent sent in an event")
    if consent.proof:
        reference = consent.proof_reference
        if consent.proof == PROOF.CHANNEL_EVENT and not reference:
            reference = ctx.event_id
        return consent.proof, reference
    if ctx.event_id:
        return PROOF.CHANNEL_EVENT, ctx.event_id
    if consent.granted:
        raise ConsentRefused(
            "proof",
            "a granted consent needs its proof: signed_form, recorded_call or double_opt_in",
        )
    return "", ""


@transaction.atomic
def record_consent(
    customer: Customer, consent: ConsentIn, ctx: ChangeContext, at: datetime | None = None
) -> ConsentChange | None:
    """The customer's statement with its proof: current choice plus a history row.

    An unchanged choice adds nothing (``None``). A double opt-in only writes a pending row and
    announces ``consent.confirmation_requested`` with the signed link; the choice changes when
    the customer confirms (:func:`confirm_consent`).
    """
    when = at or timezone.now()
    proof, reference = _proof_of(consent, ctx)
    if proof == PROOF.DOUBLE_OPT_IN:
        return _request_confirmation(customer, consent, reference, ctx, when)
    current = Consent.objects.filter(
        customer=customer, channel=consent.channel, purpose=consent.purpose
    ).first()
    if current and current.granted == consent.granted:
        return None
    before = None if current is None else current.granted
    current, _ = Consent.objects.update_or_create(
        customer=customer,
        channel=consent.channel,
        purpose=consent.purpose,
        defaults={"granted": consent.granted, "updated_at": when},
    )
    change = ConsentChange.objects.create(
        customer=customer,
        channel=consent.channel,
        purpose=consent.purpose,
        granted=consent.granted,
        recorded_at=when,
        recorded_by=ctx.actor.label,
        method=consent.method,
        source_channel=ctx.channel,
        event_id=ctx.event_id,
        proof=proof,
        proof_reference=reference,
        confirmed_at=when,
    )
    key = f"consent:{consent.channel}/{consent.purpose}"
    ctx.audit("consent", "consent", current.pk, {key: [before, consent.granted]}, customer.pk)
    ctx.announce("consent.changed", customer.pk, consent.model_dump())
    return change


def _request_confirmation(
    customer: Customer, consent: ConsentIn, reference: str, ctx: ChangeContext, when: datetime
) -> ConsentChange:
    email = customer.emails.order_by("-is_primary", "id").values_list("address", flat=True).first()
    if email is None:
        raise ConsentNeedsEmail("proof", "double_opt_in needs an email address to send the link to")
    change = ConsentChange.objects.create(
        customer=customer,
        channel=consent.channel,
        purpose=consent.purpose,
        granted=True,
        recorded_at=when,
        recorded_by=ctx.actor.label,
        method=consent.method,
        source_channel=ctx.channel,
        event_id=ctx.event_id,
        proof=PROOF.DOUBLE_OPT_IN,
        proof_reference=reference,
        status=choices.ConsentStatus.PENDING,
    )
    key = f"consent:{consent.channel}/{consent.purpose}"
    ctx.audit(
        "consent_requested", "consent_change", change.pk, {key: [None, "pending"]}, customer.pk
    )
    ctx.announce(
        "consent.confirmation_requested",
        customer.pk,
        {
            "change_id": change.pk,
            "channel": consent.channel,
            "purpose": consent.purpose,
            "email": email,
            "confirmation_path": confirmation_path(change),
        },
    )
    return change


def confirmation_token(change: ConsentChange) -> str:
    """A signed, timestamped token naming the pending change (nothing else is stored)."""
    return signing.dumps(change.pk, salt=CONFIRMATION_SALT)


def confirmation_path(change: ConsentChange) -> str:
    return reverse("consent_confirm", args=[confirmation_token(change)])


def pending_confirmation(token: str) -> ConsentChange:
    """The change a link confirms, or :class:`ConsentRefused` saying why the link is no good."""
    days = getattr(settings, "LEALTAD_CONSENT_CONFIRM_DAYS", 7)
    try:
        change_id = signing.loads(token, salt=CONFIRMATION_SALT, max_age=days * 86400)
    except signing.SignatureExpired as exc:
        raise ConsentRefused("token", "the link has expired; ask for a new one") from exc
    except signing.BadSignature as exc:
        raise ConsentRefused("token", "the link is not valid") from exc
    change = ConsentChange.objects.select_related("customer").filter(pk=change_id).first()
    if change is None or change.proof != PROOF.DOUBLE_OPT_IN:
        raise ConsentRefused("token", "the link is not valid")
    return change


@transaction.atomic
def confirm_consent(token: str, at: datetime | None = None) -> ConsentChange:
    """The customer clicked the link: the pending consent comes into force (once)."""
    found = pending_confirmation(token)
    change = ConsentChange.objects.select_for_update().get(pk=found.pk)
    if change.status == choices.ConsentStatus.IN_FORCE:
        return change
    when = at or timezone.now()
    change.status, change.confirmed_at = choices.ConsentStatus.IN_FORCE, when
    change.save(update_fields=["status", "confirmed_at"])
    current = Consent.objects.filter(
        customer_id=change.customer_id, channel=change.channel, purpose=change.purpose
    ).first()
    Consent.objects.update_or_create(
        customer_id=change.customer_id,
        channel=change.channel,
        purpose=change.purpose,
        defaults={"granted": True, "updated_at": when},
    )
    ctx = ChangeContext(Actor.system("customer (double opt-in)"), channel="email")
    key = f"consent:{change.channel}/{change.purpose}"
    before = None if current is None else current.granted
    ctx.audit(
        "consent_confirmed", "consent_change", change.pk, {key: [before, True]}, change.customer_id
    )
    ctx.announce(
        "consent.changed",
        change.customer_id,
        {"channel": change.channel, "purpose": change.purpose, "granted": True},
    )
    return change


@transaction.atomic
def join_household(
    customer: Customer, name: str, role: str, ctx: ChangeContext, size: int | None = None
) -> HouseholdMember:
    household = Household.objects.filter(members__customer=customer).first()
    if household is None:
        household = Household.objects.create(name=name, declared_size=size)
    elif size and household.declared_size != size:
        household.declared_size = size
        household.save(update_fields=["declared_size"])
    member, created = HouseholdMember.objects.get_or_create(
        household=household, customer=customer, defaults={"role": role}
    )
    if created:
        ctx.audit(
            "join_household", "household", household.pk, {"household": [None, name]}, customer.pk
        )
    return member


def create_customer(profile: CustomerProfile, ref: CustomerRef, ctx: ChangeContext) -> Customer:
    """Create from a form or the API; refuses identifiers another customer already holds."""
    keys = identity.keys_of(ref)
    owners = identity.find_owners(keys)
    if owners:
        taken = ", ".join(f"{k[0]}={k[2]}" for k in owners)
        raise IdentifierTaken(
            f"already on file for customer {next(iter(owners.values()))}: {taken}",
            next(iter(owners.values())),
        )
    with transaction.atomic():
        customer = _new_customer(ref, timezone.now(), ctx.channel, ctx.actor)
        ctx.audit(
            "create",
            "customer",
            customer.pk,
            {"display_name": [None, customer.display_name]},
            customer.pk,
        )
        ctx.announce("customer.created", customer.pk, {})
        for kind, system, value in keys:
            Identifier.objects.create(customer=customer, kind=kind, system=system, value=value)
        if ref.email:
            add_email(customer, ref.email, ctx)
        if ref.phone:
            add_phone(customer, PhoneIn(number=ref.phone), ctx)
        _apply_profile(customer, profile, ref, ctx)
    return customer


def _apply_profile(
    customer: Customer,
    profile: CustomerProfile,
    ref: CustomerRef,
    ctx: ChangeContext,
    at: datetime | None = None,
) -> None:
    """Profile fields, then contact points, addresses and consents: each audited on its own."""
    update_profile(customer, _profile_changes(profile, ref), ctx)
    for phone in profile.phones:
        add_phone(customer, phone, ctx)
    for address in profile.emails:
        add_email(customer, address, ctx)
    for postal in profile.addresses:
        add_address(customer, postal, ctx)
    for consent in profile.consents:
        record_consent(customer, consent, ctx, at=at)


class IdentifierTaken(ValueError):
    def __init__(self, message: str, customer_id: int) -> None:
        super().__init__(message)
        self.customer_id = customer_id


def record_interaction(
    customer: Customer, data: InteractionRecorded, ctx: ChangeContext, at: datetime | None = None
) -> Interaction:
    """A timeline step, its audit entry and ``interaction.recorded``: one INSERT each.

    Every order and return adds one inside its own transaction, in SQLite's one write slot:
    the ORM's ``create`` and a savepoint of its own cost a third of an order's writes. With no
    savepoint a failure here still undoes the caller's whole transaction, as it propagates.
    """
    fields = data.model_dump()
    row = Interaction(
        customer=customer,
        occurred_at=at or timezone.now(),
        channel=ctx.channel or "call_center",
        event_id=ctx.event_id,
        **fields,
    )
    with writer_turn(), transaction.atomic(savepoint=False):
        insert_new([row])
        ctx.audit(
            "record_interaction",
            "interaction",
            row.pk,
            {"subject": [None, row.subject]},
            customer.pk,
        )
        ctx.announce("interaction.recorded", customer.pk, {"interaction_id": row.pk, **fields})
    return row


# Merge ---------------------------------------------------------------------------------------


class MergeRefused(ValueError):
    pass


def merge_customers(survivor: Customer, absorbed: Customer, ctx: ChangeContext, reason: str):
    """Fold ``absorbed`` into ``survivor``: every contact point, identifier and record moves.

    Each profile field of the golden record is chosen by the survivorship rules (see
    :mod:`lealtad.customers.survivorship`). A consent is never widened: where the two
    disagree, the refusal wins. What moved and what the survivor looked like before are kept
    on the :class:`Merge`, so :func:`unmerge` can put both customers back exactly. Other
    contexts re-point their own records when they receive ``customer.merged``.
    """
    from lealtad.customers.models import Merge

    if survivor.pk == absorbed.pk:
        raise MergeRefused("a customer cannot be merged into itself")
    if absorbed.merged_into_id or survivor.merged_into_id:
        raise MergeRefused("one of these customers was already merged")
    with transaction.atomic():
        snapshot = _merge_snapshot(survivor, absorbed)
        moved: dict[str, list[int]] = {}
        for model in (Address, Interaction, ConsentChange, Identifier, DataQualityIssue):
            ids = list(model.objects.filter(customer=absorbed).values_list("pk", flat=True))
            model.objects.filter(pk__in=ids).update(customer=survivor)
            moved[model.__name__] = ids
        members = HouseholdMember.objects.filter(customer=absorbed).exclude(
            household__members__customer=survivor
        )
        moved["HouseholdMember"] = list(members.values_list("pk", flat=True))
        HouseholdMember.objects.filter(pk__in=moved["HouseholdMember"]).update(customer=survivor)
        for contact_model, attr in ((Phone, "e164"), (Email, "address")):
            moved[contact_model.__name__] = _move_contact_points(
                contact_model, attr, absorbed, survivor
            )
        _merge_consents(survivor, absorbed)
        before = _snapshot(survivor, EDITABLE_FIELDS)
        _apply_survivorship(survivor, absorbed)
        _naming(survivor)
        survivor.save()
        absorbed.merged_into = survivor
        absorbed.lifecycle_status = "former"
        absorbed.save(update_fields=["merged_into", "lifecycle_status", "updated_at"])
        reviews = IdentityReview.objects.filter(
            status__in=["open", "deferred"],
            customer_a__in=[survivor, absorbed],
            customer_b__in=[survivor, absorbed],
        )
        snapshot["reviews"] = list(reviews.values_list("pk", flat=True))
        reviews.update(status="merged", decided_at=timezone.now(), decided_by=ctx.actor.label)
        record = Merge.objects.create(
            survivor=survivor,
            absorbed=absorbed,
            performed_by_id=ctx.actor.user_id,
            performed_by_label=ctx.actor.label,
            reason=reason,
            moved=moved,
            snapshot=snapshot,
        )
        changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
        changes["merged_customer"] = [None, absorbed.pk]
        ctx.audit(
            "merge", "customer", survivor.pk, changes | {"reason": [None, reason]}, survivor.pk
        )
        ctx.audit(
            "merged_into",
            "customer",
            absorbed.pk,
            {"merged_into": [None, survivor.pk], "reason": [None, reason]},
            absorbed.pk,
        )
        ctx.announce(
            "customer.merged",
            survivor.pk,
            {
                "merge_id": record.pk,
                "survivor_id": survivor.pk,
                "absorbed_id": absorbed.pk,
                "reason": reason,
            },
        )
    return record


_RESTORED_FIELDS = (*EDITABLE_FIELDS, "first_contact_at", "first_contact_channel")


def _merge_snapshot(survivor: Customer, absorbed: Customer) -> dict[str, Any]:
    def consents(customer: Customer) -> list[dict[str, Any]]:
        return [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "granted": c.granted,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in customer.consents.all()
        ]

    return {
        "survivor": audit.jsonable(_snapshot(survivor, _RESTORED_FIELDS)),
        "absorbed_status": absorbed.lifecycle_status,
        "survivor_consents": consents(survivor),
        "absorbed_consents": consents(absorbed),
        # A phone or email that moves stops being primary; unmerge makes it primary again.
        "primary": {
            "Phone": list(absorbed.phones.filter(is_primary=True).values_list("pk", flat=True)),
            "Email": list(absorbed.emails.filter(is_primary=True).values_list("pk", flat=True)),
        },
    }


def _provenance(customer: Customer) -> dict[str, tuple[str, datetime | None]]:
    """For each profile field, the channel that last set it and when (from the audit trail)."""
    from lealtad.core.models import AuditEntry
    from lealtad.customers.bulk_merge import provenance_of

    entries = AuditEntry.objects.filter(
        customer_id=customer.pk, entity_type="customer", action__in=["update", "merge"]
    ).order_by("occurred_at", "id")
    return provenance_of(customer, entries.values_list("changes", "channel", "occurred_at"))


def _apply_survivorship(survivor: Customer, absorbed: Customer) -> None:
    from lealtad.customers.bulk_merge import fold_profile, survivorship_rules

    mine, theirs = _provenance(survivor), _provenance(absorbed)
    fold_profile(survivor, absorbed, mine, theirs, survivorship_rules())


@transaction.atomic
def unmerge(merge: Any, ctx: ChangeContext, reason: str) -> None:
    """Undo a merge: both customers and their records come back as they were before it.

    Records added to the survivor after the merge stay with it. Refused when either customer
    took part in a later merge that is still in force (undo that one first).
    """
    from lealtad.customers.models import Merge

    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise MergeRefused("this merge was already undone")
    later = Merge.objects.filter(undone_at=None, performed_at__gt=merge.performed_at).filter(
        models.Q(survivor=merge.survivor) | models.Q(absorbed=merge.survivor)
    )
    if later.exists():
        raise MergeRefused("undo the later merges of this customer first")
    survivor, absorbed = merge.survivor, merge.absorbed
    if survivor.erased_at or absorbed.erased_at:
        raise MergeRefused("this person's data was erased: the merge cannot be undone")
    by_name = {
        m.__name__: m
        for m in (
            Address,
            Interaction,
            ConsentChange,
            Identifier,
            HouseholdMember,
            Phone,
            Email,
            DataQualityIssue,
        )
    }
    for name, ids in merge.moved.items():
        by_name[name].objects.filter(pk__in=ids).update(customer=absorbed)
    for name, ids in merge.snapshot.get("primary", {}).items():
        by_name[name].objects.filter(pk__in=ids).update(is_primary=True)
    _restore_consents(survivor, merge.snapshot["survivor_consents"])
    _restore_consents(absorbed, merge.snapshot["absorbed_consents"])
    before = _snapshot(survivor, EDITABLE_FIELDS)
    for name, value in merge.snapshot["survivor"].items():
        field: Any = Customer._meta.get_field(name)
        setattr(survivor, name, field.to_python(value) if value is not None else None)
    _naming(survivor)
    survivor.save()
    absorbed.merged_into = None
    absorbed.lifecycle_status = merge.snapshot.get("absorbed_status", "prospect")
    absorbed.save(update_fields=["merged_into", "lifecycle_status", "updated_at"])
    IdentityReview.objects.filter(pk__in=merge.snapshot.get("reviews", [])).update(
        status="distinct", decided_at=timezone.now(), decided_by=ctx.actor.label
    )
    merge.undone_at = timezone.now()
    merge.undone_by_label = ctx.actor.label
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by_label", "undo_reason"])
    changes = audit.diff(before, _snapshot(survivor, EDITABLE_FIELDS))
    ctx.audit(
        "unmerge",
        "customer",
        survivor.pk,
        changes | {"unmerged_customer": [absorbed.pk, None], "reason": [None, reason]},
        survivor.pk,
    )
    ctx.audit(
        "unmerged",
        "customer",
        absorbed.pk,
        {"merged_into": [survivor.pk, None], "reason": [None, reason]},
        absorbed.pk,
    )
    ctx.announce(
        "customer.unmerged",
        survivor.pk,
        {"merge_id": merge.pk, "survivor_id": survivor.pk, "absorbed_id": absorbed.pk},
    )


def _restore_consents(customer: Customer, rows: list[dict[str, Any]]) -> None:
    Consent.objects.filter(customer=customer).delete()
    Consent.objects.bulk_create(
        Consent(
            customer=customer,
            channel=r["channel"],
            purpose=r["purpose"],
            granted=r["granted"],
            updated_at=datetime.fromisoformat(r["updated_at"]),
        )
        for r in rows
    )


def _move_contact_points(model: Any, attr: str, absorbed: Customer, survivor: Customer) -> list:
    """Move what the survivor lacks; a number both had stays once, on the survivor."""
    have = set(model.objects.filter(customer=survivor).values_list(attr, flat=True))
    rows = list(model.objects.filter(customer=absorbed))
    moving = [r.pk for r in rows if getattr(r, attr) not in have]
    model.objects.filter(pk__in=moving).update(customer=survivor, is_primary=False)
    return moving


def _merge_consents(survivor: Customer, absorbed: Customer) -> None:
    mine = {(c.channel, c.purpose): c for c in survivor.consents.all()}
    for theirs in absorbed.consents.all():
        current = mine.get((theirs.channel, theirs.purpose))
        if current is None:
            theirs.customer = survivor
            theirs.save(update_fields=["customer"])
            continue
        if current.granted and not theirs.granted:
            current.granted = False
            current.updated_at = theirs.updated_at
            current.save(update_fields=["granted", "updated_at"])
        theirs.delete()


@transaction.atomic
def decide_review(review: IdentityReview, decision: str, ctx: ChangeContext) -> IdentityReview:
    """A person's verdict on a pair: merge them, keep them apart, or look again later."""
    if review.status not in ("open", "deferred"):
        raise MergeRefused("this review was already decided")
    if decision == "merged":
        merge_customers(review.customer_a, review.customer_b, ctx, f"review #{review.pk}")
        review.refresh_from_db()
        return review
    if decision not in ("distinct", "deferred"):
        raise MergeRefused(f"unknown decision {decision!r}")
    review.status = decision
    review.decided_at = timezone.now()
    review.decided_by = ctx.actor.label
    review.save(update_fields=["status", "decided_at", "decided_by"])
    ctx.audit(
        "review", "identity_review", review.pk, {"status": ["open", decision]}, review.customer_a_id
    )
    return review
