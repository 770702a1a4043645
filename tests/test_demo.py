"""The demo loader: deterministic, valid identifiers and phones, consistent related rows."""

from __future__ import annotations

from datetime import date

import phonenumbers
import pytest
from django.contrib.auth.models import User
from django.db.models import Count, Sum

from lealtad.core.models import AuditEntry
from lealtad.core.normalize import cedula_ec_valid, curp_valid, email, fold
from lealtad.customers import selectors
from lealtad.customers.demo import generator, loading, names, users
from lealtad.customers.models import (
    ChannelActivity,
    Customer,
    Email,
    Identifier,
    Interaction,
    Phone,
)

TODAY = date(2025, 6, 1)
CREATED = "2025-06-01 12:00:00"


def _chunk(seed: int, count: int = 300, index: int = 0):
    return generator.generate_chunk(seed, index, count, 0, 0, 4, TODAY, CREATED)


def test_same_seed_same_data_other_seed_other_names():
    first, again, other = _chunk(7), _chunk(7), _chunk(8)
    assert first == again
    names = [row[6] for row in first["Customer"]]
    assert names != [row[6] for row in other["Customer"]]
    assert len(set(names)) > 250  # realistic variety, not one name repeated


def test_generated_people_look_local():
    rows = generator.generate_chunk(3, 0, 3000, 0, 0, 1, TODAY, CREATED)
    customers = rows["Customer"]
    given = [c[2] for c in customers]
    surnames = {c[3] for c in customers} | {c[4] for c in customers}
    assert sum(" " in g for g in given) > 600  # two given names are common
    assert surnames & set(names.INDIGENOUS)
    assert any(s.startswith(("de la ", "del ", "de los ")) for s in surnames)
    assert any(ch in "áéíóúñ" for c in customers for ch in c[6])
    assert all(c[7] == fold(c[6]) for c in customers)  # search_name as services write it
    types = {c[9] for c in customers}
    assert {"cedula_ec", "dni_pe", "curp_mx"} <= types
    assert any(c[9] == "cedula_ec" and c[10] is False for c in customers)  # typos kept, flagged
    assert any(a[9] is not None for a in rows["Address"])  # some addresses ended
    assert any(" y " in a[2] and "-" in a[2] for a in rows["Address"] if a[4] == "Quito")


def test_identifiers_and_contact_points_are_valid_and_unique():
    rows = generator.generate_chunk(5, 0, 2000, 0, 0, 1, TODAY, CREATED)
    for c in rows["Customer"]:
        if c[9] == "cedula_ec" and c[10]:
            assert cedula_ec_valid(c[8]), c[8]
        if c[9] == "cedula_ec" and c[10] is False:
            assert not cedula_ec_valid(c[8]), c[8]
        if c[9] == "curp_mx":
            assert curp_valid(c[8]), c[8]
    for phone in rows["Phone"]:
        parsed = phonenumbers.parse(phone[1])
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone[1]
    mobiles = [p[1] for p in rows["Phone"] if p[3] == "mobile"]
    assert len(mobiles) == len(set(mobiles)) == 2000
    addresses = [e[1] for e in rows["Email"]]
    assert len(addresses) == len(set(addresses))
    assert all(email(a) == a for a in addresses)
    keys = [(i[1], i[2], i[3]) for i in rows["Identifier"]]
    assert len(keys) == len(set(keys))


@pytest.mark.django_db(transaction=True)
def test_load_writes_a_consistent_base():
    report = loading.load(customers=300, seed=11, interactions_per_customer=3, progress=None)
    interactions = Interaction.objects.count()
    assert "300 customers" in report and f"{interactions:,} interactions" in report
    assert Customer.objects.count() == 300
    # three contacts each on average: a one-time buyer fewer, the MVCs and those who cost
    # more than they bring many more
    assert 300 * 3 * 0.8 < interactions < 300 * 3 * 1.25
    assert not Customer.objects.annotate(n=Count("identifiers")).filter(n=0).exists()
    assert Identifier.objects.filter(kind="phone").count() == 300
    assert Phone.objects.filter(kind="mobile", is_mobile=True).count() == 300
    assert Email.objects.count() == Identifier.objects.filter(kind="email").count()
    assert ChannelActivity.objects.aggregate(n=Sum("contacts"))["n"] == interactions
    for customer in Customer.objects.all()[:40]:
        if customer.national_id_type == "cedula_ec" and customer.national_id_valid:
            assert cedula_ec_valid(customer.national_id)
        mobile = customer.phones.get(kind="mobile")
        if mobile.e164.startswith("+593"):
            assert customer in selectors.lookup(phone=mobile.raw)  # as the person typed it
        assert customer in selectors.lookup(phone=mobile.e164)
        latest = customer.interactions.order_by("-occurred_at").first()
        activity = customer.activity.get(channel=latest.channel)
        assert activity.last_contact_at == latest.occurred_at
    landline = Phone.objects.filter(kind="home").values("e164").annotate(n=Count("id"))
    assert landline.filter(n__gt=1).exists()  # a household shares its landline
    assert AuditEntry.objects.filter(action="demo_load").count() == 1
    for username in ("gerente", "supervisor", "agente", "vendedor", "mercadeo", "tecnico"):
        user = User.objects.get(username=username)
        assert user.check_password(users.DEMO_PASSWORD)
        assert user.groups.exists()
    assert User.objects.get(username="cajero").groups.get().name == "store_clerk"

    # A second load appends new people without colliding with the first one's keys.
    loading.load(customers=50, seed=11, interactions_per_customer=1, progress=None)
    assert Customer.objects.count() == 350
    assert Identifier.objects.filter(kind="phone").count() == 350
    assert loading.has_customers()


@pytest.mark.django_db(transaction=True)
def test_same_seed_loads_the_same_people():
    loading.load(customers=120, seed=4, interactions_per_customer=1, progress=None, today=TODAY)
    first = list(Customer.objects.order_by("id").values_list("display_name", "national_id"))
    Customer.objects.all().delete()
    loading.load(customers=120, seed=4, interactions_per_customer=1, progress=None, today=TODAY)
    again = list(Customer.objects.order_by("id").values_list("display_name", "national_id"))
    assert first == again
