"""The officer's pages in a real Chromium: an erasure request from receipt to erasure."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.customers.models import Customer
from tests.two_factor import code_now, enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def test_the_officer_erases_a_person_after_verifying_and_confirming(page: Page, live_server, story):
    user = User.objects.create_user("paola.privacidad", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="privacy_officer")[0])
    device = enrol(user)  # the officer can erase people: the password alone does not sign in
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.fill("#id_code", code_now(device))
    page.click("button[type=submit].primary")
    page.click("nav.mainnav >> text=Privacidad")
    expect(page.locator("h1")).to_have_text("Solicitudes de titulares")
    page.fill("#customer_id", str(story.customer_id))
    page.select_option("#kind", "erasure")
    page.fill("#details", "Pide que borremos todos sus datos")
    page.click("#new-request button[type=submit]")
    expect(page).to_have_url(re.compile(r"/privacy/\d+/$"))
    expect(page.locator("#status")).to_have_text("Recibida")
    page.fill("#method", "cédula presentada en tienda")
    page.click("#verify button")
    expect(page.locator("#status")).to_have_text("Identidad verificada")
    page.fill("#confirm", str(story.customer_id + 1))
    page.click("#erase button")
    expect(page.locator(".msg.error")).to_contain_text("confirm")
    assert Customer.objects.get(pk=story.customer_id).erased_at is None
    page.fill("#confirm", str(story.customer_id))
    page.click("#erase button")
    expect(page.locator("#status")).to_have_text("En curso")
    expect(page.locator("#steps")).to_contain_text("Datos eliminados")
    assert Customer.objects.get(pk=story.customer_id).erased_at is not None
    page.fill("#note", "Datos eliminados; se informó por correo")
    page.click("#complete button")
    expect(page.locator("#status")).to_have_text("Atendida")
