"""The pages through Django's test client: permissions, validation, audit, CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lealtad.core.models import AuditEntry
from lealtad.customers.models import Address, Customer, IdentityReview, Interaction, Phone

from .conftest import PASSWORD, build_review_pair

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_pages_need_sign_in(client: Client, rodrigo: int) -> None:
    for url in (reverse("customers:search"), reverse("customers:detail", args=[rodrigo])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_home_redirects_to_search(agent) -> None:
    response = signed_in(agent).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:search")


def test_login_wrong_password_then_locked(agent, settings) -> None:
    client = Client()
    for _ in range(settings.LEALTAD_LOGIN_ATTEMPTS):
        response = client.post("/login/", {"username": agent.username, "password": "nope"})
        assert response.status_code == 200
        assert b'role="alert"' in response.content
    response = client.post("/login/", {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"locked" in response.content


def test_login_works(agent) -> None:
    client = Client()
    response = client.post("/login/", {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("customers:search")).status_code == 200


def test_search_is_accent_insensitive(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    response = client.get(reverse("customers:results"), {"q": "juarez"})
    assert response.status_code == 200
    assert "Rodrigo Juárez Ortega" in response.content.decode()
    assert b"<html" not in response.content  # a partial, for htmx
    page = client.get(reverse("customers:search"), {"q": "JUÁREZ"}).content.decode()
    assert "Rodrigo Juárez Ortega" in page and 'hx-get="/customers/results/"' in page


def test_360_shows_every_section_to_an_agent(agent, rodrigo: int) -> None:
    html = signed_in(agent).get(reverse("customers:detail", args=[rodrigo])).content.decode()
    assert "Captured by store-pos on" in html
    assert "Av. 12 de Octubre N24-593" in html and "15/01/2019" in html and "30/06/2023" in html
    assert "Billing question" in html and "Password reset" in html
    assert 'id="history"' in html and 'id="consents"' in html and 'id="audit"' in html
    assert "signed form" in html
    assert "check digit invalid" in html
    for section in ("orders", "cases", "products", "offers", "channels"):
        assert f'id="{section}"' in html


def test_360_hides_sections_from_a_store_clerk(clerk, rodrigo: int) -> None:
    client = signed_in(clerk)
    html = client.get(reverse("customers:detail", args=[rodrigo])).content.decode()
    assert "Rodrigo Juárez Ortega" in html
    for hidden in (
        'id="history"',
        'id="consents"',
        'id="audit"',
        "Billing question",
        "signed form",
    ):
        assert hidden not in html
    assert client.get(reverse("customers:timeline", args=[rodrigo])).status_code == 403
    assert client.get(reverse("customers:reviews")).status_code == 403
    assert client.get(reverse("customers:edit", args=[rodrigo])).status_code == 403


def test_timeline_filters_by_channel(agent, rodrigo: int) -> None:
    url = reverse("customers:timeline", args=[rodrigo])
    html = signed_in(agent).get(url, {"channel": "web"}).content.decode()
    assert "Password reset" in html and "Billing question" not in html


def test_edit_rejects_a_bad_national_id_type_and_saves_nothing(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("customers:edit", args=[rodrigo]),
        {"given_names": "Rodrigo", "language": "es", "lifecycle_status": "nope"},
    )
    assert response.status_code == 200
    assert b"field-error" in response.content
    assert AuditEntry.objects.count() == before


def test_edit_rejects_a_bad_phone_and_saves_nothing(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    url = reverse("customers:edit", args=[rodrigo])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    before = AuditEntry.objects.count()
    response = client.post(url, {**data, "health_insurance": "Otra", "new_phone": "123"})
    assert response.status_code == 200
    assert "Not a valid phone number." in response.content.decode()
    assert AuditEntry.objects.count() == before
    assert Customer.objects.get(pk=rodrigo).health_insurance == "IESS"
    ok = client.post(url, {**data, "new_phone": "0991239999"})
    assert ok.status_code == 302
    assert Phone.objects.filter(customer_id=rodrigo, e164="+593991239999").exists()


def test_edit_saves_and_audits_before_after(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    url = reverse("customers:edit", args=[rodrigo])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(health_insurance="Salud S.A.", birth_date="07/09/1985")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    customer = Customer.objects.get(pk=rodrigo)
    assert customer.health_insurance == "Salud S.A."
    assert customer.birth_date.isoformat() == "1985-09-07"
    assert customer.given_names == "Rodrigo"
    entry = AuditEntry.objects.filter(customer_id=rodrigo, action="update").latest("id")
    assert entry.changes["health_insurance"] == ["IESS", "Salud S.A."]
    assert entry.actor_label == agent.username
    html = client.get(reverse("customers:detail", args=[rodrigo])).content.decode()
    assert "IESS" in html and "Salud S.A." in html


def test_add_phone_rejects_an_invalid_number(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    url = reverse("customers:add_phone", args=[rodrigo])
    response = client.post(url, {"number": "12", "kind": "mobile"})
    assert response.status_code == 200
    assert b"field-error" in response.content
    assert Phone.objects.filter(customer_id=rodrigo).count() == 1
    response = client.post(url, {"number": "02 250 1234", "kind": "home"})
    assert response.status_code == 302
    assert Phone.objects.filter(customer_id=rodrigo, e164="+59322501234").exists()


def test_add_address_checks_the_period(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    url = reverse("customers:add_address", args=[rodrigo])
    data = {"kind": "home", "line1": "Calle Larga 7-45", "city": "Cuenca", "country": "EC"}
    bad = client.post(url, {**data, "valid_from": "01/05/2024", "valid_to": "01/04/2024"})
    assert bad.status_code == 200 and b"field-error" in bad.content
    assert not Address.objects.filter(line1="Calle Larga 7-45").exists()
    good = client.post(url, {**data, "valid_from": "01/05/2024"})
    assert good.status_code == 302
    assert Address.objects.get(line1="Calle Larga 7-45").valid_from.isoformat() == "2024-05-01"


def test_add_email_consent_and_note(agent, rodrigo: int) -> None:
    client = signed_in(agent)
    bad = client.post(reverse("customers:add_email", args=[rodrigo]), {"address": "not-an-email"})
    assert bad.status_code == 200 and b"field-error" in bad.content
    ok = client.post(reverse("customers:add_email", args=[rodrigo]), {"address": "r@Example.EC"})
    assert ok.status_code == 302
    consent = client.post(
        reverse("customers:add_consent", args=[rodrigo]),
        {"channel": "sms", "purpose": "marketing", "granted": "no", "method": "phone call"},
    )
    assert consent.status_code == 302
    empty = client.post(
        reverse("customers:add_interaction", args=[rodrigo]),
        {"channel": "call_center", "direction": "inbound"},
    )
    assert empty.status_code == 200 and b"error" in empty.content
    note = client.post(
        reverse("customers:add_interaction", args=[rodrigo]),
        {"channel": "call_center", "direction": "outbound", "subject": "Offer follow-up"},
    )
    assert note.status_code == 302
    row = Interaction.objects.get(subject="Offer follow-up")
    assert row.agent == agent.username and row.channel == "call_center"
    html = client.get(reverse("customers:detail", args=[rodrigo])).content.decode()
    assert "r@example.ec" in html and "Offer follow-up" in html and "phone call" in html


def test_create_customer(agent) -> None:
    client = signed_in(agent)
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "person",
            "given_names": "Lucía",
            "first_surname": "Tipán",
            "phone": "0998887777",
            "language": "es",
            "lifecycle_status": "prospect",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(first_surname="Tipán")
    assert customer.display_name.startswith("Lucía Tipán")
    assert customer.created_by == agent.username
    again = client.post(
        reverse("customers:create"),
        {
            "kind": "person",
            "given_names": "Otra",
            "phone": "0998887777",
            "language": "es",
            "lifecycle_status": "prospect",
        },
    )
    assert again.status_code == 200 and b"already belong" in again.content
    bad = client.post(
        reverse("customers:create"),
        {"kind": "person", "phone": "55", "language": "es", "lifecycle_status": "prospect"},
    )
    assert bad.status_code == 200 and b"error" in bad.content


def test_csrf_is_enforced(agent, rodrigo: int) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(
        reverse("customers:add_phone", args=[rodrigo]), {"number": "0991112222", "kind": "mobile"}
    )
    assert response.status_code == 403
    assert not Phone.objects.filter(e164="+593991112222").exists()


def test_review_queue_merge_and_distinct(supervisor, agent) -> None:
    a, b = build_review_pair()
    assert signed_in(agent).get(reverse("customers:reviews")).status_code == 403
    client = signed_in(supervisor)
    html = client.get(reverse("customers:reviews")).content.decode()
    assert "maria.quishpe@example.ec" in html and "+593987654321" in html
    review = IdentityReview.objects.get()
    url = reverse("customers:decide_review", args=[review.pk])
    assert client.post(url, {"decision": "merged"}).status_code == 302
    review.refresh_from_db()
    assert review.status == "merged"
    assert Customer.objects.get(pk=b).merged_into_id == a
    assert "Nothing to review" in client.get(reverse("customers:reviews")).content.decode()
    # the absorbed record's page leads to the survivor
    response = client.get(reverse("customers:detail", args=[b]))
    assert response.status_code == 302 and response["Location"] == f"/customers/{a}/"


def test_review_decide_later_keeps_the_pair_queued(supervisor) -> None:
    build_review_pair()
    client = signed_in(supervisor)
    review = IdentityReview.objects.get()
    url = reverse("customers:decide_review", args=[review.pk])
    assert client.post(url, {"decision": "deferred"}).status_code == 302
    assert client.post(url, {"decision": "bogus"}).status_code == 302
    review.refresh_from_db()
    assert review.status == "deferred"
    assert f'id="review-{review.pk}"' in client.get(reverse("customers:reviews")).content.decode()
    assert client.post(url, {"decision": "distinct"}).status_code == 302
    review.refresh_from_db()
    assert review.status == "distinct"


def test_spanish_is_the_default(agent, rodrigo: int) -> None:
    client = Client()
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[rodrigo])).content.decode()
    assert "Capturado por store-pos" in html
    assert "Historial de contactos" in html
