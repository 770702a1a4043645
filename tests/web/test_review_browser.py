"""The review queue in a real Chromium: the pair's evidence, then a person's decisions."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from lealtad.customers import dedupe
from lealtad.customers.models import Customer, IdentityReview, Phone
from tests.matching.test_dedupe_django import _load

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(given: str, surname: str, birth: datetime.date, phone: str) -> Customer:
    c = Customer.objects.create(
        given_names=given,
        first_surname=surname,
        second_surname="Guamán",
        display_name=f"{given} {surname} Guamán",
        search_name="",
        birth_date=birth,
    )
    Phone.objects.create(customer=c, e164=phone, is_mobile=True)
    return c


@pytest.fixture
def reviews(settings: Any, tmp_path: Path) -> tuple[IdentityReview, IdentityReview]:
    """A trained model and two pairs waiting: one of strangers, one of the same person."""
    settings.LEALTAD_HOME = tmp_path
    _load()
    dedupe.train_model()
    a = _customer("Wilmer", "Chuquimarca", datetime.date(1990, 5, 1), "+593987650001")
    b = _customer("Wilmer", "Chuquimarca", datetime.date(1971, 11, 23), "+593987650002")
    c = _customer("Lucía", "Tipantuña", datetime.date(1985, 3, 9), "+593987650003")
    d = _customer("Lucia", "Tipantuña", datetime.date(1985, 3, 9), "+593987650003")
    strangers = IdentityReview.objects.create(customer_a=a, customer_b=b, reason="probable match")
    same = IdentityReview.objects.create(customer_a=c, customer_b=d, reason="probable match")
    return strangers, same


def test_decide_with_the_evidence_in_view(page: Page, live_server, supervisor, reviews) -> None:
    strangers, same = reviews
    sign_in(page, live_server.url, supervisor.username)
    page.goto(f"{live_server.url}/customers/reviews/")

    card = page.locator(f"#review-{strangers.pk}")
    expect(card.locator("table.profile")).to_contain_text("1971-11-23")
    weights = card.locator("table.weights")
    expect(weights.locator("th", has_text="Peso")).to_be_visible()
    birth = weights.locator("tr[data-field=birth_date]")
    expect(birth).to_have_class(re.compile(r"\bdisagree\b"))
    expect(birth.locator(".badge")).to_contain_text("no coincide")
    expect(birth.locator("td.weight")).to_have_text(re.compile(r"^\s*-\d"))
    expect(birth.locator(".wbar.neg")).to_be_visible()
    given = weights.locator("tr[data-field=given_name]")
    expect(given.locator("td.weight")).to_have_text(re.compile(r"^\s*\+\d"))
    expect(card.locator(".probability")).to_be_visible()

    card.locator("button[value=distinct]").click()
    expect(page.locator(".msg.success")).to_be_visible()
    expect(page.locator(f"#review-{strangers.pk}")).to_have_count(0)
    strangers.refresh_from_db()
    assert strangers.status == "distinct"

    same_card = page.locator(f"#review-{same.pk}")
    expect(same_card.locator("tr[data-field=birth_date]")).to_have_class(re.compile(r"\bagree\b"))
    same_card.get_by_role("link", name="Fusionar…").click()  # the merge page asks first
    page.fill("#merge-reason", "misma persona")
    page.get_by_role("button", name="Fusionar estos registros").click()
    expect(page.locator(".msg.success")).to_contain_text("Registros fusionados")
    page.goto(f"{live_server.url}/customers/reviews/")
    expect(page.locator(f"#review-{same.pk}")).to_have_count(0)
    assert Customer.objects.get(pk=same.customer_b_id).merged_into_id == same.customer_a_id
    page.goto(f"{live_server.url}/customers/{same.customer_b_id}/")
    expect(page).to_have_url(re.compile(rf"/customers/{same.customer_a_id}/$"))
