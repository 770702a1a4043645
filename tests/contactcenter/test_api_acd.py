"""The contact center API as agents, supervisors and a PBX's token use it."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.contactcenter.models import Contact
from lealtad.contactcenter.services import setup
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.core import tokens

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(center, make_user):
    agent_user, other_user = make_user("agent"), make_user("agent")
    setup.save_agent("Ana", agent_id=center["ana"].pk, skills={"general": 8, "billing": 7})
    center["ana"].user = agent_user
    center["ana"].save(update_fields=["user"])
    center["luis"].user = other_user
    center["luis"].save(update_fields=["user"])
    pbx_user = make_user("api_client")
    key = tokens.create_token(pbx_user, "pbx", ["telephony:write"])
    return {
        "ana": _signed_in(agent_user),
        "luis": _signed_in(other_user),
        "boss": _signed_in(make_user("supervisor")),
        "clerk": _signed_in(make_user("store_clerk")),
        "pbx": Client(HTTP_AUTHORIZATION=f"Bearer {key}"),
    }


def _post(client: Client, path: str, body: dict | None = None):
    return client.post(f"/api/v1/contactcenter/{path}", body or {}, content_type="application/json")


def test_an_agent_takes_a_call_from_the_pbx_to_wrap_up(center, people):
    ana_id = center["ana"].pk
    assert _post(people["ana"], f"agents/{ana_id}/login").json()["state"] == "available"
    arrived = _post(people["pbx"], "contacts", {"queue": "general", "caller_id": "0991112233"})
    assert arrived.status_code == 201
    contact_id = arrived.json()["id"]
    RouterRuntime().step()
    me = people["ana"].get("/api/v1/contactcenter/me").json()
    assert [c["id"] for c in me["contacts"]] == [contact_id]
    assert _post(people["ana"], f"contacts/{contact_id}/answer").json()["status"] == "handling"
    assert _post(people["ana"], f"contacts/{contact_id}/hold").json()["status"] == "held"
    assert _post(people["ana"], f"contacts/{contact_id}/retrieve").json()["status"] == "handling"
    done = _post(
        people["ana"],
        f"contacts/{contact_id}/wrap-up",
        {"code": "billing", "outcome": "commitment", "follow_up_on": "2026-12-10"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert Contact.objects.get(pk=contact_id).follow_up_on.isoformat() == "2026-12-10"


def test_agents_act_only_for_themselves_and_on_their_own_contacts(center, people):
    ana_id, luis_id = center["ana"].pk, center["luis"].pk
    assert _post(people["luis"], f"agents/{ana_id}/login").status_code == 403
    assert _post(people["boss"], f"agents/{ana_id}/login").status_code == 200
    contact_id = _post(people["pbx"], "contacts", {"queue": "billing"}).json()["id"]
    RouterRuntime().step()
    assert _post(people["luis"], f"contacts/{contact_id}/answer").status_code == 403
    assert people["luis"].get(f"/api/v1/contactcenter/contacts/{contact_id}").status_code == 403
    assert _post(people["clerk"], f"agents/{luis_id}/login").status_code == 403
    assert _post(people["ana"], "contacts", {"queue": "general"}).status_code == 403  # no PBX


def test_bad_input_is_refused_with_the_field_and_writes_nothing(center, people):
    assert (
        _post(people["pbx"], "contacts", {"queue": "general", "medium": "fax"}).status_code == 422
    )
    assert _post(people["pbx"], "contacts", {"queue": "nowhere"}).status_code == 404
    bad_state = _post(people["boss"], f"agents/{center['ana'].pk}/state", {"state": "talking"})
    assert bad_state.status_code == 422
    answer = _post(people["boss"], "contacts/999999/answer")
    assert answer.status_code == 404
    assert Contact.objects.count() == 0
    again = {"queue": "general", "source": "pbx1", "external_ref": "c-1"}
    first = _post(people["pbx"], "contacts", again).json()["id"]
    assert _post(people["pbx"], "contacts", again).json()["id"] == first
    assert Contact.objects.count() == 1
