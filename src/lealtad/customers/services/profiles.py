"""Profiles applied set-based: the one way a customer's profile, contact points and consents
are written, for a batch of a thousand ingested events and for one form alike.

What the profiles touch is read with one query per table for the whole batch (the customers'
phones, e-mails, addresses and consents, and who owns each key they bring); every new row is
built in memory with its id reserved, so the audit entry naming it is built in the same pass;
the :class:`~lealtad.core.write_batch.WriteBatch` writes each table with one INSERT per
hundred rows. Changed customers already on file are written with one UPDATE per field set.

Two things wait until the batch is written, because they need the rows in the database: a
household to join, and a double opt-in (it reads the e-mail address the link goes to).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from lealtad.core import audit
from lealtad.core.db import new_row, reserve_ids
from lealtad.core.envelope import CustomerRef
from lealtad.core.normalize import fold
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import choices, identity, quality_rows
from lealtad.customers.models import (
    Address,
    Consent,
    Customer,
    Email,
    Identifier,
    Phone,
)
from lealtad.customers.schemas import AddressIn, ConsentIn, CustomerProfile, PhoneIn
from lealtad.customers.services.common import (
    EDITABLE_FIELDS,
    ChangeContext,
    _naming,
    _profile_changes,
    _set_national_id,
    _snapshot,
    _storable,
)
from lealtad.customers.services.consents import PROOF, _proof_of, history_row

Later = Callable[[], object]


@dataclass
class ProfileChange:
    """One customer's profile as an event or a form states it."""

    customer: Customer
    profile: CustomerProfile
    ref: CustomerRef
    ctx: ChangeContext
    at: datetime | None = None
    created: bool = False  # built in this batch, not yet written


@dataclass
class ContactBook:
    """What a batch's customers hold already (on file or added earlier in the batch)."""

    phones: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    emails: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    addresses: dict[int, set[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    consents: dict[tuple[int, str, str], Consent] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)

    def load(self, customer_ids: Iterable[int]) -> None:
        """Read what customers on file hold (each once; new customers hold nothing yet)."""
        ids = sorted(set(customer_ids) - self.loaded)
        if not ids:
            return
        self.loaded.update(ids)
        for cid, e164 in Phone.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "e164"
        ):
            self.phones[cid].add(e164)
        for cid, address in Email.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "address"
        ):
            self.emails[cid].add(address)
        for cid, kind, line1, city in Address.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "kind", "line1", "city"
        ):
            self.addresses[cid].add((kind, fold(line1), fold(city)))
        for consent in Consent.objects.filter(customer_id__in=ids):
            self.consents[(consent.customer_id, consent.channel, consent.purpose)] = consent


