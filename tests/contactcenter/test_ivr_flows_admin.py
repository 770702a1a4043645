"""Supervisors save IVR flows as versions; a broken flow is refused whole and nothing is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lealtad.contactcenter.models import IvrFlow, IvrSession
from lealtad.contactcenter.services import ivr

from .conftest import ACTOR

pytestmark = pytest.mark.django_db
BASE = "/api/v1/contactcenter/ivr"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ivr"
SMALL = """
flow: small
description: Two keys
start: menu
nodes:
  menu:
    kind: menu
    prompt: {es: "Marque 1 para ventas", en: "Press 1 for sales"}
    choices:
      1: sales
  sales:
    kind: queue
    queue: general
"""


@pytest.fixture
def supervisor(token_client: Any) -> Any:
    return token_client("supervisor", ("contactcenter:supervise",))


@pytest.fixture
def pbx(token_client: Any) -> Any:
    return token_client("api_client", ("telephony:write",))


def save(client: Any, text: str, status: int = 201, **more: Any) -> dict[str, Any]:
    answer = client.post(f"{BASE}/flows", {"yaml": text, **more}, content_type="application/json")
    assert answer.status_code == status, answer.content
    return answer.json()


def test_saving_twice_is_one_version_and_an_edit_is_the_next(supervisor, center):
    first = save(supervisor, SMALL)
    assert (first["name"], first["version"], first["active"]) == ("small", 1, True)
    assert first["description"] == "Two keys" and first["yaml"] == SMALL
    assert save(supervisor, SMALL)["version"] == 1
    second = save(supervisor, SMALL.replace("ventas", "compras"))
    assert (second["version"], second["active"]) == (2, True)
    rows = {(r.version, r.active) for r in IvrFlow.objects.filter(name="small")}
    assert rows == {(1, False), (2, True)}
    listed = supervisor.get(f"{BASE}/flows").json()
    assert [(f["name"], f["version"]) for f in listed] == [("small", 2), ("small", 1)]
    assert supervisor.get(f"{BASE}/flows/small").json()["version"] == 2
    draft = save(supervisor, SMALL.replace("ventas", "borrador"), activate=False)
    assert (draft["version"], draft["active"]) == (3, False)
    assert supervisor.get(f"{BASE}/flows/small").json()["version"] == 2


def test_a_call_stays_on_the_version_it_started_on(supervisor, pbx, center):
    save(supervisor, SMALL)
    started = pbx.post(
        f"{BASE}/sessions", {"flow": "small", "call_id": "c1"}, content_type="application/json"
    ).json()
    assert started["step"]["text"] == "Marque 1 para ventas"
    save(supervisor, SMALL.replace("1: sales", "1: sales\n      2: sales"))
    answer = pbx.post(
        f"{BASE}/sessions/{started['session_id']}/input",
        {"digits": "2"},
        content_type="application/json",
    ).json()
    assert answer["flow_version"] == 1 and answer["step"]["node"] == "menu"  # 2 is not on v1
    fresh = pbx.post(
        f"{BASE}/sessions", {"flow": "small", "call_id": "c2"}, content_type="application/json"
    ).json()
    assert fresh["flow_version"] == 2
    back = supervisor.post(f"{BASE}/flows/small/versions/1/activate")
    assert back.status_code == 200 and back.json()["active"] is True
    assert IvrFlow.objects.get(name="small", active=True).version == 1
    assert supervisor.post(f"{BASE}/flows/small/versions/9/activate").status_code == 404


def test_a_broken_flow_is_refused_with_every_problem_and_nothing_kept(supervisor, center):
    text = SMALL.replace("1: sales", "1: salez\n      '1': sales").replace(
        '{es: "Marque 1 para ventas", en: "Press 1 for sales"}', '{es: "Marque 1"}'
    )
    refused = save(supervisor, text, status=422)
    assert refused["field"] == "yaml" and refused["code"] == "ivr_flow_invalid"
    assert "node menu, field prompt.en" in refused["detail"]
    assert "node menu, field choices.1" in refused["detail"]
    assert "key 1 is used twice" in refused["detail"]
    assert not IvrFlow.objects.exists()


def test_a_flow_routing_to_a_queue_or_asking_a_question_the_center_lacks(supervisor, center):
    refused = save(supervisor, SMALL.replace("queue: general", "queue: ventas"), status=422)
    assert refused["detail"] == "yaml: node sales, field queue: there is no queue 'ventas'"
    bank = (EXAMPLES / "bank.yaml").read_text(encoding="utf-8")
    refused = save(supervisor, bank, status=422)  # its queues are not set up in this center
    assert "node fraud, field queue: there is no queue 'fraud'" in refused["detail"]
    asks = SMALL.replace("1: sales", "1: ask").replace(
        "  sales:\n", "  ask:\n    kind: lookup\n    question: weather\n    next: sales\n  sales:\n"
    )
    refused = save(supervisor, asks, status=422)
    assert (
        "node ask, field question: the contact center does not answer 'weather'"
        in (refused["detail"])
    )
    assert not IvrFlow.objects.exists()


def test_seeding_the_examples_creates_their_queues_and_is_repeatable(center):
    rows = ivr.seed_examples(ACTOR, create_queues=True)
    assert [(r.name, r.version, r.active) for r in rows] == [
        ("bank", 1, True),
        ("telecom", 1, True),
    ]
    again = ivr.seed_examples(ACTOR, create_queues=True)
    assert [r.pk for r in again] == [r.pk for r in rows]
    assert not IvrSession.objects.exists()


def test_only_supervisors_manage_flows(token_client, center):
    agent = token_client("agent", ("contactcenter:handle",))
    assert (
        agent.post(f"{BASE}/flows", {"yaml": SMALL}, content_type="application/json").status_code
        == 403
    )
    assert agent.get(f"{BASE}/flows/small").status_code == 403


def test_the_demo_center_has_the_example_flows_on_its_own_queues(db):
    from lealtad.contactcenter import demo

    demo.ensure_center(agent_count=2)
    demo.ensure_center(agent_count=2)  # a second run keeps the same versions
    active = sorted((r.name, r.version) for r in IvrFlow.objects.filter(active=True))
    assert active == [("bank", 1), ("telecom", 1)]
