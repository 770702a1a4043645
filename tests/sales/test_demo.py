"""The demo's sales floor: deals at every kind of stage, owned by the demo sellers, and a
second run that adds nothing."""

from __future__ import annotations

import pytest

from lealtad.customers.demo.users import ensure_demo_users
from lealtad.sales import demo
from lealtad.sales.models import AcquisitionSpend, Lead, Opportunity

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_board_once() -> None:
    ensure_demo_users()
    first = demo.seed(leads=40)
    assert first.leads == 40 and 10 <= first.opportunities <= 30
    kinds = set(Opportunity.objects.values_list("stage__kind", flat=True))
    assert kinds == {"open", "won", "lost"}
    owners = set(Lead.objects.values_list("owner__username", flat=True))
    assert owners == {"vendedor", "gerente"}  # round robin over the team
    assert all(o.customer_id for o in Opportunity.objects.all())  # each deal on a customer
    spend = list(AcquisitionSpend.objects.values_list("source", "month", "amount"))
    assert len(spend) == 6 * 4  # six months of the four demo sources
    again = demo.seed(leads=40)
    assert (again.leads, again.opportunities) == (0, 0)
    assert Lead.objects.count() == 40
    assert list(AcquisitionSpend.objects.values_list("source", "month", "amount")) == spend
