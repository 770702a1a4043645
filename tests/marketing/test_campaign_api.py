"""The campaigns, suppressions and contact-policy API: who may call it, what it answers and
how bad input is refused (naming the field, nothing written)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lealtad.marketing.models import Campaign, Message, MessageTemplate, Suppression
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import person, segment, smtp_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
MANAGE = ("marketing:read", "marketing:manage", "customers:read")


def body(segment_id: int, **more) -> dict:
    return {"name": "Verano", "segment_id": segment_id, "channels": ["email"], **more}


TEMPLATES = [
    {
        "channel": "email",
        "language": "es",
        "subject": "Hola {{ first_name }}",
        "text_body": "Hola {{ first_name }}",
        "html_body": "<p>Hola {{ first_name }}</p>",
    },
]


def test_create_preview_test_send_launch_and_follow_a_campaign(token_client, smtp):
    no_quiet_hours()
    api = token_client("marketer", MANAGE)
    ana = person("ana@correo.ec", "Ana")
    made = api.post(
        "/api/v1/marketing/campaigns", [body(segment([ana]))], content_type="application/json"
    )
    assert made.status_code == 200, made.content
    cid = made.json()[0]["id"]
    saved = api.put(
        f"/api/v1/marketing/campaigns/{cid}/templates", TEMPLATES, content_type="application/json"
    )
    assert saved.status_code == 200, saved.content
    shown = api.get(f"/api/v1/marketing/campaigns/{cid}/preview?customer_id={ana}&language=es")
    assert shown.json()["subject"] == "Hola Ana" and shown.json()["consent"] is True
    tested = api.post(
        f"/api/v1/marketing/campaigns/{cid}/test-send",
        {"to": "revisor@tienda.ec", "customer_id": ana},
        content_type="application/json",
    )
    assert tested.status_code == 200, tested.content
    assert smtp.received[0]["Subject"] == "[TEST] Hola Ana"
    assert not Message.objects.exists()  # a test send records nothing
    launched = api.post(f"/api/v1/marketing/campaigns/{cid}/launch")
    assert launched.json()["status"] == "running"
    assert launched.json()["progress"]["total"] == 1
    paused = api.post(f"/api/v1/marketing/campaigns/{cid}/pause")
    assert paused.json()["status"] == "paused"
    assert api.post(f"/api/v1/marketing/campaigns/{cid}/pause").status_code == 200  # repeat
    assert api.post(f"/api/v1/marketing/campaigns/{cid}/resume").json()["status"] == "running"
    progress = api.get(f"/api/v1/marketing/campaigns/{cid}/progress").json()
    assert progress["by_status"]["planned"] == 1 and progress["percent"] == 0.0
    assert api.post(f"/api/v1/marketing/campaigns/{cid}/cancel").json()["status"] == "cancelled"
    refused = api.post(f"/api/v1/marketing/campaigns/{cid}/resume")
    assert refused.status_code == 409


def test_bad_input_names_the_field_and_writes_nothing(token_client):
    api = token_client("marketer", MANAGE)
    seg = segment([person("a@correo.ec")])
    unknown = api.post(
        "/api/v1/marketing/campaigns",
        [body(seg), body(seg + 99)],
        content_type="application/json",
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "campaigns[1].segment_id"
    channel = api.post(
        "/api/v1/marketing/campaigns",
        [body(seg, channels=["fax"])],
        content_type="application/json",
    )
    assert channel.status_code == 422  # the schema lists the channels
    assert channel.json()["detail"][0]["loc"][-3:] == [0, "channels", 0]
    assert not Campaign.objects.exists()
    cid = api.post(
        "/api/v1/marketing/campaigns", [body(seg)], content_type="application/json"
    ).json()[0]["id"]
    typo = [*TEMPLATES, {**TEMPLATES[0], "language": "en", "html_body": "<p>{{ frist_name }}</p>"}]
    bad = api.put(
        f"/api/v1/marketing/campaigns/{cid}/templates", typo, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["field"] == "templates[1].html_body"
    assert "frist_name" in bad.json()["message"]
    syntax = [{**TEMPLATES[0], "text_body": "Hola {% if x %}"}]
    assert (
        api.put(
            f"/api/v1/marketing/campaigns/{cid}/templates", syntax, content_type="application/json"
        ).json()["field"]
        == "text_body"
    )
    assert not MessageTemplate.objects.exists()
    no_template = api.post(f"/api/v1/marketing/campaigns/{cid}/launch")
    assert no_template.status_code == 422 and no_template.json()["field"] == "templates"


def test_only_managers_change_campaigns(token_client):
    reader = token_client("supervisor", ("marketing:read",))
    seg = segment([person("a@correo.ec")])
    assert reader.get("/api/v1/marketing/campaigns").status_code == 200
    denied = reader.post(
        "/api/v1/marketing/campaigns", [body(seg)], content_type="application/json"
    )
    assert denied.status_code == 403
    assert (
        reader.put(
            "/api/v1/marketing/contact-policy",
            {"max_messages": 1, "per_days": 1, "quiet_from": "22:00", "quiet_until": "07:00"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_suppressions_add_import_list_and_remove(token_client):
    api = token_client("marketer", MANAGE)
    added = api.post(
        "/api/v1/marketing/suppressions",
        [
            {"channel": "email", "address": "X@Correo.ec"},
            {"channel": "sms", "address": "+593991234567"},
        ],
        content_type="application/json",
    )
    assert added.json() == {"added": 2, "rows": 2}
    csv = b"channel,address,reason\nemail,x@correo.ec,bounce\nemail,y@correo.ec,complaint\n"
    imported = api.post(
        "/api/v1/marketing/suppressions/import",
        {"file": SimpleUploadedFile("lista.csv", csv, "text/csv")},
    )
    assert imported.json() == {"added": 1, "rows": 2}  # x@ was there already
    bad = api.post(
        "/api/v1/marketing/suppressions/import",
        {"file": SimpleUploadedFile("l.csv", b"channel,address\nemail,no-arroba\n", "text/csv")},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "rows[0].address"
    listed = api.get("/api/v1/marketing/suppressions?channel=email").json()
    assert {r["address"] for r in listed} == {"x@correo.ec", "y@correo.ec"}
    gone = api.delete(f"/api/v1/marketing/suppressions/{listed[0]['id']}")
    assert gone.json() == {"removed": 1}
    assert Suppression.objects.count() == 2


def test_the_contact_policy_is_read_and_changed(token_client):
    api = token_client("marketer", MANAGE)
    assert api.get("/api/v1/marketing/contact-policy").json()["max_messages"] == 3
    put = api.put(
        "/api/v1/marketing/contact-policy",
        {
            "max_messages": 2,
            "per_days": 5,
            "quiet_from": "20:00",
            "quiet_until": "09:00",
            "default_zone": "Pacific/Galapagos",
        },
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["per_days"] == 5
    bad = api.put(
        "/api/v1/marketing/contact-policy",
        {
            "max_messages": 2,
            "per_days": 5,
            "quiet_from": "20:00",
            "quiet_until": "09:00",
            "default_zone": "Mars/Olympus",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "default_zone"
