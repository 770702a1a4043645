"""The customer search page: one page of matches with what tells namesakes apart, the total,
and the one customer a full key names (so Enter can open them).

A clerk searching "Juárez" must see which Juárez is which without opening each: the phone, the
city, the value tier and when they were last in contact. The page shows how many matched
instead of stopping at the first 25 without a word; counting stops at :data:`COUNT_CAP` so a
one-letter search over a million customers stays fast ("more than 10,000").
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

import phonenumbers
from django.db.models import F, Q, TextChoices
from django.utils import timezone

from lealtad.core import normalize, rules
from lealtad.core.rules import Reader
from lealtad.customers import choices
from lealtad.customers.models import Address, ChannelActivity, Customer, Identifier, Phone
from lealtad.customers.selectors import looks_like_a_number, matching, visible_to
from lealtad.customers.selectors.standing import current_tiers

PER_PAGE = 25
COUNT_CAP = 10_000


@dataclass(frozen=True)
class FoundCustomer:
    """One row of the results: the customer and the facts that tell them apart."""

    customer: Customer
    phone: str
    city: str
    tier: str  # in words ("Most valuable"), empty before the first analytics refresh
    last_contact_at: datetime | None
    last_contact_channel: str  # in words
    tier_code: str = ""  # the codes behind the words, for the API
    last_contact_channel_code: str = ""


@dataclass(frozen=True)
class SearchPage:
    """One page of matches. ``total`` is exact unless ``more_than`` (counting stopped)."""

    query: str
    rows: list[FoundCustomer]
    number: int
    pages: int
    total: int
    more_than: bool
    per_page: int = PER_PAGE

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_number(raw: str | None) -> int:
    """The page asked for in the address; anything but a positive number is the first page
    (a link typed by hand, an old bookmark: show results, not an error)."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


def search_page(
    query: str, number: int = 1, reader: Reader | None = None, per_page: int | None = None
) -> SearchPage:
    """Page ``number`` of the customers matching ``query`` (past the last page: the last)."""
    per_page = per_page or PER_PAGE
    found = matching(query, reader)
    counted = found.order_by()[: COUNT_CAP + 1].count()
    more_than = counted > COUNT_CAP
    total = min(counted, COUNT_CAP)
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    start = (number - 1) * per_page
    customers = list(found[start : start + per_page])
    return SearchPage(
        query=query,
        rows=_with_facts(customers, reader),
        number=number,
        pages=pages,
        total=total,
        more_than=more_than,
        per_page=per_page,
    )


def exact_match(query: str, reader: Reader | None = None) -> Customer | None:
    """The one live customer a whole key names — an e-mail, a national id or a phone — or
    ``None`` when none does or several do (a household's shared landline: the clerk picks)."""
    try:
        text = normalize.clean(query).strip()
    except normalize.InvalidValue:
        return None
    keys = _exact_keys(text)
    if keys is None:
        return None
    live = visible_to(Customer.objects.filter(merged_into=None, erased_at=None), reader)
    found = list(live.filter(keys).only("pk", "display_name")[:2])
    return found[0] if len(found) == 1 else None


def _exact_keys(text: str) -> Q | None:
    if "@" in text:
        try:
            email = normalize.email(text)
        except normalize.InvalidValue:
            return None
        held = Identifier.objects.filter(kind="email", system="", value=email)
        return Q(pk__in=held.values("customer_id"))
    keys: list[Q] = []
    try:
        national_id = normalize.national_id(text).value  # a cédula, RUC, DNI, CURP…
    except normalize.InvalidValue:
        pass  # spaces inside, punctuation: a name, or a phone typed with its separators
    else:
        if len(national_id) >= 6:
            keys.append(Q(national_id=national_id))
    digits = "".join(ch for ch in text if ch in "0123456789")
    if looks_like_a_number(text, digits):
        try:
            e164 = normalize.phone(text).e164
        except normalize.InvalidValue:
            pass
        else:
            keys.append(Q(pk__in=Phone.objects.filter(e164=e164).values("customer_id")))
    return reduce(operator.or_, keys) if keys else None


def _with_facts(customers: list[Customer], reader: Reader | None) -> list[FoundCustomer]:
    """The page's customers with their phone, city, tier and last contact (four queries for
    the whole page, none per row)."""
    ids = [c.pk for c in customers]
    phones = _first_phone(ids)
    cities = _current_city(ids)
    tiers = current_tiers(ids)
    contacts = _last_contact(ids, reader)
    return [
        FoundCustomer(
            customer=c,
            phone=phones.get(c.pk, ""),
            city=cities.get(c.pk, ""),
            tier=_label(choices.ValueTier, tiers.get(c.pk, "")),
            last_contact_at=contacts.get(c.pk, (None, ""))[0],
            last_contact_channel=_label(choices.Channel, contacts.get(c.pk, (None, ""))[1]),
            tier_code=tiers.get(c.pk, ""),
            last_contact_channel_code=contacts.get(c.pk, (None, ""))[1],
        )
        for c in customers
    ]


def _first_phone(ids: list[int]) -> dict[int, str]:
    rows = Phone.objects.filter(customer_id__in=ids).order_by("customer_id", "-is_primary", "id")
    found: dict[int, str] = {}
    for customer_id, e164 in rows.values_list("customer_id", "e164"):
        found.setdefault(customer_id, _shown_phone(e164))
    return found


def _shown_phone(e164: str) -> str:
    """As people read it (+593 99 375 7370), or as stored if it does not parse."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _current_city(ids: list[int]) -> dict[int, str]:
    """The city of each customer's most recent address still in force."""
    rows = (
        Address.objects.filter(customer_id__in=ids)
        .exclude(city="")
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .order_by("customer_id", F("valid_from").desc(nulls_last=True), "-id")
    )
    found: dict[int, str] = {}
    for customer_id, city in rows.values_list("customer_id", "city"):
        found.setdefault(customer_id, city)
    return found


def _last_contact(ids: list[int], reader: Reader | None) -> dict[int, tuple[datetime, str]]:
    """When and on which channel each customer was last in contact (the hub's read model)."""
    if reader is not None and reader.shows("channel_summary") is rules.Show.HIDDEN:
        return {}
    rows = ChannelActivity.objects.filter(customer_id__in=ids, last_contact_at__isnull=False)
    if reader is not None and reader.channel_bound:
        rows = rows.filter(channel__in=list(reader.channels))
    found: dict[int, tuple[datetime, str]] = {}
    fields = ("customer_id", "last_contact_at", "channel")
    ordered = rows.order_by("customer_id", "-last_contact_at")
    for customer_id, at, channel in ordered.values_list(*fields):
        found.setdefault(customer_id, (at, channel))
    return found


def _label(choice: type[TextChoices], code: str) -> str:
    """A code in words in the reader's language; an unknown code as it is."""
    if not code:
        return ""
    try:
        return str(choice(code).label)
    except ValueError:
        return code
