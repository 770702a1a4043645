"""The data-quality page: listed for roles that edit customers, filtered by field and channel,
an issue fixed from the page (validated, applied, audited) or dismissed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lealtad.channels.services import ingest
from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry
from lealtad.customers.models import Customer, DataQualityIssue

from .conftest import event

pytestmark = pytest.mark.django_db


def signed_in(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def odd() -> dict[str, DataQualityIssue]:
    """Rosa from the web with a future birth date and a bad extra email; Luis from the store
    with a mobile in a range libphonenumber does not list."""
    ingest(
        [
            event(
                "web-1",
                "customer.upserted",
                "web",
                "2026-11-02T10:00:00-05:00",
                {"email": "rosa@example.ec", "name": "Rosa Quishpe Guamán"},
                {"birth_date": "2999-01-01", "emails": ["rosa@@example"]},
            ),
            event(
                "pos-1",
                "interaction.recorded",
                "pos",
                "2026-11-02T11:00:00-05:00",
                {"phone": "0944255366", "name": "Luis Tipán"},
                {"subject": "Compra"},
            ),
        ],
        Actor.system("test"),
    )
    return {i.field: i for i in DataQualityIssue.objects.all()}


def test_the_page_lists_open_issues_and_filters_them(agent, odd) -> None:
    client = signed_in(agent)
    home = client.get(reverse("customers:search")).content.decode()
    assert reverse("customers:quality") in home  # in the navigation
    page = client.get(reverse("customers:quality"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "3 open issues" in text
    for raw in ("2999-01-01", "rosa@@example", "+593944255366"):
        assert raw in text
    web_only = client.get(reverse("customers:quality"), {"channel": "web"}).content.decode()
    assert "2 open issues" in web_only and "+593944255366" not in web_only
    phones = client.get(reverse("customers:quality"), {"field": "phone"}).content.decode()
    assert "1 open issue" in phones and "kept, flagged" in phones


def test_a_clerk_does_not_see_the_page(clerk, odd) -> None:
    client = signed_in(clerk)
    assert (
        reverse("customers:quality") not in client.get(reverse("customers:search")).content.decode()
    )
    assert client.get(reverse("customers:quality")).status_code == 403


def test_fix_from_the_page_validates_applies_and_audits(agent, odd) -> None:
    client = signed_in(agent)
    issue = odd["birth_date"]
    url = reverse("customers:quality_fix", args=[issue.pk])

    refused = client.post(url, {"value": "30/02/1980", "field": "birth_date"}, follow=True)
    assert "Not corrected: birth_date" in refused.content.decode()
    assert Customer.objects.get(pk=issue.customer_id).birth_date is None

    done = client.post(url, {"value": "14/02/1985", "field": "birth_date"})
    assert done.status_code == 302 and done["Location"].endswith("?field=birth_date")
    assert str(Customer.objects.get(pk=issue.customer_id).birth_date) == "1985-02-14"
    issue.refresh_from_db()
    assert (issue.status, issue.decided_by) == ("fixed", agent.username)
    entry = AuditEntry.objects.get(action="fix_data_quality")
    assert entry.actor_label == agent.username and entry.customer_id == issue.customer_id


def test_dismiss_from_the_page_in_spanish(agent, odd) -> None:
    client = signed_in(agent, "es")
    issue = odd["phone"]
    page = client.get(reverse("customers:quality")).content.decode()
    assert "Calidad de datos" in page
    response = client.post(reverse("customers:quality_dismiss", args=[issue.pk]), follow=True)
    assert "Descartado" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == "dismissed"
    assert AuditEntry.objects.filter(action="dismiss_data_quality").count() == 1
    assert "2 incidencias abiertas" in client.get(reverse("customers:quality")).content.decode()


def test_a_form_takes_a_possible_number_and_lists_it_for_review(agent, odd) -> None:
    client = signed_in(agent)
    rosa = odd["birth_date"].customer_id
    url = reverse("customers:add_phone", args=[rosa])
    refused = client.post(url, {"number": "099 ABC 7370", "kind": "mobile"})
    assert refused.status_code == 200 and "Not a valid phone number." in refused.content.decode()
    saved = client.post(url, {"number": "(092) 2636145", "kind": "mobile"})
    assert saved.status_code == 302
    phone = Customer.objects.get(pk=rosa).phones.get()
    assert (phone.e164, phone.validity) == ("+593922636145", "unassigned_range")
    assert DataQualityIssue.objects.filter(customer_id=rosa, field="phone", kind="flagged").exists()
    detail = client.get(reverse("customers:detail", args=[rosa])).content.decode()
    assert "Range not known as assigned" in detail
