"""Usage readings and the up-sell signal: the seed's customer on a 40-hour plan who uses 90
hours, month after month, is offered the smallest plan that covers them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.analytics.models import UsageReading
from lealtad.analytics.selectors.usage import months_until
from lealtad.customers.models import Email
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)
MONTHS = months_until(timezone.localdate(), 4)


def reading(email: str, period: str, plan: str, allowance: float, used: float, **more: Any):
    return {
        "id": more.pop("event_id", f"billing-{next(_ids)}"),
        "type": "usage.recorded",
        "channel": "web",
        "occurred_at": datetime.now(UTC).isoformat(),
        "customer": {"email": email},
        "payload": {
            "period": period,
            "unit": "hours",
            "plan": plan,
            "allowance": allowance,
            "used": used,
            **more,
        },
    }


@pytest.fixture
def telecom(api: Client, token_client: Any) -> Client:
    """Readings sent by the billing system; the marketer's client to ask about them."""
    events = []
    for month in MONTHS:
        events.append(reading("pesado@example.ec", month, "40h", 40, 90))
        events.append(reading("medido@example.ec", month, "100h", 100, 60))
        events.append(reading("tope@example.ec", month, "160h", 160, 400))
    events.append(reading("volvio@example.ec", MONTHS[0], "40h", 40, 95))
    events.append(reading("volvio@example.ec", MONTHS[-1], "40h", 40, 30))
    answer = post_events(api, events).json()
    assert answer["created"] == len(events), answer
    return token_client("marketer", ("analytics:read",))


def ask(api: Client, email: str) -> list[dict[str, Any]]:
    customer = Email.objects.get(address=email).customer_id
    response = api.get(f"/api/v1/analytics/customers/{customer}/upsell")
    assert response.status_code == 200, response.content
    found: list[dict[str, Any]] = response.json()["upsell"]
    return found


def test_the_40_hour_customer_using_90_is_offered_the_100_hour_plan(telecom: Client) -> None:
    (signal,) = ask(telecom, "pesado@example.ec")
    assert (signal["plan"], signal["suggested_plan"], signal["peak_usage"]) == ("40h", "100h", 90)
    assert signal["periods_over"] == len(MONTHS)
    assert ask(telecom, "medido@example.ec") == []  # within the plan
    assert ask(telecom, "volvio@example.ec") == []  # was over, is back under: no push
    (top,) = ask(telecom, "tope@example.ec")
    assert top["suggested_plan"] is None  # no plan covers 400 hours: a custom offer


def test_everyone_who_outgrew_a_plan_most_over_first(telecom: Client) -> None:
    found = telecom.get("/api/v1/analytics/upsell?unit=hours").json()
    assert [c["plan"] for c in found["customers"]] == ["160h", "40h"]  # 2.5x before 2.25x
    assert found["total"] == 2


def test_a_corrected_month_replaces_the_first_report_and_a_repeat_changes_nothing(
    api: Client, telecom: Client
) -> None:
    again = reading("pesado@example.ec", MONTHS[-1], "40h", 40, 20, event_id="billing-fix")
    assert post_events(api, [again]).json()["created"] == 1
    assert post_events(api, [again]).json()["results"][0]["status"] == "duplicate"
    assert ask(telecom, "pesado@example.ec") == []  # the last month is under the plan now
    assert UsageReading.objects.filter(period=MONTHS[-1], plan="40h").count() == 2


def test_a_bad_reading_is_rejected_field_by_field_and_writes_nothing(api: Client) -> None:
    bad = reading("x@example.ec", "2026-13", "40h", 0, -5)
    result = post_events(api, [bad]).json()["results"][0]
    assert result["status"] == "rejected"
    fields = {e["field"] for e in result["errors"]}
    assert {"payload.period", "payload.allowance", "payload.used"} <= fields
    assert UsageReading.objects.count() == 0
