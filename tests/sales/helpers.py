"""Known customers and leads for the sales tests, made through the contexts' own services."""

from __future__ import annotations

from typing import Any

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile
from lealtad.sales.services import leads

ACTOR = Actor.system("test")


def known_customer(**keys: Any) -> int:
    ref = CustomerRef(name=keys.pop("name", "María José Quishpe Tipán"), **keys)
    ctx = customer_services.ChangeContext(actor=ACTOR, channel="web")
    return customer_services.create_customer(CustomerProfile(kind="person"), ref, ctx).pk


def lead(**values: Any) -> leads.Captured:
    row = {
        "source": "web_form",
        "external_id": values.pop("external_id", "form-1"),
        "person_name": "Juan Carlos Guamán",
        "email": "juan.guaman@example.com",
        **values,
    }
    return leads.capture_leads([leads.check_lead(row)], ACTOR)[0]
