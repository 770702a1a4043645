"""Telesales: a call list from a segment or from open leads goes to the dialer with only the
customers who may be called; the call's outcome comes back through ``contact.ended`` onto the
lead or opportunity, once per event (a replay changes nothing), and a call back plans a task."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.contactcenter.selectors import dialer as dialer_reads
from lealtad.contactcenter.services import setup
from lealtad.core import hub
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import ConsentIn, CustomerProfile
from lealtad.marketing.services import segments
from lealtad.sales.choices import ActivityKind, LeadStatus, StageKind
from lealtad.sales.models import Activity, Lead, Opportunity, TelesalesTarget
from lealtad.sales.services import telesales
from lealtad.sales.services.common import SalesConflict, SalesRefused
from tests.sales.helpers import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)
SETUP = telesales.ListSettings(name="ventas-dic", queue="ventas")


@pytest.fixture
def queue(db: None) -> str:
    setup.save_skill("general", "General")
    setup.save_queue("ventas", "Ventas", "general")
    return "ventas"


def customer(n: int, consent: bool | None = True, phone: bool = True) -> int:
    ref = CustomerRef(
        name=f"Cliente {n} Quishpe",
        phone=f"09{91000000 + n:08d}" if phone else None,
        email=None if phone else f"c{n}@example.com",
    )
    ctx = customer_services.ChangeContext(ACTOR, "", "call_center")
    made = customer_services.create_customer(CustomerProfile(kind="person"), ref, ctx)
    if consent is not None:
        statement = ConsentIn(
            channel="phone",
            purpose="marketing",
            granted=consent,
            proof="signed_form" if consent else None,
            proof_reference="F-1" if consent else "",
        )
        customer_services.record_consent(made, statement, ctx)
    return made.pk


def segment_of(ids: list[int]) -> int:
    [sid] = segments.create([segments.SegmentIn("Llamar", kind="static")], by="t")
    segments.pick(sid, add=ids, by="t")
    return sid


def test_a_segment_list_keeps_only_the_customers_who_may_be_called(queue):
    ok = [customer(1), customer(2)]
    refused, silent, no_phone = customer(3, False), customer(4, None), customer(5, True, False)
    report = telesales.list_from_segment(segment_of([*ok, refused, silent, no_phone]), SETUP, ACTOR)
    assert report.added == 2
    assert report.skipped == {"do_not_call": 1, "no_consent": 1, "no_phone": 1}
    listed = dialer_reads.call_list("ventas-dic")
    assert listed is not None and listed.queue.name == "ventas"
    assert sorted(e.customer_id for e in dialer_reads.entries(listed)) == sorted(ok)
    # Each customer without a lead got a telemarketing lead, linked to them.
    targets = TelesalesTarget.objects.filter(telesales_list__name="ventas-dic")
    assert sorted(t.lead.customer_id for t in targets) == sorted(ok)
    assert {t.lead.source for t in targets} == {"telemarketing"}


def test_a_list_name_is_checked_and_not_reused(queue):
    sid = segment_of([customer(1)])
    with pytest.raises(SalesRefused) as bad:
        telesales.list_from_segment(sid, telesales.ListSettings("Con Espacio", "ventas"), ACTOR)
    assert bad.value.field == "name"
    telesales.list_from_segment(sid, SETUP, ACTOR)
    with pytest.raises(SalesConflict):
        telesales.list_from_segment(sid, SETUP, ACTOR)
    assert dialer_reads.call_lists().count() == 1


def test_open_leads_without_a_customer_are_left_out(queue):
    cid = customer(1)
    known = Lead.objects.create(**_lead("a", customer_id=cid))
    Lead.objects.create(**_lead("b"))
    Lead.objects.create(**_lead("c", customer_id=cid, status=LeadStatus.DISQUALIFIED))
    report = telesales.list_from_leads(SETUP, ACTOR)
    assert report.added == 1 and report.skipped == {"no_customer": 1}
    assert TelesalesTarget.objects.get().lead == known


def _lead(key: str, **values: Any) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    return {
        "source": "import",
        "external_id": key,
        "person_name": "Rosa Chicaiza",
        "phone": "+593991234567",
        "created_at": now,
        "updated_at": now,
        **values,
    }


def ended(cid: int, event: str, code: str = "", outcome: str = "") -> None:
    """The contact center's ``contact.ended`` for an outbound call, as its service sends it."""
    from django.db import transaction

    payload = {
        "contact_id": 1,
        "direction": "outbound",
        "queue": "ventas",
        "wrap_up_code": code,
        "outcome": outcome,
        "notes": "Llamar el martes",
        "answered_at": "2026-12-07T10:00:00-05:00",
        "ended_at": "2026-12-07T10:04:00-05:00",
    }
    with transaction.atomic():
        hub.publish(
            "contact.ended", payload, event_id=event, channel="call_center", customer_id=cid
        )
    OutboxDispatcher().run_once()
    OutboxDispatcher().run_once()


