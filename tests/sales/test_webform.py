"""The embeddable lead web form: a person's submission becomes one lead (phones normalised,
known customers matched), bots and floods do not, and the page may be framed only where its
configuration says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import override

from lealtad.sales.models import Lead, WebForm
from lealtad.sales.services import webforms
from tests.sales.helpers import known_customer

pytestmark = pytest.mark.django_db
URL = "/sales/forms/contacto/"


@pytest.fixture
def form(db: object) -> WebForm:
    return WebForm.objects.create(
        slug="contacto",
        title="Contáctenos",
        campaign="web-2026",
        frame_ancestors="https://www.farmacias.example.ec",
        created_at=timezone.now(),
    )


def data(form: WebForm, seconds_ago: float = 10, **values: Any) -> dict[str, Any]:
    shown = timezone.now() - timedelta(seconds=seconds_ago)
    return {
        "token": webforms.sign(form, shown),
        "name": "María José Quishpe",
        "email": "mj.quishpe@example.com",
        "phone": "099-375-7370",
        "company": "Farmacia La Merced",
        "message": "Quisiera una cotización",
        "consent": "1",
        "website": "",
        "lang": "es",
        **values,
    }


def send(form: WebForm, client: Client | None = None, **values: Any) -> Any:
    return (client or Client()).post(URL, data(form, **values), REMOTE_ADDR="190.152.1.10")


def test_a_valid_submission_creates_one_lead_with_the_phone_normalised(form):
    answer = send(form)
    assert answer.status_code == 302 and "/thanks/" in answer["Location"]
    lead = Lead.objects.get()
    assert lead.source == "web_form" and lead.phone == "+593993757370"
    assert lead.person_name == "María José Quishpe" and lead.campaign == "web-2026"
    assert "Quisiera una cotización" in lead.notes


def test_the_same_submission_again_creates_nothing(form):
    send(form)
    again = send(form)
    assert again.status_code == 302
    assert Lead.objects.count() == 1


def test_a_known_customer_is_matched_not_duplicated(form):
    customer = known_customer(email="mj.quishpe@example.com")
    send(form)
    assert Lead.objects.get().customer_id == customer


def test_the_honeypot_filled_looks_accepted_but_captures_nothing(form):
    answer = send(form, website="http://spam.example")
    assert answer.status_code == 302
    assert Lead.objects.count() == 0


def test_sent_too_fast_is_refused(form):
    answer = send(form, seconds_ago=0.5)
    assert answer.status_code == 400 and b'id="too-fast"' in answer.content
    assert Lead.objects.count() == 0


def test_a_forged_token_captures_nothing(form):
    answer = send(form, token="forged:token")
    assert answer.status_code == 302 and Lead.objects.count() == 0


def test_a_plain_html_post_without_token_is_confirmed_once_on_our_page(form):
    answer = send(form, token="")
    assert answer.status_code == 200 and b'id="confirm"' in answer.content
    assert b"mj.quishpe@example.com" in answer.content  # what was typed is kept
    assert Lead.objects.count() == 0


def test_more_than_the_limit_from_one_address_is_refused(form):
    for n in range(webforms.RATE_LIMIT):
        assert send(form, email=f"persona{n}@example.com").status_code == 302
    refused = send(form, email="otra@example.com")
    assert refused.status_code == 429 and b'id="rate-limited"' in refused.content
    assert Lead.objects.count() == webforms.RATE_LIMIT
    other = Client().post(URL, data(form, email="otra@example.com"), REMOTE_ADDR="200.1.2.3")
    assert other.status_code == 302  # another address is not held back


def test_a_bad_phone_and_no_consent_are_named(form):
    answer = send(form, phone="12", consent="")
    assert answer.status_code == 400
    text = answer.content.decode()
    assert 'id="invalid"' in text and text.count('class="field-error"') == 2
    assert Lead.objects.count() == 0


def test_framing_is_allowed_only_to_the_configured_sites_and_needs_no_csrf(form):
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL)
    assert page.status_code == 200
    assert "frame-ancestors https://www.farmacias.example.ec" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    assert "csrftoken" not in page.cookies  # nothing for a framed page's blocked cookies
    posted = send(form, client=client)
    assert posted.status_code == 302 and Lead.objects.count() == 1


def test_a_form_with_no_sites_may_not_be_framed(form):
    form.frame_ancestors = ""
    form.save()
    page = Client().get(URL)
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"


def test_the_thank_you_page_speaks_spanish_and_english(form):
    es = Client().get(f"{URL}thanks/?lang=es")
    en = Client().get(f"{URL}thanks/?lang=en")
    with override("es"):
        assert "Gracias" in es.content.decode()
    assert "Thank you" in en.content.decode()


def test_an_inactive_or_unknown_form_is_not_found(form):
    form.active = False
    form.save()
    assert Client().get(URL).status_code == 404
    assert Client().get("/sales/forms/nada/").status_code == 404


@pytest.mark.parametrize(
    "typed",
    [
        "0993757370",
        "593 99 375 7370",
        "+593(0)99 375 7370",
        "(099) 375.7370",
        "".join(chr(0xFF10 + int(d)) for d in "0993757370"),  # fullwidth digits,
    ],
)
def test_any_way_of_writing_the_mobile_is_one_number_and_one_lead(form, typed):
    send(form)  # first written 099-375-7370
    again = send(form, phone=typed)
    assert again.status_code == 302
    assert list(Lead.objects.values_list("phone", flat=True)) == ["+593993757370"]
