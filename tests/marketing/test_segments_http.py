"""Segments over HTTP: the API (capabilities and scopes, refusals by path, paging, import,
pick, rebuild) and the pages (list, builder edits by htmx, live count, save, import)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import CustomerProfile
from lealtad.marketing.models import Segment, SegmentMember
from lealtad.marketing.services import audience

pytestmark = pytest.mark.django_db
T = Actor.system("test")
BASE = "/api/v1/marketing/segments"


def person(name: str, email: str) -> int:
    ctx = customers.ChangeContext(actor=T, channel="test")
    return int(
        customers.create_customer(
            CustomerProfile(given_names=name), CustomerRef(email=email), ctx
        ).pk
    )


@pytest.fixture
def base() -> list[int]:
    ids = [person(f"P{i}", f"p{i}@x.ec") for i in range(5)]
    audience.rebuild()
    return ids


def test_the_api_creates_counts_pages_and_rebuilds(token_client, base) -> None:
    api = token_client("marketer", ("marketing:manage",))
    rule = {"all": [{"field": "has_email", "op": "eq", "value": True}]}
    assert api.post(f"{BASE}/count", {"rule": rule}, content_type="application/json").json() == {
        "count": 5
    }
    made = api.post(BASE, {"name": "Con correo", "rule": rule}, content_type="application/json")
    assert made.status_code == 201 and made.json()["member_count"] == 5
    sid = made.json()["id"]
    page = api.get(f"{BASE}/{sid}/members?limit=2").json()
    assert [m["customer_id"] for m in page["members"]] == base[:2]
    rest = api.get(f"{BASE}/{sid}/members?limit=10&after={page['next_after']}").json()
    assert [m["customer_id"] for m in rest["members"]] == base[2:] and rest["next_after"] is None
    assert api.post(f"{BASE}/{sid}/rebuild").json() == {
        "segment_id": sid,
        "entered": 0,
        "left": 0,
        "members": 5,
    }
    assert len(api.get(f"{BASE}/{sid}/history").json()) == 5
    assert [s["name"] for s in api.get(BASE).json()] == ["Con correo"]
    changed = api.put(
        f"{BASE}/{sid}",
        {"name": "Nadie", "rule": {"field": "orders_count", "op": "gt", "value": 0}},
        content_type="application/json",
    )
    assert changed.json()["member_count"] == 0
    assert api.delete(f"{BASE}/{sid}").status_code == 204
    assert api.get(f"{BASE}/{sid}").status_code == 404


def test_the_api_refuses_a_bad_rule_by_path_and_writes_nothing(token_client, base) -> None:
    api = token_client("marketer", ("marketing:manage",))
    bad = {
        "all": [
            {"field": "has_email", "op": "eq", "value": True},
            {"field": "age", "op": "gte", "value": "old"},
        ]
    }
    answer = api.post(BASE, {"name": "X", "rule": bad}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["field"] == "segments[0].rule.all[1].value"
    counted = api.post(f"{BASE}/count", {"rule": bad}, content_type="application/json")
    assert counted.status_code == 422 and counted.json()["field"] == "rule.all[1].value"
    assert Segment.objects.count() == 0


def test_reading_needs_marketing_read_and_writing_marketing_manage(token_client, base) -> None:
    reader = token_client("marketer", ("marketing:read",))
    assert reader.get(BASE).status_code == 200
    assert reader.post(BASE, {"name": "X"}, content_type="application/json").status_code == 403
    agent = token_client("agent", ("customers:read",))
    assert agent.get(BASE).status_code == 403


def test_the_api_imports_and_picks_a_static_list(token_client, base) -> None:
    api = token_client("marketer", ("marketing:manage",))
    sid = api.post(
        BASE, {"name": "Feria", "kind": "static"}, content_type="application/json"
    ).json()["id"]
    bad = SimpleUploadedFile("l.csv", b"email\np0@x.ec\nnobody@x.ec\n", content_type="text/csv")
    refused = api.post(f"{BASE}/{sid}/import", {"file": bad})
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["line"] == 3
    assert SegmentMember.objects.filter(segment_id=sid).count() == 0
    good = SimpleUploadedFile("l.csv", b"email\np0@x.ec\nP1@X.EC\n", content_type="text/csv")
    assert api.post(f"{BASE}/{sid}/import", {"file": good}).json()["members"] == 2
    picked = api.post(
        f"{BASE}/{sid}/members",
        {"add": [base[4]], "remove": [base[0]]},
        content_type="application/json",
    )
    assert picked.json() == {"added": 1, "removed": 1, "members": 2}


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def test_the_builder_adds_groups_and_counts_live(make_user, base) -> None:
    page = signed_in(make_user, "marketer")
    assert page.get("/marketing/segments/new").status_code == 200
    drawn = page.post("/marketing/segments/builder", {"g-0-mode": "all", "action": "add:0"})
    assert 'name="c-0.0-field"' in drawn.content.decode()
    drawn = page.post(
        "/marketing/segments/builder",
        {
            "g-0-mode": "all",
            "c-0.0-field": "has_email",
            "c-0.0-op": "eq",
            "c-0.0-value": "yes",
            "action": "group:0",
        },
    )
    html = drawn.content.decode()
    assert 'name="g-0.1-mode"' in html and 'name="c-0.1.0-field"' in html
    form = {
        "g-0-mode": "all",
        "c-0.0-field": "has_email",
        "c-0.0-op": "eq",
        "c-0.0-value": "yes",
        "g-0.1-mode": "any",
        "c-0.1.0-field": "orders_count",
        "c-0.1.0-op": "gte",
        "c-0.1.0-value": "0",
    }
    counted = page.post("/marketing/segments/count", form).content.decode()
    assert 'id="count-value">5<' in counted
    wrong = page.post(
        "/marketing/segments/count", form | {"c-0.1.0-value": "many"}
    ).content.decode()
    assert "rule.all[1].any[0].value" in wrong
    saved = page.post(
        "/marketing/segments/new", form | {"name": "Todos con correo", "kind": "dynamic"}
    )
    assert saved.status_code == 302
    segment = Segment.objects.get(name="Todos con correo")
    assert segment.member_count == 5
    shown = page.get(f"/marketing/segments/{segment.pk}/").content.decode()
    assert 'value="yes"' in shown and 'id="members"' in shown and 'id="history"' in shown
    listed = page.get("/marketing/segments/").content.decode()
    assert "Todos con correo" in listed


def test_a_tier_condition_suggests_the_tiers_in_words(make_user, base) -> None:
    page = signed_in(make_user, "marketer")
    form = {"g-0-mode": "all", "c-0.0-field": "value_tier", "c-0.0-op": "in", "c-0.0-value": ""}
    html = page.post("/marketing/segments/builder", form).content.decode()
    assert 'list="c-0.0-choices"' in html
    assert '<option value="mvc">Most valuable</option>' in html
    assert "below_zero = Below zero" in html
    count = page.post("/marketing/segments/count", {**form, "c-0.0-value": "mvc, mgc"})
    assert count.status_code == 200 and "allowed values" not in count.content.decode()
    wrong = page.post("/marketing/segments/count", {**form, "c-0.0-value": "gold"})
    assert "allowed values" in wrong.content.decode()


def test_a_supervisor_reads_but_cannot_save_and_an_agent_cannot_see(make_user, base) -> None:
    supervisor = signed_in(make_user, "supervisor")
    assert supervisor.get("/marketing/segments/").status_code == 200
    assert supervisor.post("/marketing/segments/new", {"name": "X"}).status_code == 403
    agent = signed_in(make_user, "agent")
    assert agent.get("/marketing/segments/").status_code == 403


def test_the_import_page_reports_the_bad_line(make_user, base) -> None:
    page = signed_in(make_user, "marketer")
    page.post("/marketing/segments/new", {"name": "Lista", "kind": "static"})
    sid = Segment.objects.get(name="Lista").pk
    bad = SimpleUploadedFile("l.csv", b"email\nnobody@x.ec\n", content_type="text/csv")
    shown = page.post(
        f"/marketing/segments/{sid}/import", {"file": bad}, follow=True
    ).content.decode()
    assert "rows[2].email" in shown
    good = SimpleUploadedFile("l.csv", b"email\np3@x.ec\n", content_type="text/csv")
    shown = page.post(
        f"/marketing/segments/{sid}/import", {"file": good}, follow=True
    ).content.decode()
    assert "1 added" in shown