class ProfileWriter:
    """Builds the rows of many profile changes into one :class:`WriteBatch`.

    ``owners`` maps every identifying key known to the batch to its customer; it is shared
    with identity resolution, so a key a profile adds names its customer for the events after.
    """

    def __init__(self, batch: WriteBatch, owners: dict[identity.Key, int]) -> None:
        self.batch = batch
        self.owners = owners
        self.book = ContactBook()
        self.dirty: dict[int, Customer] = {}
        self.later: list[Later] = []

    def prepare(
        self, changes: Sequence[ProfileChange], on_file: Iterable[int] = (), extra: int = 0
    ) -> None:
        """Read in one pass what ``changes`` will be compared with: what the customers
        ``on_file`` hold and who owns the keys the profiles bring. ``extra``: phones and
        e-mails the caller adds besides the profiles' (an event's own keys)."""
        self.book.load(on_file)
        self.learn_owners(key for c in changes for key in _profile_keys(c))
        self.reserve(
            phones=extra + sum(len(c.profile.phones) for c in changes),
            emails=extra + sum(len(c.profile.emails) for c in changes),
            addresses=sum(len(c.profile.addresses) for c in changes),
            consents=sum(len(c.profile.consents) for c in changes),
        )

    def learn_owners(self, keys: Iterable[identity.Key]) -> None:
        """Who holds each of ``keys`` on file, for those the batch does not know yet."""
        unknown = {k for k in keys if k not in self.owners}
        self.owners.update(identity.find_owners(unknown))

    def reserve(self, phones: int = 0, emails: int = 0, addresses: int = 0, consents: int = 0):
        """Ids for at most this many new rows of each kind."""
        self.phone_ids = iter(reserve_ids(Phone, phones))
        self.email_ids = iter(reserve_ids(Email, emails))
        self.address_ids = iter(reserve_ids(Address, addresses))
        self.consent_ids = iter(reserve_ids(Consent, consents))

    def apply(self, change: ProfileChange) -> None:
        """Profile fields, then contact points, addresses and consents: each audited."""
        customer, ctx = change.customer, change.ctx
        self.update_fields(change)
        for phone in change.profile.phones:
            self.add_phone(customer.pk, phone, ctx)
        for address in change.profile.emails:
            self.add_email(customer.pk, address, ctx)
        for postal in change.profile.addresses:
            self.add_address(customer.pk, postal, ctx)
        for consent in change.profile.consents:
            self.record_consent(customer, consent, ctx, change.at)

    def finish(self) -> list[Later]:
        """Write changed customers already on file; hand back what waits for the flush."""
        if self.dirty:
            fields = [*EDITABLE_FIELDS, "national_id_valid", "display_name", "search_name"]
            now = timezone.now()
            for customer in self.dirty.values():
                customer.updated_at = now
            Customer.objects.bulk_update(list(self.dirty.values()), [*fields, "updated_at"])
        later, self.later, self.dirty = self.later, [], {}
        return later

    def write(self) -> None:
        """Write the batch, then what waited for it (households, double opt-ins), then the
        rows those added."""
        later = self.finish()
        self.batch.flush()
        for step in later:
            step()
        self.batch.flush()

    def update_fields(self, change: ProfileChange) -> bool:
        customer, ctx = change.customer, change.ctx
        changes = _profile_changes(change.profile, change.ref)
        wanted = {k: _storable(k, v) for k, v in changes.items() if k in EDITABLE_FIELDS}
        before = _snapshot(customer, EDITABLE_FIELDS)
        for name, value in wanted.items():
            setattr(customer, name, value)
        if "national_id" in wanted:
            if wanted["national_id"]:
                _set_national_id(customer, wanted["national_id"], customer.national_id_type)
            else:
                customer.national_id_type, customer.national_id_valid = "", None
        changed = audit.diff(before, _snapshot(customer, EDITABLE_FIELDS))
        if not changed:
            return False
        _naming(customer)
        if not change.created:
            self.dirty[customer.pk] = customer
        ctx.audit("update", "customer", customer.pk, changed, customer.pk)
        ctx.announce("customer.updated", customer.pk, {"changes": changed})
        if "national_id" in changed and customer.national_id:
            self.claim(customer.pk, ("national_id", "", customer.national_id))
        return True

    def claim(self, customer_id: int, key: identity.Key) -> bool:
        """Give ``key`` to the customer unless someone holds it already."""
        if key in self.owners:
            return False
        self.owners[key] = customer_id
        kind, system, value = key
        self.batch.add(
            new_row(Identifier, customer_id=customer_id, kind=kind, system=system, value=value)
        )
        return True

    def add_phone(
        self, customer_id: int, phone: PhoneIn, ctx: ChangeContext, audited: bool = True
    ) -> Phone | None:
        held = self.book.phones[customer_id]
        if phone.e164 in held:
            return None
        row = new_row(
            Phone,
            id=next(self.phone_ids, None),
            customer_id=customer_id,
            e164=phone.e164,
            raw=phone.number,
            kind=phone.kind,
            is_mobile=phone.is_mobile,
            validity=phone.validity,
            is_primary=not held,
            source=ctx.channel,
        )
        held.add(phone.e164)
        self.batch.add(row)
        if phone.validity != choices.PhoneValidity.VALID:
            self.batch.add(
                quality_rows.flagged_phone_row(customer_id, row.e164, ctx.channel, ctx.event_id)
            )
        if phone.is_mobile:
            self.claim(customer_id, ("phone", "", phone.e164))
        if audited:
            ctx.audit("add_phone", "phone", row.pk, {"phone": [None, row.e164]}, customer_id)
        return row

    def add_email(
        self, customer_id: int, address: str, ctx: ChangeContext, audited: bool = True
    ) -> Email | None:
        held = self.book.emails[customer_id]
        if address in held:
            return None
        row = new_row(
            Email,
            id=next(self.email_ids, None),
            customer_id=customer_id,
            address=address,
            is_primary=not held,
            source=ctx.channel,
        )
        held.add(address)
        self.batch.add(row)
        self.claim(customer_id, ("email", "", address))
        if audited:
            ctx.audit("add_email", "email", row.pk, {"email": [None, address]}, customer_id)
        return row

    def add_address(self, customer_id: int, data: AddressIn, ctx: ChangeContext) -> Address | None:
        same = (data.kind, fold(data.line1), fold(data.city))
        if same in self.book.addresses[customer_id]:
            return None
        self.book.addresses[customer_id].add(same)
        fields = data.model_dump()
        row = new_row(
            Address,
            id=next(self.address_ids, None),
            customer_id=customer_id,
            source=ctx.channel,
            **fields,
        )
        self.batch.add(row)
        ctx.audit("add_address", "address", row.pk, audit.diff({}, fields), customer_id)
        return row

    def record_consent(
        self, customer: Customer, consent: ConsentIn, ctx: ChangeContext, at: datetime | None
    ) -> None:
        """The customer's statement with its proof (see :mod:`.consents`)."""
        when = at or timezone.now()
        proof, reference = _proof_of(consent, ctx)
        if proof == PROOF.DOUBLE_OPT_IN:
            from lealtad.customers.services.consents import record_consent

            self.later.append(lambda: record_consent(customer, consent, ctx, at=at))
            return
        slot = (customer.pk, consent.channel, consent.purpose)
        current = self.book.consents.get(slot)
        if current is not None and current.granted == consent.granted:
            return
        before = None if current is None else current.granted
        if current is None:
            current = new_row(
                Consent,
                id=next(self.consent_ids, None),
                customer_id=customer.pk,
                channel=consent.channel,
                purpose=consent.purpose,
                granted=consent.granted,
                updated_at=when,
            )
            self.batch.add(current)
            self.book.consents[slot] = current
        else:
            current.granted, current.updated_at = consent.granted, when
            if not current._state.adding:  # on file; one added earlier in the batch is not yet
                current.save(update_fields=["granted", "updated_at"])
        self.batch.add(history_row(customer.pk, consent, ctx, when, proof, reference))
        key = f"consent:{consent.channel}/{consent.purpose}"
        ctx.audit("consent", "consent", current.pk, {key: [before, consent.granted]}, customer.pk)
        ctx.announce("consent.changed", customer.pk, consent.model_dump())


def _profile_keys(change: ProfileChange) -> list[identity.Key]:
    profile = change.profile
    keys: list[identity.Key] = [("phone", "", p.e164) for p in profile.phones if p.is_mobile]
    keys += [("email", "", address) for address in profile.emails]
    if change.ref.national_id:
        keys.append(("national_id", "", change.ref.national_id))
    return keys
