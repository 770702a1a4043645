"""The customer-value page: what a marketer reads of one customer after a refresh (tier,
RFM, CLV, P(alive), churn risk with its drivers, lifecycle stage, next purchase), what it says
before the first refresh, and who may open it."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.customers.services import standing as standing_service
from tests.analytics.test_pages_scorecard import signed_in
from tests.web.conftest import build_rodrigo

pytestmark = pytest.mark.django_db


FIGURES: dict[str, Any] = {
    "value_tier": "mvc",
    "lifecycle_stage": "loyal",
    "lifecycle_since": date(2025, 6, 1),
    "rfm_recency": 5,
    "rfm_frequency": 4,
    "rfm_monetary": 5,
    "historic_value": 1840.5,
    "cost_to_serve": 120.0,
    "clv": 2310.75,
    "expected_purchases": 3.2,
    "expected_spend": 410.0,
    "p_alive": 0.93,
    "churn_risk": 0.12,
    "churn_band": "low",
    "churn_drivers": [
        {"code": "long_since_last_purchase", "weight": 0.6},
        {"code": "many_contacts", "weight": 0.3},
    ],
    "orders": 14,
    "last_purchase_on": date(2026, 11, 20),
    "next_purchase_expected": date(2026, 12, 18),
}


def assessed(customer: int) -> None:
    """The standing a refresh would write, through the customers context's service (rows in
    its column order; the older dataclass form while that is what the service takes)."""
    figures = {"customer_id": customer, **FIGURES}
    if hasattr(standing_service, "COLUMNS"):
        plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in figures.items()}
        plain["churn_drivers"] = json.dumps(figures["churn_drivers"])
        rows: list[Any] = [tuple(plain[c] for c in standing_service.COLUMNS)]
    else:
        rfm = tuple(figures.pop(k) for k in ("rfm_recency", "rfm_frequency", "rfm_monetary"))
        rows = [standing_service.Standing(rfm=rfm, **figures)]
    standing_service.record_standings(
        rows, run_id=None, computed_at=timezone.now(), actor=Actor(label="test")
    )


def test_the_marketer_reads_the_customers_value() -> None:
    customer = build_rodrigo()
    assessed(customer)
    page = signed_in("marketer").get(f"/analytics/customers/{customer}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rodrigo Juárez Ortega" in html
    numbers = re.sub(r"\s", "", html)  # Spanish groups thousands with a (no-break) space
    for figure in ("2310,75", "93,0%", "12,0%", "18/12/2026", "545"):
        assert figure in numbers, figure
    for shown in ("Mucho tiempo desde la última compra", "Muchos contactos últimamente"):
        assert shown in html  # the drivers by their codes' labels
    assert 'data-bar="100"' in html and 'data-bar="50"' in html  # widths relative to the top
    assert "(60,0" in numbers and "(30,0" in numbers  # each one's share of the risk
    assert f'href="/customers/{customer}/"' in html


def test_before_the_first_refresh_the_page_says_so() -> None:
    customer = build_rodrigo()
    html = signed_in("manager").get(f"/analytics/customers/{customer}/").content.decode()
    assert 'id="no-standing"' in html and 'id="value-kpis"' not in html


def test_an_unknown_customer_is_404_and_a_clerk_is_403() -> None:
    assert signed_in("manager").get("/analytics/customers/999999/").status_code == 404
    customer = build_rodrigo()
    assert signed_in("store_clerk").get(f"/analytics/customers/{customer}/").status_code == 403
    assert Client().get(f"/analytics/customers/{customer}/").status_code == 302  # sign in first


def test_the_customer_page_links_to_the_value_page_for_those_who_may_see_it() -> None:
    customer = build_rodrigo()
    link = f'href="/analytics/customers/{customer}/"'
    assert link in signed_in("supervisor").get(f"/customers/{customer}/").content.decode()
    assert link not in signed_in("agent").get(f"/customers/{customer}/").content.decode()
