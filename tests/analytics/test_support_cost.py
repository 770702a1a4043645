"""The service desk's cost of support feeds the cost to serve: a customer whose cases cost
more than they bring drops to the below-zero tier, and the money shows on their standing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from lealtad.analytics.services import rules
from lealtad.core import support_costs
from lealtad.core.audit import Actor
from lealtad.service.models import Case, SupportGroup
from lealtad.service.services import cases, costing
from lealtad.service.services.cases import NewCase
from tests.analytics.test_refresh import TODAY, buy, customer_id, run_refresh, shop, standing

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
_shop = shop


def _expensive_case(customer: int) -> None:
    """A case handled by the specialists, resolved (and charged) yesterday."""
    SupportGroup.objects.get_or_create(
        name="especialistas",
        defaults={"label": "Especialistas", "level": 3, "cost_per_case": Decimal("900.00")},
    )
    yesterday = datetime.now(UTC) - timedelta(days=1)
    case = cases.open_case(
        NewCase(subject="Falla", category="complaint", customer_id=customer, group="especialistas"),
        ACTOR,
        at=yesterday,
    )
    with transaction.atomic():
        cases.resolve(case.pk, ACTOR)
        costing.charge_handling(Case.objects.select_for_update().get(pk=case.pk))


def test_expensive_cases_drop_a_customer_below_zero(api: Client, shop: str) -> None:
    assert "service" in support_costs.registered()
    for n in range(6):
        for weeks in range(2, 30, 4):
            buy(api, f"cliente{n}@example.ec", TODAY - timedelta(weeks=weeks))
    run_refresh()
    before = standing("cliente0@example.ec")
    assert before.value_tier != "below_zero", before.value_tier
    _expensive_case(customer_id("cliente0@example.ec"))
    run_refresh()
    after = standing("cliente0@example.ec")
    assert after.value_tier == "below_zero"
    assert after.cost_to_serve >= before.cost_to_serve + Decimal("900.00")
    assert standing("cliente1@example.ec").value_tier != "below_zero"


def test_cases_resolved_after_the_day_assessed_do_not_count(api: Client, shop: str) -> None:
    buy(api, "tarde@example.ec", TODAY - timedelta(weeks=3))
    _expensive_case(customer_id("tarde@example.ec"))
    run_refresh(TODAY - timedelta(days=3))
    assert standing("tarde@example.ec").value_tier != "below_zero"


def test_a_stored_per_case_rate_no_longer_resets_the_other_rules(settings: Any) -> None:
    from lealtad.analytics.models import AnalyticsSettings

    AnalyticsSettings.objects.create(
        rules={"costs": {"per_case": 15.0, "per_contact": 4.0}, "tiers": {"mvc_share": 0.1}}
    )
    found = rules.current()
    assert found.costs.per_contact == 4.0 and found.tiers.mvc_share == 0.1
