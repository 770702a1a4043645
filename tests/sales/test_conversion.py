"""Qualifying, disqualifying and converting leads; moving opportunities through stages. The
refusals (convert twice, a won deal moved back) write nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lealtad.core.models import OutboxMessage
from lealtad.customers.selectors.owners import owners_of
from lealtad.sales.choices import LeadStatus, StageKind
from lealtad.sales.models import Lead, Opportunity, StageChange
from lealtad.sales.services import conversion, opportunities, pipelines
from lealtad.sales.services.common import SalesConflict, SalesRefused
from tests.sales.helpers import ACTOR, known_customer, lead

pytestmark = pytest.mark.django_db


def _convert(lead_id: int, **values) -> Opportunity:
    return conversion.convert([conversion.Conversion(lead_id, **values)], ACTOR)[0]


def test_converting_a_known_customers_lead_reuses_the_customer(pipeline):
    customer = known_customer(email="ana.condori@example.com", name="Ana Condori")
    captured = lead(email="ana.condori@example.com", person_name="Ana Condori")
    made = _convert(captured.lead.pk, amount=Decimal("1200.50"))
    assert made.customer_id == customer
    assert made.stage.name == "Prospección" and made.stage.kind == StageKind.OPEN
    assert made.number == f"OP-{made.pk:06d}"
    assert made.close_date == timezone.localdate() + timedelta(days=30)
    assert owners_of("email", ["ana.condori@example.com"]) == {
        "ana.condori@example.com": [customer]
    }
    captured.lead.refresh_from_db()
    assert captured.lead.status == LeadStatus.CONVERTED
    assert OutboxMessage.objects.filter(event_type="lead.converted").count() == 1


def test_converting_an_unknown_person_makes_one_customer(pipeline):
    captured = lead(email="nuevo@example.com", person_name="Pedro Mamani Condori")
    made = _convert(captured.lead.pk)
    assert owners_of("email", ["nuevo@example.com"]) == {"nuevo@example.com": [made.customer_id]}
    captured.lead.refresh_from_db()
    assert captured.lead.customer_id == made.customer_id


def test_a_customer_met_after_capture_is_found_at_conversion(pipeline):
    captured = lead(email="tarde@example.com")
    assert captured.lead.customer_id is None
    customer = known_customer(email="tarde@example.com")
    assert _convert(captured.lead.pk).customer_id == customer


def test_converting_twice_is_a_conflict_and_writes_nothing(pipeline):
    captured = lead()
    _convert(captured.lead.pk)
    outbox = OutboxMessage.objects.count()
    with pytest.raises(SalesConflict) as twice:
        _convert(captured.lead.pk)
    assert twice.value.status == 409 and twice.value.code == "lead_converted"
    assert Opportunity.objects.count() == 1
    assert OutboxMessage.objects.count() == outbox


def test_a_batch_with_one_converted_lead_converts_none(pipeline):
    done, fresh = lead(external_id="a"), lead(external_id="b", email="b@example.com")
    _convert(done.lead.pk)
    with pytest.raises(SalesConflict) as refused:
        conversion.convert(
            [conversion.Conversion(fresh.lead.pk), conversion.Conversion(done.lead.pk)], ACTOR
        )
    assert refused.value.field == "rows[1].lead"
    fresh.lead.refresh_from_db()
    assert fresh.lead.status == LeadStatus.NEW
    assert Opportunity.objects.count() == 1


def test_a_disqualified_lead_needs_a_reason_and_does_not_convert(pipeline):
    captured = lead()
    with pytest.raises(SalesRefused) as no_reason:
        conversion.disqualify([captured.lead.pk], "  ", ACTOR)
    assert no_reason.value.field == "reason"
    conversion.disqualify([captured.lead.pk], "sin presupuesto", ACTOR)
    with pytest.raises(SalesConflict):
        _convert(captured.lead.pk)
    assert Lead.objects.get().disqualified_reason == "sin presupuesto"


def test_no_pipeline_is_a_clear_refusal(db):
    captured = lead()
    with pytest.raises(Exception) as missing:
        _convert(captured.lead.pk)
    assert "pipeline" in str(missing.value)
    assert not Opportunity.objects.exists()


def _stage(pipeline, name):
    return pipeline.stages.get(name=name)


def test_a_move_is_recorded_and_announced(pipeline):
    made = _convert(lead().lead.pk)
    opportunities.move([opportunities.Move(made.pk, _stage(pipeline, "Propuesta").pk)], ACTOR)
    history = list(StageChange.objects.filter(opportunity=made).order_by("id"))
    assert [(h.from_stage and h.from_stage.name, h.to_stage.name) for h in history] == [
        (None, "Prospección"),
        ("Prospección", "Propuesta"),
    ]
    assert OutboxMessage.objects.filter(event_type="opportunity.stage_changed").count() == 1


def test_a_repeated_move_changes_nothing(pipeline):
    made = _convert(lead().lead.pk)
    move = opportunities.Move(made.pk, _stage(pipeline, "Propuesta").pk)
    opportunities.move([move], ACTOR)
    opportunities.move([move], ACTOR)
    assert StageChange.objects.filter(opportunity=made).count() == 2


def test_a_won_opportunity_cannot_move_back(pipeline):
    made = _convert(lead().lead.pk)
    won = _stage(pipeline, "Ganada")
    opportunities.move([opportunities.Move(made.pk, won.pk, "mejor precio")], ACTOR)
    made.refresh_from_db()
    assert made.closed_at is not None and made.won_reason == "mejor precio"
    assert OutboxMessage.objects.filter(event_type="opportunity.won").count() == 1
    with pytest.raises(SalesConflict) as back:
        opportunities.move([opportunities.Move(made.pk, _stage(pipeline, "Propuesta").pk)], ACTOR)
    assert back.value.status == 409 and back.value.code == "opportunity_closed"
    made.refresh_from_db()
    assert made.stage == won
    assert StageChange.objects.filter(opportunity=made).count() == 2


def test_a_stage_of_another_pipeline_is_refused(pipeline):
    other = pipelines.create_pipeline(
        "renovaciones",
        "Renovaciones",
        [
            pipelines.StageIn("Aviso", 40),
            pipelines.StageIn("Renovada", 100, "won"),
            pipelines.StageIn("No renovada", 0, "lost"),
        ],
    )
    made = _convert(lead().lead.pk)
    with pytest.raises(SalesRefused) as wrong:
        opportunities.move([opportunities.Move(made.pk, other.stages.first().pk)], ACTOR)
    assert wrong.value.field == "stage"


@pytest.mark.parametrize(
    ("stages", "field"),
    [
        ([("A", 0, "open"), ("W", 100, "won"), ("L", 0, "lost")], "stages[0].probability"),
        ([("A", 50, "open"), ("W", 90, "won"), ("L", 0, "lost")], "stages[1].probability"),
        ([("A", 50, "open"), ("W", 100, "won")], "stages"),
        ([("A", 50, "open"), ("a", 60, "open"), ("W", 100, "won"), ("L", 0, "lost")], "stages[1]"),
    ],
)
def test_a_pipeline_with_bad_stages_is_refused(db, stages, field):
    with pytest.raises(SalesRefused) as refused:
        pipelines.create_pipeline("p", "P", [pipelines.StageIn(*s) for s in stages])
    assert refused.value.field == field
