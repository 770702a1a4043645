"""The UI in a real Chromium: sign-in, htmx search, the 360 page, edits, roles, review queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lealtad.customers.models import Customer, IdentityReview

from .conftest import PASSWORD, build_review_pair, build_rodrigo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")


def test_wrong_password_shows_an_error_then_locks(page: Page, live_server, agent, settings):
    settings.LEALTAD_LOGIN_ATTEMPTS = 2
    for _ in range(2):
        sign_in(page, live_server.url, agent.username, "wrong-password")
        expect(page.locator(".error[role=alert]")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/login/$"))
    sign_in(page, live_server.url, agent.username)  # right password, but too late
    expect(page.locator(".locked")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_sign_in_and_search_through_htmx(page: Page, live_server, agent):
    build_rodrigo()
    sign_in(page, live_server.url, agent.username)
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.locator("nav.mainnav")).to_contain_text("Clientes")
    with page.expect_response(re.compile(r"/customers/results/\?q=juarez")):
        page.locator("#q").press_sequentially("juarez")
    result = page.locator("#results a", has_text="Rodrigo Juárez Ortega")
    expect(result).to_be_visible()
    assert page.url.endswith("/customers/")  # no full page load: htmx swapped the results
    result.click()
    expect(page.locator("h1")).to_contain_text("Rodrigo Juárez Ortega")


def test_the_360_page(page: Page, live_server, agent):
    customer_id = build_rodrigo()
    sign_in(page, live_server.url, agent.username)
    page.goto(f"{live_server.url}/customers/{customer_id}/")
    expect(page.locator(".captured")).to_contain_text("Capturado por store-pos el")
    addresses = page.locator("#addresses")
    expect(addresses).to_contain_text("Av. 12 de Octubre N24-593")
    expect(addresses).to_contain_text("15/01/2019")
    expect(addresses).to_contain_text("30/06/2023")
    expect(addresses).to_contain_text("vigente")
    history = page.locator("#history")
    expect(history).to_contain_text("Billing question")
    expect(history).to_contain_text("Password reset")
    expect(page.locator("#consents")).to_contain_text("Ofertas comerciales")
    expect(page.locator("#channels")).to_contain_text("Centro de contacto")
    expect(page.locator("#general")).to_contain_text("dígito verificador inválido")
    expect(page.locator("#audit")).to_contain_text("store-pos")
    page.locator("#history button[data-channel=web]").click()
    expect(history).not_to_contain_text("Billing question")
    expect(history).to_contain_text("Password reset")


def test_edit_rejects_a_bad_phone_then_saves_with_audit(page: Page, live_server, agent):
    customer_id = build_rodrigo()
    sign_in(page, live_server.url, agent.username)
    page.goto(f"{live_server.url}/customers/{customer_id}/edit/")
    page.fill("#id_health_insurance", "Salud S.A.")
    page.fill("#id_new_phone", "12345")
    page.click("button[type=submit].primary")
    expect(page.locator(".field-error")).to_contain_text("No es un número de teléfono válido")
    assert Customer.objects.get(pk=customer_id).health_insurance == "IESS"
    page.fill("#id_new_phone", "")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(rf"/customers/{customer_id}/$"))
    row = page.locator("#audit tr", has_text=agent.username).filter(has_text="Seguro médico")
    expect(row).to_contain_text("IESS → Salud S.A.")
    expect(row).to_contain_text(agent.username)


def test_store_clerk_sees_no_history_consents_or_audit(page: Page, live_server, clerk):
    customer_id = build_rodrigo()
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/customers/{customer_id}/")
    expect(page.locator("#general")).to_contain_text("Rodrigo")
    for hidden in ("#history", "#consents", "#audit"):
        expect(page.locator(hidden)).to_have_count(0)
    expect(page.locator("nav.mainnav")).not_to_contain_text("Cola de revisión")
    response = page.goto(f"{live_server.url}/customers/reviews/")
    assert response is not None and response.status == 403


def test_review_queue_merge(page: Page, live_server, supervisor):
    a, b = build_review_pair()
    sign_in(page, live_server.url, supervisor.username)
    page.click("nav.mainnav >> text=Cola de revisión")
    review = IdentityReview.objects.get()
    card = page.locator(f"#review-{review.pk}")
    expect(card).to_contain_text("maria.quishpe@example.ec")
    expect(card).to_contain_text("+593987654321")
    expect(card).to_contain_text("Un mismo evento nombró a dos clientes")  # words, not a note
    card.get_by_role("link", name="Fusionar…").click()  # a merge is confirmed on its own page
    assert Customer.objects.get(pk=b).merged_into_id is None
    page.get_by_label("¿Por qué son la misma persona?").fill("Mismo correo y teléfono")
    page.get_by_role("button", name="Fusionar estos registros").click()
    expect(page.locator(".msg.success")).to_contain_text("Registros fusionados")
    assert Customer.objects.get(pk=b).merged_into_id == a
    page.goto(f"{live_server.url}/customers/reviews/")
    expect(page.locator(f"#review-{review.pk}")).to_have_count(0)