def test_a_callback_logs_the_call_plans_a_task_and_a_replay_changes_nothing(queue):
    cid = customer(1)
    telesales.list_from_segment(segment_of([cid]), SETUP, ACTOR)
    lead = TelesalesTarget.objects.get().lead
    ended(cid, "contact-7#contact.ended", code="callback")
    ended(cid, "contact-7#contact.ended", code="callback")
    calls = Activity.objects.filter(lead=lead, kind=ActivityKind.CALL)
    tasks = Activity.objects.filter(lead=lead, kind=ActivityKind.TASK)
    assert calls.count() == 1 and tasks.count() == 1
    assert tasks.get().due is not None and tasks.get().done_at is None
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WORKING
    target = TelesalesTarget.objects.get()
    assert (target.outcome, target.calls) == ("callback", 1)


def test_not_interested_disqualifies_and_a_sale_wins_the_opportunity(queue, pipeline):
    from lealtad.sales.services import conversion

    first, second = customer(1), customer(2)
    telesales.list_from_segment(segment_of([first, second]), SETUP, ACTOR)
    by_customer = {t.customer_id: t for t in TelesalesTarget.objects.all()}
    conversion.convert([conversion.Conversion(by_customer[second].lead_id)], ACTOR)
    ended(first, "contact-1#contact.ended", code="not_interested")
    ended(second, "contact-2#contact.ended", code="sale")
    disqualified = Lead.objects.get(pk=by_customer[first].lead_id)
    assert disqualified.status == LeadStatus.DISQUALIFIED
    deal = Opportunity.objects.select_related("stage").get(lead_id=by_customer[second].lead_id)
    assert deal.stage.kind == StageKind.WON
    assert Activity.objects.filter(opportunity=deal, kind=ActivityKind.CALL).count() == 1


def test_a_call_from_no_telesales_list_is_left_alone(queue):
    cid = customer(1)
    ended(cid, "contact-9#contact.ended", code="sale")
    assert not Activity.objects.exists()


def test_a_list_of_leads_from_a_lowest_score_and_an_answered_call(queue):
    good, poor = customer(1), customer(2)
    best = Lead.objects.create(**_lead("a", customer_id=good, score=80))
    Lead.objects.create(**_lead("b", customer_id=poor, score=20))
    with pytest.raises(SalesRefused) as bad:
        telesales.list_from_leads(SETUP, ACTOR, min_score=0)
    assert bad.value.field == "min_score"
    report = telesales.list_from_leads(SETUP, ACTOR, min_score=50)
    assert report.added == 1
    ended(good, "contact-3#contact.ended")
    best.refresh_from_db()
    assert best.status == LeadStatus.WORKING
    [call] = Activity.objects.filter(lead=best)
    assert call.kind == ActivityKind.CALL and call.time_category == "telemarketing"
    assert call.done_at is not None and call.notes == "Llamar el martes"
    assert not Activity.objects.filter(kind=ActivityKind.TASK).exists()


def test_the_call_and_its_call_back_are_on_the_timeline_and_announced(queue):
    from lealtad.core.models import OutboxMessage
    from lealtad.customers.models import Interaction

    cid = customer(1)
    telesales.list_from_segment(segment_of([cid]), SETUP, ACTOR)
    ended(cid, "contact-8#contact.ended", code="volver_a_llamar")
    ended(cid, "contact-8#contact.ended", code="volver_a_llamar")  # a replay adds nothing
    lines = Interaction.objects.filter(customer_id=cid, channel="sales").order_by("id")
    assert [line.kind for line in lines] == ["sales_call", "sales_task"]
    assert lines[0].summary == "Llamar el martes"
    logged = OutboxMessage.objects.filter(event_type="activity.logged").order_by("id")
    call, task = Activity.objects.order_by("id")
    assert [(m.payload["activity_id"], m.payload.get("outcome")) for m in logged] == [
        (call.pk, "callback"),
        (task.pk, None),
    ]
    assert call.done_at.isoformat() == "2026-12-07T15:04:00+00:00"  # when the call ended
