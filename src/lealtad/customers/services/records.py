"""Single-record use cases (API, pages, import): profile, contact points, households,
new customers and contacts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.db import insert_new, reserve_ids, writer_turn
from lealtad.core.envelope import CustomerRef
from lealtad.core.errors import DomainError
from lealtad.core.normalize import fold
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import identity
from lealtad.customers.models import (
    Address,
    Customer,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    Interaction,
    Phone,
)
from lealtad.customers.schemas import (
    AddressIn,
    CustomerProfile,
    InteractionRecorded,
    PhoneIn,
)
from lealtad.customers.services.common import (
    EDITABLE_FIELDS,
    ChangeContext,
    _naming,
    _set_national_id,
    _snapshot,
    _storable,
    build_customer,
)
from lealtad.customers.services.profiles import ProfileChange, ProfileWriter


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


def _writer_for(
    customer: Customer, ctx: ChangeContext, keys: list[identity.Key], **rows: int
) -> tuple[ProfileWriter, ChangeContext]:
    """A batch of one for a single contact point, through the path ingestion takes."""
    ctx = replace(ctx, batch=ctx.batch or WriteBatch())
    assert ctx.batch is not None
    writer = ProfileWriter(ctx.batch, {})
    writer.book.load([customer.pk])
    writer.learn_owners(keys)
    writer.reserve(**rows)
    return writer, ctx


@transaction.atomic
def add_phone(customer: Customer, phone: PhoneIn, ctx: ChangeContext) -> Phone:
    """The phone, added (audited; a mobile becomes a key unless another customer holds it),
    or the customer's row for it when it is on file already."""
    keys = [("phone", "", phone.e164)] if phone.is_mobile else []
    writer, ctx = _writer_for(customer, ctx, keys, phones=1)
    row = writer.add_phone(customer.pk, phone, ctx)
    writer.write()
    return row or Phone.objects.get(customer=customer, e164=phone.e164)


@transaction.atomic
def add_email(customer: Customer, address: str, ctx: ChangeContext) -> Email:
    """The address, added (audited, a key unless another customer holds it), or the
    customer's row for it."""
    writer, ctx = _writer_for(customer, ctx, [("email", "", address)], emails=1)
    row = writer.add_email(customer.pk, address, ctx)
    writer.write()
    return row or Email.objects.get(customer=customer, address=address)


class AddressPeriodReversed(DomainError):
    """An address whose ``valid_to`` is before its ``valid_from``: a rule between two fields
    that JSON Schema cannot state, so a conflict (409) rather than a schema failure."""

    code = "address_period_reversed"
    kind = "conflict"


@transaction.atomic
def add_address(customer: Customer, data: AddressIn, ctx: ChangeContext) -> Address:
    """The address, added (audited), or the customer's address of that kind on the same
    street and city (compared without accents or case)."""
    if data.period_reversed():
        raise AddressPeriodReversed(
            _("valid_to %(valid_to)s is before valid_from %(valid_from)s"),
            valid_to=data.valid_to,
            valid_from=data.valid_from,
        )
    writer, ctx = _writer_for(customer, ctx, [], addresses=1)
    row = writer.add_address(customer.pk, data, ctx)
    writer.write()
    if row is not None:
        return row
    same = customer.addresses.filter(kind=data.kind)
    return next(
        a for a in same if fold(a.line1) == fold(data.line1) and fold(a.city) == fold(data.city)
    )


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


def customer_for(ref: CustomerRef, ctx: ChangeContext) -> int:
    """Who an event from another context is about: the owner of the reference's most
    trusted key, or a new customer holding its keys (an order or a usage reading from a
    person Lealtad has not met is how it meets them)."""
    keys = identity.keys_of(ref)
    found = identity.resolve(keys, identity.find_owners(keys)).customer_id
    if found is not None:
        return found
    return create_customer(CustomerProfile(), ref, ctx).pk


def create_customer(profile: CustomerProfile, ref: CustomerRef, ctx: ChangeContext) -> Customer:
    """Create from a form or the API; refuses identifiers another customer already holds.

    A batch of one through the path ingestion takes (:mod:`.profiles`)."""
    keys = identity.keys_of(ref)
    owners = identity.find_owners(keys)
    if owners:
        taken = ", ".join(f"{k[0]}={k[2]}" for k in owners)
        raise IdentifierTaken(
            _("these identifiers already belong to customer #%(customer_id)s: %(taken)s"),
            next(iter(owners.values())),
            taken=taken,
        )
    with transaction.atomic():
        ctx = replace(ctx, batch=ctx.batch or WriteBatch())
        assert ctx.batch is not None
        writer = ProfileWriter(ctx.batch, {})
        pk = reserve_ids(Customer, 1)[0]
        customer = build_customer(pk, ref, timezone.now(), ctx.channel, ctx.actor)
        change = ProfileChange(customer, profile, ref, ctx, created=True)
        writer.prepare([change], extra=1)
        ctx.batch.add(customer)
        ctx.audit("create", "customer", pk, {"display_name": [None, customer.display_name]}, pk)
        ctx.announce("customer.created", pk, {})
        for key in keys:
            writer.claim(pk, key)
        if ref.email:
            writer.add_email(pk, ref.email, ctx)
        if ref.phone:
            writer.add_phone(pk, PhoneIn(number=ref.phone), ctx)
        writer.apply(change)
        writer.write()
    return customer


class IdentifierTaken(DomainError):
    """A new customer's keys (e-mail, phone, national id…) already name another customer."""

    code = "identifier_taken"
    kind = "conflict"

    def __init__(self, message: str | Promise, customer_id: int, **params: Any) -> None:
        super().__init__(message, customer_id=customer_id, **params)
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
