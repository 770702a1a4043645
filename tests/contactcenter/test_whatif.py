"""What-if over the API: the configured center, given or recorded arrivals, a policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from lealtad.contactcenter.models import CenterEvent, Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import contacts, setup

from .conftest import ACTOR

URL = "/api/v1/contactcenter/whatif"
SUPERVISE = ("contactcenter:supervise",)


@pytest.fixture
def supervisor(token_client):
    return token_client("supervisor", scopes=SUPERVISE)


def post(client, body: dict[str, Any]):
    return client.post(URL, data=body, content_type="application/json")


def billing(**more: Any) -> dict[str, Any]:
    return {"queue": "billing", "agents": 12, "arrivals": [120] * 8, "aht_seconds": 240, **more}


def test_a_supervisor_gets_the_simulated_day(center, supervisor):
    before = (Contact.objects.count(), CenterEvent.objects.count())
    answer = post(supervisor, {"queues": [billing()], "policy": "fcfs", "seed": 3})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    total = body["total"]
    assert total["offered"] == body["calls"] > 800
    assert total["offered"] == total["answered"] + total["abandoned"] + total["waiting"]
    assert set(body["queues"]) == {"billing"}
    assert body["policy"] == "fcfs" and body["interval_seconds"] == 900
    assert 0 < body["occupancy"]["billing-agents"] <= 1
    intervals = body["queue_intervals"]["billing"]
    assert len(intervals) == 8
    assert sum(f["offered"] for f in intervals) == total["offered"]
    assert (Contact.objects.count(), CenterEvent.objects.count()) == before  # writes nothing


def test_the_same_seed_gives_the_same_answer(center, supervisor):
    runs = [post(supervisor, {"queues": [billing()], "seed": 9}).json() for _ in range(2)]
    for run in runs:
        run.pop("wall_seconds")
    assert runs[0] == runs[1]
    other = post(supervisor, {"queues": [billing()], "seed": 10}).json()
    assert other["total"] != runs[0]["total"]


def test_more_agents_answer_more_within_the_target(center, supervisor):
    few = post(supervisor, {"queues": [billing(agents=10)], "seed": 1}).json()
    many = post(supervisor, {"queues": [billing(agents=16)], "seed": 1}).json()
    assert many["total"]["service_level"] > few["total"]["service_level"]
    assert many["total"]["abandoned"] < few["total"]["abandoned"]


def test_an_agent_may_not_run_a_what_if(center, token_client):
    agent = token_client("agent", scopes=("contactcenter:handle",))
    assert post(agent, {"queues": [billing()]}).status_code == 403


def test_a_queue_without_agents_overflows_as_configured(center, supervisor):
    setup.save_skill("vip", "VIP")
    setup.save_queue("vip", "VIP", "vip", relax_after_seconds=None, overflows=[(30, "general")])
    body = {
        "queues": [
            {"queue": "vip", "agents": 0, "arrivals": [20] * 4, "aht_seconds": 120},
            {"queue": "general", "agents": 10, "arrivals": [20] * 4, "aht_seconds": 120},
        ],
        "policy": "fcfs",
    }
    result = post(supervisor, body).json()
    vip = result["queues"]["vip"]
    assert vip["answered"] > 0
    assert vip["asa"] >= 30  # general's agents take vip callers after 30 s, not before
    assert vip["answered_within"] == 0
    assert result["queues"]["general"]["answered_within"] > 0


def test_a_dates_recorded_arrivals_are_replayed_with_their_tiers(center, supervisor):
    for _ in range(7):
        contacts.receive(ContactIn(queue="billing", caller_id=""), ACTOR)
    for _ in range(3):
        contacts.receive(ContactIn(queue="general", caller_id=""), ACTOR)
    today = timezone.localdate().isoformat()
    body = {
        "queues": [{"queue": "billing", "agents": 2}, {"queue": "general", "agents": 1}],
        "date": today,
    }
    result = post(supervisor, body).json()
    assert result["queues"]["billing"]["offered"] == 7
    assert result["queues"]["general"]["offered"] == 3
    assert result["date"] == today
    recorded = set(
        CenterEvent.objects.filter(kind="contact.arrived").values_list("tier", flat=True)
    )
    assert set(result["tiers"]) == {tier or "unknown" for tier in recorded}


def test_head_starts_come_from_the_center_settings(center, supervisor):
    mix = {"mvc": 0.2, "regular": 0.8}
    body = {"queues": [billing(agents=10, tier_mix=mix)], "seed": 4}
    valued = post(supervisor, {**body, "policy": "value_skills"}).json()
    fcfs = post(supervisor, {**body, "policy": "fcfs"}).json()
    assert valued["tiers"]["mvc"]["service_level"] > fcfs["tiers"]["mvc"]["service_level"]
    setup.update_settings(tier_head_start=dict.fromkeys(("mvc", "mgc", "regular"), 0.0))
    flat = post(supervisor, {**body, "policy": "value_skills"}).json()
    assert flat["tiers"] == fcfs["tiers"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"queues": [billing(queue="nowhere")]}, 404, "queues[0].queue"),
        ({"queues": [billing(), billing()]}, 422, "queues[1].queue"),
        ({"queues": [billing(arrivals=None)]}, 422, "queues[0].arrivals"),
        ({"queues": [billing(arrivals=[-1])]}, 422, "queues[0]"),
        ({"queues": [billing(agents=[3, -1])]}, 422, "queues[0].agents"),
        (
            {"queues": [billing()], "groups": [{"name": "x", "skills": {"b": 11}, "agents": 1}]},
            422,
            "groups[0]",
        ),
        ({"queues": [billing(arrivals=[3_000_000])]}, 422, "queues"),
    ],
)
def test_bad_input_is_refused_naming_the_field(center, supervisor, body, status, field):
    answer = post(supervisor, body)
    assert answer.status_code == status, answer.content
    assert answer.json()["field"] == field


def test_a_body_outside_the_schema_is_refused(center, supervisor):
    assert post(supervisor, {"queues": []}).status_code == 422
    assert post(supervisor, {"queues": [billing()], "policy": "random"}).status_code == 422
    assert post(supervisor, {"queues": [billing(colour="red")]}).status_code == 422
