"""What the service desk's demo modules share: the demo's actor, and the key each demo case
is opened under so a second run finds it instead of opening it again."""

from __future__ import annotations

from typing import Any

from lealtad.core.audit import Actor
from lealtad.customers import selectors as customers
from lealtad.customers.selectors.standing import standing_of
from lealtad.service.models import Case
from lealtad.service.services import cases

ACTOR = Actor.system("demo")
SOURCE = "demo"  # demo cases carry (SOURCE, key): a second run finds them


def made_before(key: str) -> Case | None:
    """The demo case opened under ``key`` by an earlier run."""
    return Case.objects.filter(source=SOURCE, external_ref=key).first()


def demo_customers(count: int) -> list[int]:
    return [c.pk for c in customers.search("", limit=count)]


def open_demo_case(key: str, customer_id: int, subject: str, category: str, **more: Any) -> Case:
    standing = standing_of(customer_id) or {}
    new = cases.NewCase(
        subject=subject,
        category=category,
        customer_id=customer_id,
        value_tier=standing.get("value_tier") or "unknown",
        source=SOURCE,
        external_ref=key,
        **more,
    )
    return cases.open_case(new, ACTOR)
