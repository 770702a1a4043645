"""POST /api/v1/contactcenter/cti/events: what a PBX sends and what it gets back."""

from __future__ import annotations

import pytest

from lealtad.contactcenter.choices import ContactStatus
from lealtad.contactcenter.models import CenterEvent, Contact
from lealtad.contactcenter.services import agents, setup

from .conftest import ACTOR

URL = "/api/v1/contactcenter/cti/events"
BASE = {"switch_id": "asterisk-1", "epoch": 0, "at": "2026-03-02T09:30:00-05:00"}


@pytest.fixture
def pbx(token_client, center):
    ana = center["ana"]
    setup.save_agent(
        ana.name, skills={"general": 8, "billing": 7}, extension="201", agent_id=ana.pk
    )
    agents.log_in(ana.pk, ACTOR)
    return token_client("api_client", scopes=("telephony:write",))


def post(client, body):
    return client.post(URL, data=body, content_type="application/json")


def test_a_pbx_posts_a_call_one_event_or_a_batch(pbx):
    offered = {
        **BASE,
        "type": "call.offered",
        "call_ref": "1733.7",
        "seq": 1,
        "caller_id": "+593991112233",
        "queue": "billing",
    }
    one = post(pbx, offered)
    assert one.status_code == 200
    body = one.json()
    assert body["applied"] == 1 and body["results"][0]["status"] == "applied"
    contact_id = body["results"][0]["contact_id"]
    rest = [
        {**BASE, "type": "call.answered", "call_ref": "1733.7", "seq": 2, "agent": "201"},
        {**BASE, "type": "call.released", "call_ref": "1733.7", "seq": 3, "by": "caller"},
    ]
    batch = post(pbx, {"events": [*rest, offered]}).json()
    assert [r["status"] for r in batch["results"]] == ["applied", "applied", "duplicate"]
    assert (batch["applied"], batch["duplicate"]) == (2, 1)
    assert Contact.objects.get(pk=contact_id).status == ContactStatus.WRAP_UP


def test_each_bad_event_is_refused_on_its_own_naming_the_field(pbx):
    journal = CenterEvent.objects.count()
    body = post(
        pbx,
        [
            {
                **BASE,
                "type": "call.offered",
                "call_ref": "x",
                "seq": 1,
                "queue": "general",
                "colour": "blue",
            },
            {**BASE, "type": "call.answered", "call_ref": "never-seen", "seq": 4, "agent": "201"},
            {
                **BASE,
                "type": "call.offered",
                "call_ref": "y",
                "seq": 1,
                "queue": "general",
                "at": "2026-03-02T09:30:00",
            },
            {**BASE, "type": "call.offered", "call_ref": "z", "seq": 1, "queue": "general"},
        ],
    ).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["refused", "refused", "refused", "applied"]
    errors = [r.get("error", {}) for r in body["results"]]
    assert (errors[0]["code"], errors[0]["field"]) == ("invalid_event", "colour")
    assert (errors[1]["code"], errors[1]["field"]) == ("unknown_call", "call_ref")
    assert errors[2]["field"] == "at" and "time zone" in errors[2]["message"]
    assert body["results"][1]["call_ref"] == "never-seen"
    assert CenterEvent.objects.count() == journal + 1  # only the good call arrived


def test_the_body_must_be_events(pbx):
    assert pbx.post(URL, data="{", content_type="application/json").status_code == 400
    assert post(pbx, []).status_code == 400


def test_only_a_telephony_token_may_post(token_client, center):
    reader = token_client("agent", scopes=("customers:read",))
    event = {**BASE, "type": "switch.restarted"}
    assert post(reader, event).status_code == 403
