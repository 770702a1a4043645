"""Lead scoring on the sales tables: the stage weight with little history, the fitted model
with its factors once there is enough, never 0% nor 100% for an open lead, re-scored when an
activity is logged (through the hub), and the monthly Brier report of closed leads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.core import hub
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.sales.choices import LeadStatus
from lealtad.sales.models import Activity, Lead
from lealtad.sales.services import scoring

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model():
    scoring.forget_model()
    yield
    scoring.forget_model()


def make_leads(n: int, start: int = 0, **values: Any) -> list[Lead]:
    now = timezone.now()
    rows = [
        Lead(
            source=values.get("source", "web_form"),
            external_id=f"k-{start + i}",
            person_name="Ana Condori",
            email=f"ana{start + i}@example.com",
            created_at=values.get("created_at", now),
            updated_at=values.get("updated_at", now),
            **{k: v for k, v in values.items() if k not in {"source", "created_at", "updated_at"}},
        )
        for i in range(n)
    ]
    return Lead.objects.bulk_create(rows)


def history(converted_company: int = 150, lost_bare: int = 150) -> None:
    """Leads with a company converted; leads without one were disqualified."""
    closed = timezone.now() - timedelta(days=40)
    make_leads(
        converted_company,
        0,
        company_name="Ferretería Tipán",
        status=LeadStatus.CONVERTED,
        converted_at=closed,
        score=70,
    )
    make_leads(lost_bare, 10_000, status=LeadStatus.DISQUALIFIED, updated_at=closed, score=30)


def test_with_little_history_the_stage_weight_is_the_score(pipeline):
    [lead] = make_leads(1)
    run = scoring.score_open_leads()
    lead.refresh_from_db()
    assert (run.method, run.reason, run.scored) == ("stage_weight", "too_little_history", 1)
    assert lead.score == 10  # the standard pipeline's first stage
    assert lead.score_basis == [
        {"factor": "stage_weight", "value": "too_little_history", "weight": 0.0}
    ]


def test_with_history_the_model_explains_the_score():
    history()
    [company] = make_leads(1, 50_000, company_name="Agrícola Mamani")
    [bare] = make_leads(1, 50_001)
    run = scoring.score_open_leads()
    company.refresh_from_db()
    bare.refresh_from_db()
    assert run.method == "model" and run.history == 300 and run.converted == 150
    assert company.score > bare.score
    assert bare.score >= 1 and company.score <= 99
    top = company.score_basis[0]
    assert top["factor"] == "has_company" and top["value"] == "true" and top["weight"] > 0


def test_closed_leads_keep_the_score_they_closed_with():
    history()
    scoring.score_open_leads()
    assert set(
        Lead.objects.filter(status=LeadStatus.CONVERTED).values_list("score", flat=True)
    ) == {70}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.floats(min_value=0.0, max_value=1.0))
def test_a_score_shown_is_never_0_nor_100(probability):
    assert 1 <= scoring.percent(probability) <= 99


def test_a_logged_activity_rescores_its_lead_through_the_hub():
    history()
    [lead] = make_leads(1, 60_000)
    assert lead.score is None
    now = timezone.now()
    with transaction.atomic():
        for i in range(5):
            Activity.objects.create(
                kind="call", subject=f"Llamada {i}", lead=lead, created_at=now, updated_at=now
            )
        hub.publish(
            "activity.logged", {"lead_id": lead.pk}, event_id=f"t-{lead.pk}", channel="sales"
        )
    OutboxDispatcher().run_once()
    lead.refresh_from_db()
    assert lead.score is not None and 1 <= lead.score <= 99
    assert [f["factor"] for f in lead.score_basis][:1] == ["has_company"]


def test_the_monthly_report_compares_past_scores_with_outcomes():
    history(converted_company=3, lost_bare=1)
    [row] = scoring.monthly_report()
    assert row.count == 4
    assert row.base_rate == pytest.approx(0.75)
    # (3 x 0.3^2 + 0.3^2) / 4
    assert row.brier == pytest.approx(0.09)
    assert row.month == timezone.localdate(timezone.now() - timedelta(days=40)).replace(day=1)


def test_a_leads_features_come_from_its_activities_and_customer():
    now = timezone.now()
    created = now - timedelta(days=30)
    [lead] = make_leads(1, 95_000, created_at=created, company_name="Lácteos Chicaiza")
    for days_ago in (20, 12):
        at = now - timedelta(days=days_ago)
        Activity.objects.create(
            kind="call", subject="Llamada", lead=lead, created_at=at, updated_at=at
        )
    [features] = scoring.features_of([lead], [now])
    assert features.visits == 2
    assert features.days_since_touch == 12
    assert features.has_company and not features.known_customer
    assert features.source == "web_form" and features.rule_points == 0
    # As of the day it was created nothing had happened yet.
    [before] = scoring.features_of([lead], [created])
    assert before.days_since_touch == 0
