"""The service desk's demo: groups, calendars and policies once, and cases for demo
customers (open, answered, waiting, resolved) with their SLA."""

from __future__ import annotations

import pytest

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile
from lealtad.service import demo
from lealtad.service.models import Case

pytestmark = pytest.mark.django_db


def _customers(n: int) -> None:
    ctx = customer_services.ChangeContext(Actor.system("test"), "", "web")
    for i in range(n):
        ref = CustomerRef(phone=f"09{91000100 + i:08d}", name=f"Cliente {i}")
        profile = CustomerProfile(kind="person", given_names="Cliente", first_surname=f"N{i}")
        customer_services.create_customer(profile, ref, ctx)


def test_demo_cases_for_customers_once_with_their_sla():
    _customers(6)
    first = demo.load()
    assert first["cases"] == 6
    statuses = sorted(Case.objects.values_list("status", flat=True))
    assert statuses == ["new", "new", "open", "pending_customer", "resolved", "resolved"]
    assert all(c.sla_policy is not None for c in Case.objects.all())
    assert Case.objects.filter(status="pending_customer").get().resolution_due is None
    assert demo.load()["cases"] == 0
