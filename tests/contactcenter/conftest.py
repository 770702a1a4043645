"""A small center: two skills, three queues with overflow, agents, and a customer who calls."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.contactcenter.services import setup
from lealtad.core.audit import Actor

ACTOR = Actor.system("test")


@pytest.fixture
def center(db: None) -> dict[str, Any]:
    setup.save_skill("general", "General")
    setup.save_skill("billing", "Billing")
    setup.save_queue("billing", "Billing", "billing", min_proficiency=5)
    setup.save_queue("general", "General", "general")
    setup.save_queue("premier", "Premier", "general", level=2, overflows=[(30, "general")])
    setup.update_settings(offer_timeout_seconds=20, wrap_up_seconds=30, trunks=10)
    ana = setup.save_agent("Ana Quishpe", skills={"general": 8, "billing": 7})
    luis = setup.save_agent("Luis Andrade", skills={"general": 5})
    return {"ana": ana, "luis": luis}


@pytest.fixture
def make_customer(db: None):
    """A customer with a phone, created through the customers context's services."""
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import CustomerProfile

    count = iter(range(1, 10_000))

    def make(phone: str | None = None, given: str = "María", surname: str = "Guamán"):
        n = next(count)
        ref = CustomerRef(phone=phone or f"09{91000000 + n:08d}", name=f"{given} {surname}")
        profile = CustomerProfile(kind="person", given_names=given, first_surname=surname)
        ctx = customer_services.ChangeContext(ACTOR, "", "call_center")
        return customer_services.create_customer(profile, ref, ctx)

    return make
