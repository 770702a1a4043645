"""The campaign and suppression pages: a marketer creates a campaign, writes its templates,
previews it as a customer, launches it and follows its progress; a supervisor only reads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lealtad.marketing.models import Campaign, Suppression
from lealtad.marketing.services import send_job
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import person, segment, smtp_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(make_user, role: str = "marketer") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def test_a_marketer_creates_writes_previews_launches_and_follows(make_user, smtp):
    no_quiet_hours()
    web = signed_in(make_user)
    ana = person("ana@correo.ec", "Ana")
    seg = segment([ana])
    assert web.get("/marketing/campaigns/").status_code == 200
    form = web.get("/marketing/campaigns/new/")
    assert b"Todos" in form.content
    made = web.post(
        "/marketing/campaigns/new/",
        {"name": "Navidad", "segment_id": seg, "channels": ["email"], "control_share": "0"},
    )
    campaign = Campaign.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/marketing/campaigns/{campaign.pk}/"
    page = web.get(made["Location"])
    assert b'id="template-email-es"' in page.content
    saved = web.post(
        f"/marketing/campaigns/{campaign.pk}/templates/",
        {
            "channel": "email",
            "language": "es",
            "subject": "Hola {{ first_name }}",
            "text_body": "Feliz Navidad, {{ first_name }}",
        },
    )
    assert saved.status_code == 302
    shown = web.get(
        f"/marketing/campaigns/{campaign.pk}/preview/?customer_id={ana}&channel=email&language=es"
    )
    assert b"Hola Ana" in shown.content and b"Feliz Navidad, Ana" in shown.content
    web.post(f"/marketing/campaigns/{campaign.pk}/launch/")
    campaign.refresh_from_db()
    assert campaign.status == "running"
    polled = web.get(f"/marketing/campaigns/{campaign.pk}/progress/")
    assert b'hx-trigger="every 2s"' in polled.content and b"0 of 1" in polled.content
    send_job.run(campaign.pk)
    done = web.get(f"/marketing/campaigns/{campaign.pk}/progress/")
    assert b"1 of 1" in done.content and b"hx-trigger" not in done.content  # done: no polling
    assert smtp.to("ana@correo.ec")[0]["Subject"] == "Hola Ana"


def test_a_bad_template_is_refused_on_the_page_naming_the_placeholder(make_user):
    web = signed_in(make_user)
    seg = segment([person("a@correo.ec")])
    web.post("/marketing/campaigns/new/", {"name": "X", "segment_id": seg, "channels": ["email"]})
    campaign = Campaign.objects.get()
    refused = web.post(
        f"/marketing/campaigns/{campaign.pk}/templates/",
        {"channel": "email", "language": "es", "subject": "Hola", "text_body": "{{ nombre }}"},
    )
    assert refused.status_code == 422 and b"nombre" in refused.content
    bad = web.post(
        "/marketing/campaigns/new/", {"name": "", "segment_id": seg, "channels": ["email"]}
    )
    assert bad.status_code == 422 and b'id="campaign-refusal"' in bad.content


def test_suppressions_page_adds_imports_and_lifts(make_user):
    web = signed_in(make_user)
    web.post(
        "/marketing/suppressions/add/",
        {"channel": "email", "address": "A@b.ec", "reason": "manual"},
    )
    upload = SimpleUploadedFile("l.csv", b"channel,address\nemail,c@d.ec\n", "text/csv")
    web.post("/marketing/suppressions/import/", {"file": upload})
    page = web.get("/marketing/suppressions/")
    assert b"a@b.ec" in page.content and b"c@d.ec" in page.content
    web.post(f"/marketing/suppressions/{Suppression.objects.get(address='a@b.ec').pk}/remove/")
    assert list(Suppression.objects.values_list("address", flat=True)) == ["c@d.ec"]


def test_a_supervisor_reads_but_cannot_launch(make_user):
    web = signed_in(make_user, "supervisor")
    assert web.get("/marketing/campaigns/").status_code == 200
    assert web.get("/marketing/campaigns/new/").status_code == 403
    assert (
        web.post(
            "/marketing/suppressions/add/", {"channel": "email", "address": "a@b.ec"}
        ).status_code
        == 403
    )
