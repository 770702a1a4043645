"""The SLA on real cases: the policy chosen, the clock after each change, the job's warnings,
breaches and escalations (each once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.service.models import (
    BusinessCalendar,
    Case,
    CaseClock,
    CaseEntry,
    SlaPolicy,
    SupportGroup,
)
from lealtad.service.services import cases, sla, sla_job
from lealtad.service.services.cases import NewCase

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _desk(db: None) -> None:
    experts = SupportGroup.objects.create(name="expertos", label="Expertos", level=2)
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1, escalates_to=experts)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="mvc",
        label="MVC",
        calendar=always,
        first_response_minutes=30,
        resolution_minutes=240,
        value_tiers=["mvc"],
        rank=10,
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=120,
        resolution_minutes=1440,
        rank=50,
    )


def _open(tier: str = "unknown", **more: object) -> Case:
    new = NewCase(
        subject="Cobro duplicado",
        category="billing_inquiry",
        customer_id=7,
        value_tier=tier,
        **more,  # type: ignore[arg-type]
    )
    return cases.open_case(new, ACTOR)


def test_the_first_matching_policy_applies_and_is_written_into_the_history():
    mvc, plain = _open("mvc"), _open("low")
    assert mvc.sla_policy.name == "mvc" and plain.sla_policy.name == "estandar"
    due = mvc.first_response_due - mvc.created_at
    assert timedelta(minutes=29) < due <= timedelta(minutes=30)
    assert plain.resolution_due - plain.created_at == pytest.approx(
        timedelta(hours=24), abs=timedelta(seconds=2)
    )
    lines = CaseEntry.objects.filter(case=mvc, kind="sla")
    assert [line.data for line in lines] == [{"policy": "mvc"}]


def test_a_note_is_not_a_response_a_reply_is_and_waiting_pauses_the_clock():
    case = _open()
    cases.note(case.pk, "Revisar", ACTOR)
    case.refresh_from_db()
    assert case.first_response_due is not None
    cases.reply(case.pk, "Ya lo revisamos", ACTOR)
    case.refresh_from_db()
    assert case.first_response_due is None and case.resolution_due is not None
    cases.set_status(case.pk, "pending_customer", ACTOR)
    case.refresh_from_db()
    assert case.resolution_due is None
    assert CaseClock.objects.get(pk=case.pk).resolution_running is False


def test_a_priority_change_moves_the_policy_keeping_the_time_elapsed():
    SlaPolicy.objects.create(
        name="urgente",
        label="Urgente",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        first_response_minutes=10,
        resolution_minutes=60,
        priorities=[4],
        rank=5,
    )
    case = _open()
    Case.objects.filter(pk=case.pk).update(priority=4)
    case.refresh_from_db()
    sla.refresh_case(case.pk)
    case.refresh_from_db()
    assert case.sla_policy.name == "urgente"
    assert [e.data["policy"] for e in case.entries.filter(kind="sla")] == ["estandar", "urgente"]
    assert case.first_response_due - case.created_at <= timedelta(minutes=10)


def test_the_job_warns_breaches_and_escalates_each_once():
    case = _open("mvc")
    start = case.created_at
    report = sla_job.run(start + timedelta(minutes=25))
    assert report.warnings == [(case.pk, "first_response")] and report.breaches == []
    report = sla_job.run(start + timedelta(minutes=31))
    assert report.breaches == [(case.pk, "first_response")]
    assert report.escalated == [case.pk]
    case.refresh_from_db()
    assert case.sla_breached and case.group.name == "expertos"
    assert case.entries.filter(kind="escalated").count() == 1
    again = sla_job.run(start + timedelta(minutes=40))
    assert again.warnings == [] and again.breaches == [] and again.escalated == []
    events = OutboxMessage.objects.filter(event_type__startswith="case.sla_")
    assert sorted(events.values_list("event_type", flat=True)) == [
        "case.sla_breached",
        "case.sla_warning",
    ]


def test_a_resolved_or_answered_case_never_breaches_in_the_job():
    answered, resolved = _open("mvc"), _open("mvc")
    cases.reply(answered.pk, "Hola", ACTOR)
    cases.resolve(resolved.pk, ACTOR, note_text="Listo")
    report = sla_job.run(timezone.now() + timedelta(minutes=60))
    assert (answered.pk, "first_response") not in report.breaches
    assert all(case_id != resolved.pk for case_id, _ in report.breaches + report.warnings)


def test_a_case_with_no_matching_policy_has_no_clock():
    SlaPolicy.objects.all().delete()
    case = _open()
    assert case.sla_policy is None and case.first_response_due is None
    assert sla_job.run(timezone.now() + timedelta(days=3)).breaches == []


def _member(group: str, name: str, make_user, skills=(), max_open=25):
    from lealtad.service.models import GroupMember

    return GroupMember.objects.create(
        group=SupportGroup.objects.get(name=group),
        user=make_user("agent", username=name),
        skills=list(skills),
        max_open=max_open,
    )


def test_a_new_case_goes_to_the_least_loaded_member_with_the_skill(make_user):
    billing = _member("nivel1", "ana", make_user, skills=["billing_inquiry"])
    anyone = _member("nivel1", "beto", make_user)
    _member("nivel1", "caro", make_user, skills=["complaint"])
    first, second, third = _open(), _open(), _open()
    assert {first.assignee_id, second.assignee_id} == {billing.user_id, anyone.user_id}
    assert third.assignee_id in {billing.user_id, anyone.user_id}
    billing.refresh_from_db()
    anyone.refresh_from_db()
    assert billing.open_cases + anyone.open_cases == 3
    cases.resolve(third.pk, ACTOR)
    owner = billing if third.assignee_id == billing.user_id else anyone
    before = owner.open_cases
    owner.refresh_from_db()
    assert owner.open_cases == before - 1


def test_a_full_member_gets_nothing_and_employees_go_to_the_help_desk(make_user):
    _member("nivel1", "dani", make_user, max_open=1)
    assert _open().assignee_id is not None
    assert _open().assignee_id is None
    SupportGroup.objects.create(name="it", label="TI", level=1, internal=True)
    employee = make_user("agent", username="emp")
    case = cases.open_case(
        NewCase(subject="Sin VPN", category="internal", subtype="it", requester_id=employee.pk),
        ACTOR,
    )
    assert Case.objects.get(pk=case.pk).group.name == "it"


def test_the_dispatcher_tick_runs_the_job_at_most_once_a_minute(monkeypatch):
    monkeypatch.setattr(sla_job, "_last_run", [float("-inf")])  # as in a fresh process
    case = _open("mvc")
    CaseClock.objects.filter(pk=case.pk).update(first_elapsed=2000.0)  # 33 min: breached
    sla_job.tick()
    ran_at = sla_job._last_run[0]
    assert case.entries.filter(kind="escalated").count() == 1
    sla_job.tick()
    assert sla_job._last_run[0] == ran_at


def test_the_clock_as_an_agent_reads_it_counts_down_and_pauses():
    from lealtad.service.selectors import cases as reads

    case = _open()
    later = timezone.now() + timedelta(minutes=20)
    first, resolution = reads.clock_of(reads.case(case.pk), later)["targets"]
    assert 95 * 60 < first["remaining"] <= 100 * 60 and not first["paused"]
    cases.reply(case.pk, "Hola", ACTOR)
    cases.set_status(case.pk, "pending_customer", ACTOR)
    first, resolution = reads.clock_of(reads.case(case.pk), later)["targets"]
    assert first["met_at"] is not None and resolution["paused"]
    soon = reads.queue(reads.QueueFilter(breach_soon=True), timezone.now() + timedelta(hours=2))
    assert case.pk not in [c.pk for c in soon]  # paused: no due time, never "soon"


def test_a_broken_calendar_never_stops_the_desk_and_the_admin_refuses_it():
    from lealtad.service.admin import CalendarForm

    BusinessCalendar.objects.filter(name="24x7").update(time_zone="Mars/Olympus", always_open=False)
    case = _open()  # opened and worked although the engine refuses the calendar
    cases.reply(case.pk, "Hola", ACTOR)
    assert Case.objects.get(pk=case.pk).status == "open"
    form = CalendarForm(
        data={
            "name": "x",
            "label": "X",
            "time_zone": "Mars/Olympus",
            "country": "EC",
            "hours": '{"mon": [["08:00", "13:00"]]}',
            "extra_holidays": "[]",
        }
    )
    assert not form.is_valid() and "Mars/Olympus" in str(form.errors)
    good = CalendarForm(
        data={
            "name": "y",
            "label": "Y",
            "time_zone": "America/Bogota",
            "country": "CO",
            "hours": '{"mon": [["08:00", "13:00"]]}',
            "extra_holidays": '["2026-12-24"]',
        }
    )
    assert good.is_valid(), good.errors


def test_a_premium_contract_gets_its_policy_and_an_expired_one_does_not():
    from lealtad.service.models import ServiceContract

    SlaPolicy.objects.create(
        name="premium",
        label="Premium",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        first_response_minutes=15,
        resolution_minutes=120,
        support_levels=["premium"],
        rank=1,
    )
    today = timezone.localdate()
    ServiceContract.objects.create(
        number="C-1",
        customer_id=7,
        support_level="premium",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        created_at=timezone.now(),
    )
    assert _open().sla_policy.name == "premium"
    ServiceContract.objects.filter(number="C-1").update(ends_on=today - timedelta(days=1))
    assert _open().sla_policy.name == "estandar"
