"""The dialer's API as a supervisor uses it: create a list, fill it, start it, read it; an
agent's token may not; bad input answers 422 naming the field and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.contactcenter.models import CallList, CallListEntry, DoNotCallNumber

BASE = "/api/v1/contactcenter/dialer"


@pytest.fixture
def supervisor(token_client: Any) -> Any:
    return token_client("supervisor", ("contactcenter:supervise",))


def post(client: Any, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    answer = client.post(f"{BASE}{path}", body, content_type="application/json")
    assert answer.status_code == status, answer.content
    return answer.json()


def test_a_supervisor_builds_starts_and_reads_a_list(supervisor, center, make_customer):
    a, b = make_customer(), make_customer()
    made = post(
        supervisor,
        "/lists",
        {"name": "renew", "queue": "general", "mode": "progressive", "hours": {"sunday": None}},
        201,
    )
    assert (made["status"], made["queue"], made["entries"]) == ("draft", "general", {})
    assert post(supervisor, "/lists/renew/csv", {"csv": f"customer_id\n{a.pk}\n{b.pk}\n"}) == {
        "added": 2
    }
    assert post(supervisor, "/lists/renew/start", {})["status"] == "running"
    read = supervisor.get(f"{BASE}/lists/renew").json()
    assert read["entries"] == {"pending": 2}
    assert read["abandon_rate"] == 0.0
    rows = supervisor.get(f"{BASE}/lists/renew/entries?status=pending").json()
    assert [r["customer_id"] for r in rows] == [a.pk, b.pk]
    assert [found["name"] for found in supervisor.get(f"{BASE}/lists").json()] == ["renew"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "robocall"}, "mode"),
        ({"hours": {"monday": "late"}}, "hours.monday"),
        ({"queue": "nowhere"}, "queue"),
        ({"abandon_cap": 0.5}, "abandon_cap"),
    ],
)
def test_bad_lists_answer_422_or_404_naming_the_field(supervisor, center, body, field):
    answer = supervisor.post(
        f"{BASE}/lists",
        {"name": "x", "queue": "general", "mode": "preview", **body},
        content_type="application/json",
    )
    assert answer.status_code in (404, 422)
    assert field in answer.content.decode()
    assert not CallList.objects.exists()


def test_a_bad_csv_row_is_named(supervisor, center):
    post(supervisor, "/lists", {"name": "x", "queue": "general", "mode": "preview"}, 201)
    answer = supervisor.post(
        f"{BASE}/lists/x/csv", {"csv": "customer_id\nabc\n"}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "row 2"
    assert not CallListEntry.objects.exists()


def test_unknown_list_is_404(supervisor, center):
    assert supervisor.get(f"{BASE}/lists/nope").status_code == 404
    assert supervisor.post(f"{BASE}/lists/nope/start").status_code == 404


def test_do_not_call_numbers(supervisor, db):
    assert post(supervisor, "/do-not-call", {"numbers": ["0993757370"], "source": "registry"}) == {
        "added": 1
    }
    assert DoNotCallNumber.objects.get().e164 == "+593993757370"


def test_an_agent_may_not_run_the_dialer(token_client, center):
    agent = token_client("agent", ("contactcenter:handle",))
    assert agent.get(f"{BASE}/lists").status_code == 403
    answer = agent.post(
        f"{BASE}/lists",
        {"name": "x", "queue": "general", "mode": "preview"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not CallList.objects.exists()


def test_an_agent_previews_and_decides(make_user, center, make_customer):
    from django.test import Client

    from lealtad.contactcenter.services import agents, dialer, setup
    from lealtad.core import tokens
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import ConsentIn

    from .conftest import ACTOR

    user = make_user("agent")
    ana = setup.save_agent("Ana", user=user, skills={"general": 5})
    agents.log_in(ana.pk, ACTOR)
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(user, 't', ['contactcenter:handle'])}"
    )
    person = make_customer()
    grant = ConsentIn(
        channel="phone",
        purpose="marketing",
        granted=True,
        proof="signed_form",
        proof_reference="F-9",
    )
    customer_services.record_consent(person, grant, customer_services.ChangeContext(ACTOR))
    dialer.create_list(
        "look",
        "general",
        "preview",
        ACTOR,
        hours={day: "00:00-23:59" for day in ("weekdays", "saturday", "sunday")},
    )
    dialer.add_from_csv("look", f"customer_id\n{person.pk}\n", ACTOR)
    dialer.move_list("look", "start", ACTOR)

    shown = post(client, "/lists/look/preview", {})
    assert (shown["customer_id"], shown["status"]) == (person.pk, "previewing")
    assert shown["customer_name"]
    decision = f"/entries/{shown['id']}/decision"
    no_dialer = client.post(f"{BASE}{decision}", {"accept": True}, content_type="application/json")
    assert no_dialer.status_code == 409  # nothing dials when no dialer runs
    rejected = post(client, decision, {"accept": False})
    assert (rejected["status"], rejected["last_result"]) == ("pending", "rejected")
    assert client.post(f"{BASE}/lists/look/preview").status_code == 204
