"""Staffing over the API: posted volumes, the center's own history, pooling, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lealtad.contactcenter.models import CenterEvent, Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.services.runtime import RouterRuntime

from .conftest import ACTOR

URL = "/api/v1/contactcenter/staffing"
SUPERVISE = ("contactcenter:supervise",)
MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def supervisor(token_client):
    return token_client("supervisor", scopes=SUPERVISE)


def post(client, body: dict[str, Any]):
    return client.post(URL, data=body, content_type="application/json")


def test_the_textbook_interval_needs_55_agents(center, supervisor):
    before = CenterEvent.objects.count(), Contact.objects.count()
    body = {
        "queues": [{"queue": "billing", "calls": [360], "aht_seconds": 240}],
        "interval_seconds": 1800,
        "within_seconds": 15,
        "shrinkage": {"breaks": 0.1, "training": 0.1},
    }
    answer = post(supervisor, body)
    assert answer.status_code == 200, answer.content
    plan = answer.json()
    assert plan["model"] == "erlang_c"
    assert plan["agents"] == [55] and plan["scheduled"] == [69]  # 55 / 0.8 = 68.75
    (pool,) = plan["pools"]
    assert pool["service_level"] == [0.8459] and pool["asa_seconds"] == [8.18]
    assert plan["intervals"] == ["00:00"] and plan["shrinkage"] == 0.2
    assert (CenterEvent.objects.count(), Contact.objects.count()) == before  # writes nothing


def test_erlang_a_with_patience_reports_abandonment(center, supervisor):
    body = {
        "queues": [{"queue": "billing", "calls": [360], "aht_seconds": 240}],
        "interval_seconds": 1800,
        "service_level": 0.94,
        "within_seconds": 20,
        "patience_seconds": 180,
    }
    plan = post(supervisor, body).json()
    assert plan["model"] == "erlang_a" and plan["agents"] == [55]
    assert plan["pools"][0]["abandon"] == [0.0143]


def test_queues_of_one_skill_are_pooled_and_the_saving_shown(center, supervisor):
    """general and premier are answered by the general skill: one pool; billing alone."""
    body = {
        "queues": [
            {"queue": "general", "calls": [40, 25, 0], "aht_seconds": 300},
            {"queue": "premier", "calls": [12, 6, 3], "aht_seconds": 420},
            {"queue": "billing", "calls": [30, 30, 30], "aht_seconds": 240},
        ],
        "service_level": 0.8,
        "within_seconds": 20,
    }
    plan = post(supervisor, body).json()
    pools = {p["name"]: p for p in plan["pools"]}
    assert set(pools) == {"general", "billing"}
    assert pools["general"]["queues"] == ["general", "premier"]
    assert pools["general"]["calls"] == [52, 31, 3]
    general = pools["general"]
    assert all(s >= 0 for s in general["saving"]) and sum(general["saving"]) > 0
    assert general["separate_agent_intervals"] - general["agent_intervals"] == plan["saving"]
    assert plan["agents"] == [
        g + b for g, b in zip(general["agents"], pools["billing"]["agents"], strict=True)
    ]
    alone = {"g": ["general"], "p": ["premier"], "b": ["billing"]}
    apart = post(supervisor, body | {"pools": alone})
    assert apart.json()["saving"] == 0
    assert sum(apart.json()["agents"]) > sum(plan["agents"])


def _history(queue: str, weeks: int, per_slot: dict[int, int], handle: int = 240) -> None:
    """Recorded journal rows: each weekday from 09:00 to 11:00, ``per_slot[weekday]`` calls
    per quarter hour, each answered at once and wrapped up ``handle`` seconds later."""
    rows = []
    contact_id = 10_000
    for day in range(weeks * 7):
        date = MONDAY - dt.timedelta(days=weeks * 7 - day)
        calls = per_slot.get(date.weekday(), 0)
        for slot in range(8):
            start = timezone.make_aware(dt.datetime.combine(date, dt.time(9)))
            start += dt.timedelta(minutes=15 * slot)
            for k in range(calls):
                at = start + dt.timedelta(seconds=k * 900 // max(calls, 1))
                contact_id += 1
                for kind, when in (
                    ("contact.arrived", at),
                    ("contact.answered", at),
                    ("contact.wrapped", at + dt.timedelta(seconds=handle)),
                ):
                    rows.append(CenterEvent(at=when, kind=kind, contact_id=contact_id, queue=queue))
    CenterEvent.objects.bulk_create(rows)


def test_a_day_is_planned_from_the_recorded_weeks(center, supervisor):
    _history("billing", weeks=4, per_slot={0: 40, 1: 20, 2: 20, 3: 20, 4: 20}, handle=200)
    answer = supervisor.get(URL, {"date": MONDAY.isoformat(), "queue": "billing", "weeks": 4})
    assert answer.status_code == 200, answer.content
    plan = answer.json()
    assert plan["date"] == "2026-11-02" and len(plan["intervals"]) == 96
    about = plan["queues"]["billing"]
    assert about["source"] == "history" and about["method"] == "weekday x time of day"
    # four weeks of arrivals; the handle time from the last week's calls
    assert about["history_days"] == 20 and about["handled"] == (40 + 4 * 20) * 8
    (pool,) = plan["pools"]
    nine = plan["intervals"].index("09:00")
    assert pool["calls"][nine : nine + 8] == [40.0] * 8  # Mondays, not the weekly mean
    assert pool["aht_seconds"][nine] == 200.0
    assert sum(pool["calls"]) == 320.0 and plan["agents"][:nine] == [0] * nine
    tuesday = supervisor.get(URL, {"date": "2026-11-03", "queue": "billing"}).json()
    assert tuesday["pools"][0]["calls"][nine] == 20.0
    assert max(tuesday["agents"]) < max(plan["agents"])


def test_arrivals_land_on_the_wall_clock_across_a_clock_change(center, supervisor, settings):
    """Santiago moved its clocks from 00:00 to 01:00 on Sunday 6 September 2026: a call at
    10:00 that day is in the 10:00 slot (only 9 hours after midnight)."""
    settings.TIME_ZONE = "America/Santiago"
    sundays = [dt.date(2026, 9, 6) - dt.timedelta(weeks=k) for k in range(3)]
    rows = []
    for n, day in enumerate(sundays):
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 5)))
        rows.append(CenterEvent(at=at, kind="contact.arrived", contact_id=900 + n, queue="billing"))
    CenterEvent.objects.bulk_create(rows)
    plan = supervisor.get(URL, {"date": "2026-09-13", "queue": "billing", "weeks": 3}).json()
    calls = plan["pools"][0]["calls"]
    assert calls[plan["intervals"].index("10:00")] == pytest.approx(1.0)
    assert sum(calls) == pytest.approx(1.0)


def test_a_weekday_never_recorded_in_weeks_of_history_is_closed(center, supervisor):
    _history("billing", weeks=4, per_slot={0: 40, 1: 20, 2: 20, 3: 20, 4: 20})
    sunday = MONDAY - dt.timedelta(days=1)
    plan = supervisor.get(URL, {"date": sunday.isoformat(), "queue": "billing"}).json()
    assert plan["queues"]["billing"]["method"] == "closed on this weekday"
    assert set(plan["agents"]) == {0}


def test_history_reads_what_the_contact_services_journal(center, supervisor):
    """A real call (received, offered, answered, released, wrapped) is the history."""
    agents.log_in(center["ana"].pk, ACTOR)
    call = contacts.receive(ContactIn(queue="billing", caller_id=""), ACTOR)
    RouterRuntime().step()
    contacts.answer(call.pk, ACTOR)
    contacts.release(call.pk, ACTOR)
    contacts.wrap_up(call.pk, ACTOR, outcome="resolved")
    plan = supervisor.get(URL, {"queue": "billing", "weeks": 1}).json()
    about = plan["queues"]["billing"]
    assert about["history_days"] == 1 and about["handled"] == 1
    assert about["method"] == "time of day (no history for this weekday)"  # plans tomorrow
    assert sum(plan["pools"][0]["calls"]) == pytest.approx(1.0)
    assert plan["date"] == (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def test_a_queue_without_history_needs_nobody(center, supervisor):
    plan = supervisor.get(URL, {"queue": "premier"}).json()
    assert plan["queues"]["premier"]["method"] == "no history"
    assert set(plan["agents"]) == {0}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"from_history": True, "queues": [{"queue": "a", "calls": [1]}]}, 409, "from_history"),
        ({"from_history": True, "history_queues": ["nope"]}, 404, "history_queues[0]"),
        (
            {"queues": [{"queue": "a", "calls": [1, 2]}, {"queue": "b", "calls": [1]}]},
            409,
            "queues[1].calls",
        ),
        (
            {"queues": [{"queue": "a", "calls": [1]}, {"queue": "a", "calls": [1]}]},
            409,
            "queues[1].queue",
        ),
        (
            {"queues": [{"queue": "a", "calls": [1, 2], "aht_seconds": [200]}]},
            409,
            "queues[0].aht_seconds",
        ),
        (
            {"queues": [{"queue": "a", "calls": [1]}], "shrinkage": {"a": 0.5, "b": 0.5}},
            409,
            "shrinkage",
        ),
        (
            {"queues": [{"queue": "a", "calls": [1]}], "service_level": None, "max_abandon": 0.1},
            409,
            "max_abandon",
        ),
        ({"queues": [{"queue": "a", "calls": [1]}], "service_level": None}, 409, "service_level"),
        ({"queues": [{"queue": "a", "calls": [1]}], "pools": {"x": ["b"]}}, 409, "pools.x"),
        ({"queues": [{"queue": "a", "calls": [-1]}]}, 422, None),
        ({"from_history": True, "interval_seconds": 700}, 422, None),
        ({"queues": [{"queue": "a", "calls": [1]}], "max_abandon": 1.0}, 422, None),
    ],
)
def test_bad_requests_are_refused_naming_the_field(center, supervisor, body, status, field):
    before = CenterEvent.objects.count()
    answer = post(supervisor, body)
    assert answer.status_code == status, answer.content
    if field is not None:
        assert answer.json()["field"] == field
    assert CenterEvent.objects.count() == before


def test_a_bad_query_is_refused_by_the_schema(center, supervisor):
    """Rules the schema states answer 422 with the failing parameter; rules between fields
    that it cannot state answer 409 (the API's convention, core/api_errors.py)."""
    answer = supervisor.get(URL, {"interval_seconds": 700})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "interval_seconds"
    assert supervisor.get(URL, {"queue": "nope"}).status_code == 404


def test_only_supervisors_plan_staffing(center, token_client):
    agent = token_client("agent", scopes=("contactcenter:handle",))
    assert agent.get(URL).status_code == 403
    assert post(agent, {"queues": [{"queue": "billing", "calls": [1]}]}).status_code == 403
