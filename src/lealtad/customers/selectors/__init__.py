"""Read queries of the customers context: lookup (screen pop), search and the customer 360."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Value, When

from lealtad.core import normalize, rules, sections
from lealtad.core.errors import DomainError
from lealtad.core.models import AuditEntry
from lealtad.core.roles import Capability
from lealtad.core.rules import Reader
from lealtad.customers.models import (
    ChannelActivity,
    Customer,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)


class LookupError_(DomainError):
    """A lookup value that cannot be normalized (bad phone, bad email…)."""

    code = "lookup_key_invalid"


def lookup(
    *,
    phone: str | None = None,
    email: str | None = None,
    card: str | None = None,
    national_id: str | None = None,
    external_id: str | None = None,
    system: str | None = None,
    region: str = "EC",
) -> list[Customer]:
    """The screen pop: who is calling? A shared landline may answer with several people.

    A well-formed value nobody holds answers no one (a possible phone in a range not listed as
    assigned is well-formed); only a value that cannot be one raises, naming the parameter.
    """
    given = [n for n, v in (("phone", phone), ("email", email), ("card", card)) if v]
    given += [n for n, v in (("national_id", national_id), ("external_id", external_id)) if v]
    try:
        if phone:
            return _live(Phone, "e164 = %s", [normalize.phone(phone, region).e164])
        if email:
            return _by_identifier("email", "", normalize.email(email))
        if card:
            return _by_identifier("card", "", normalize.card(card))
        if national_id:
            return _by_identifier("national_id", "", normalize.national_id(national_id).value)
        if external_id:
            value = normalize.external_id(external_id)
            if system:
                return _by_identifier("external", system, value)
            return _live(Identifier, "kind = %s AND value = %s", ["external", value])
    except normalize.InvalidValue as exc:
        raise LookupError_(str(exc), field=given[0]) from exc
    return []  # no key given: no one to pop (a well-formed query, so not an error)


def _by_identifier(kind: str, system: str, value: str) -> list[Customer]:
    return _live(Identifier, "kind = %s AND system = %s AND value = %s", [kind, system, value])


_SUMMARY = ("id", "display_name", "kind", "lifecycle_status", "national_id", "merged_into_id")


def _live(holder: type[models.Model], where: str, params: list[Any]) -> list[Customer]:
    """The customers whose ``holder`` rows (phones, identifiers) match ``where``, each
    replaced by its survivor if merged, in id order, in one statement.

    This is the screen pop's hot path: the statement is written once per holder and
    condition, and only the summary columns are read (the ORM compiled the same query afresh
    for every request, most of a lookup's time).
    """
    with connection.cursor() as cursor:
        cursor.execute(_live_sql(connection.vendor, holder, where), params)
        rows = cursor.fetchall()
    width = len(_SUMMARY)
    found: dict[int, Customer] = {}
    for row in rows:
        live = row[width:] if row[width] is not None else row[:width]
        if live[0] not in found:
            found[live[0]] = Customer.from_db(connection.alias, _SUMMARY, list(live))
    return list(found.values())


@functools.cache
def _live_sql(vendor: str, holder: type[models.Model], where: str) -> str:
    """``vendor`` keys the cache: the quoting is the backend's."""
    quote = connection.ops.quote_name
    customers, holders = quote(Customer._meta.db_table), quote(holder._meta.db_table)
    columns = [quote(name) for name in _SUMMARY]  # attnames; none sets its own db_column
    read = ", ".join([*(f"c.{c}" for c in columns), *(f"s.{c}" for c in columns)])
    return (
        f"SELECT {read} FROM {customers} c LEFT JOIN {customers} s ON s.id = c.merged_into_id "
        f"WHERE c.id IN (SELECT customer_id FROM {holders} WHERE {where}) ORDER BY c.id"
    )


def visible_to(customers: QuerySet[Customer], reader: Reader | None) -> QuerySet[Customer]:
    """The customers a reader reaches (the record rules of :mod:`lealtad.core.rules`).

    A channel-bound token reaches the customers its channels have dealt with: an audited
    change made through one of them (created, updated, a consent, an order …) or a contact
    on one of them. Everyone else reaches every customer their role lets them read.
    """
    if reader is None or not reader.channel_bound:
        return customers
    channels = list(reader.channels)
    audited = AuditEntry.objects.filter(customer_id=OuterRef("pk"), channel__in=channels)
    contacted = Interaction.objects.filter(customer_id=OuterRef("pk"), channel__in=channels)
    return customers.filter(Exists(audited) | Exists(contacted))


def readable(customer_id: int, reader: Reader | None) -> Customer | None:
    """The customer with that id if the reader reaches it (else ``None``: answer 404)."""
    found = visible_to(Customer.objects.filter(pk=customer_id), reader)
    return found.select_related("merged_into").first()


def reaches(customer_id: int, reader: Reader | None) -> bool:
    """Whether the reader may read the customer with that id, there or not. A reader not
    bound to channels reaches every id without a query: a caller that reads the record itself
    anyway (the offers request) answers 404 for a missing one then, one read fewer."""
    if reader is None or not reader.channel_bound:
        return True
    return visible_to(Customer.objects.filter(pk=customer_id), reader).exists()


def only_visible(customers: list[Customer], reader: Reader | None) -> list[Customer]:
    if reader is None or not reader.channel_bound or not customers:
        return customers
    ids = {c.pk for c in customers}
    kept = set(visible_to(Customer.objects.filter(pk__in=ids), reader).values_list("pk", flat=True))
    return [c for c in customers if c.pk in kept]


def reaches_all(customers: list[Customer], reader: Reader | None) -> bool:
    return len(only_visible(customers, reader)) == len(customers)


def search(query: str, limit: int = 25, reader: Reader | None = None) -> QuerySet[Customer]:
    """The first ``limit`` customers :func:`matching` the query."""
    return matching(query, reader)[:limit]


def matching(query: str, reader: Reader | None = None) -> QuerySet[Customer]:
    """Name fragment (accent- and case-insensitive), phone, email or national id, in a fixed
    order (so pages of the result do not overlap), nothing sliced: the caller pages.

    Ten digits may be a mobile or a cédula (Guayas cédulas start with 09 too): both are tried.
    """
    live = visible_to(Customer.objects.filter(merged_into=None, erased_at=None), reader)
    try:
        text = normalize.clean(query).strip()
    except normalize.InvalidValue:  # a control character: nobody is named so
        return live.none()
    if not text:
        return live.order_by("-updated_at", "-pk")
    digits = "".join(ch for ch in text if ch in "0123456789")
    if "@" in text:
        ids = Identifier.objects.filter(kind="email", value__startswith=text.lower())
        return live.filter(pk__in=ids.values("customer_id")).order_by("pk")
    if looks_like_a_number(text, digits):
        by_id = models.Q(national_id__startswith=digits)
        try:
            e164 = normalize.phone(text).e164
        except normalize.InvalidValue:
            return live.filter(by_id).order_by("pk")
        by_phone = Phone.objects.filter(e164=e164).values("customer_id")
        return live.filter(models.Q(pk__in=by_phone) | by_id).order_by("pk")
    return live.filter(search_name__contains=normalize.fold(text)).order_by("search_name", "pk")


def looks_like_a_number(text: str, digits: str) -> bool:
    """Six digits or more and little else: a phone or an id, typed with the separators people
    use ("(02) 2636-145", "099.123.4567", "+593 …"), not a name."""
    bare = "".join(ch for ch in text if ch not in " ()+-./")
    return len(digits) >= 6 and len(digits) >= len(bare) - 2


def get_customer(customer_id: int) -> Customer | None:
    return Customer.objects.filter(pk=customer_id).select_related("merged_into").first()


@dataclass(frozen=True)
class Section:
    name: str
    capability: Capability


SECTIONS = (
    Section("interactions", Capability.VIEW_HISTORY),
    Section("consents", Capability.VIEW_CONSENTS),
    Section("audit", Capability.VIEW_AUDIT),
)


def timeline(
    customer: Customer, limit: int = 50, channel: str | None = None, reader: Reader | None = None
) -> QuerySet[Interaction]:
    rows = Interaction.objects.filter(customer=customer)
    if channel:
        rows = rows.filter(channel=channel)
    if reader is not None and reader.channel_bound:
        rows = rows.filter(channel__in=list(reader.channels))
    return rows.order_by("-occurred_at", "-id")[:limit]


def audit_trail(
    customer: Customer, limit: int = 50, reader: Reader | None = None
) -> QuerySet[AuditEntry]:
    rows = AuditEntry.objects.filter(customer_id=customer.pk)
    if reader is not None and reader.channel_bound:
        rows = rows.filter(channel__in=list(reader.channels))
    return rows.order_by("-occurred_at", "-id")[:limit]


def _identifiers(customer: Customer, reader: Reader | None) -> list[Identifier]:
    """The customer's keys, each with ``shown_value``: a card number as the rules show it."""
    card = rules.Show.LAST4 if reader is None else reader.shows("card_number")
    rows = list(customer.identifiers.all())
    for row in rows:
        shown = rules.mask(row.value, card) if row.kind == "card" else row.value
        row.shown_value = shown  # type: ignore[attr-defined]  # a read model's attribute
    return rows


def _channel_summary(customer: Customer, reader: Reader | None) -> list[ChannelActivity] | None:
    if reader is not None and reader.shows("channel_summary") is rules.Show.HIDDEN:
        return None
    rows = ChannelActivity.objects.filter(customer=customer).order_by("-contacts")
    if reader is not None and reader.channel_bound:
        rows = rows.filter(channel__in=list(reader.channels))
    return list(rows)


def _sections(customer: Customer, allowed: frozenset[Capability], reader: Reader | None):
    found = sections.collect(customer.pk, allowed)
    if reader is None:
        return found
    return {name: rules.keep_rows(name, rows, reader) for name, rows in found.items()}


def customer_360(
    customer: Customer, allowed: frozenset[Capability], reader: Reader | None = None
) -> dict[str, Any]:
    """Everything an agent needs on one screen; sections the reader may not see are left out.

    ``allowed`` (capabilities) decides whole sections; ``reader`` applies the field and record
    rules (:mod:`lealtad.core.rules`): masked card numbers, the channel summary, and for a
    channel-bound token only its channel's rows. Orders, cases, products and offers are filled
    by the contexts that own them as they come; until then they are empty lists.
    """
    view: dict[str, Any] = {
        "customer": customer,
        "phones": list(customer.phones.all()),
        "emails": list(customer.emails.all()),
        "addresses": list(customer.addresses.all()),
        "identifiers": _identifiers(customer, reader),
        "households": [
            {
                "id": m.household_id,
                "name": m.household.name,
                "role": m.role,
                "size": m.household.declared_size or m.member_count,
            }
            for m in customer.households.select_related("household").annotate(
                member_count=Count("household__members")
            )
        ],
        **_sections(customer, allowed, reader),
        "hidden": [],
    }
    summary = _channel_summary(customer, reader)
    if summary is not None:
        view["channels"] = summary
    if Capability.VIEW_HISTORY in allowed:
        view["interactions"] = list(timeline(customer, reader=reader))
    if Capability.VIEW_CONSENTS in allowed:
        view["consents"] = list(customer.consents.all())
        view["consent_history"] = list(customer.consent_log.all()[:50])
    if Capability.VIEW_AUDIT in allowed:
        view["audit"] = list(audit_trail(customer, reader=reader))
    view["hidden"] = [s.name for s in SECTIONS if s.capability not in allowed]
    if summary is None:
        view["hidden"].append("channels")
    return view


def open_reviews(limit: int = 100) -> QuerySet[IdentityReview]:
    return (
        IdentityReview.objects.filter(status__in=["open", "deferred"])
        .select_related("customer_a", "customer_b")
        .annotate(
            deferred=Case(
                When(status="deferred", then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("deferred", "-created_at")[:limit]
    )


def merges_of(customer: Customer) -> QuerySet[Merge]:
    return Merge.objects.filter(models.Q(survivor=customer) | models.Q(absorbed=customer)).order_by(
        "-performed_at"
    )
