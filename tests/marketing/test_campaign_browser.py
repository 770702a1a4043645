"""In Chromium: a marketer creates a campaign, writes its e-mail template, previews it as a
customer (htmx), launches it and watches the progress bar fill while it sends."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.marketing.models import Campaign
from lealtad.marketing.services import send_job
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import person, segment, smtp_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def sign_in(page: Page, base: str) -> None:
    user = User.objects.create_user(username="mercadeo", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    page.goto(f"{base}/login/")
    page.fill("#id_username", "mercadeo")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_create_preview_launch_and_watch_the_progress(page: Page, live_server, smtp):
    no_quiet_hours()
    ana = person("ana@correo.ec", "Ana")
    segment([ana, person("bob@correo.ec", "Bob")], name="Clientes Quito")
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/marketing/campaigns/")
    page.click("#new-campaign")
    page.fill("#id_name", "Navidad")
    page.select_option("#id_segment", label="Clientes Quito (2)")
    page.fill("#id_control", "0")
    page.click("#create-campaign")
    expect(page.locator("h1")).to_have_text("Navidad")
    expect(page.locator(".messages")).to_be_visible()
    editor = page.locator("#template-email-es")
    editor.locator("input[name=subject]").fill("Hola {{ first_name }}")
    editor.locator("textarea[name=text_body]").fill("Feliz Navidad, {{ first_name }}.")
    editor.locator("button[type=submit]").click()
    page.fill("#preview-customer", str(ana))
    page.click("#preview-button")
    expect(page.locator("#preview-subject")).to_have_text("Hola Ana")
    expect(page.locator("#preview-text")).to_contain_text("Feliz Navidad, Ana.")
    page.click("#launch")
    expect(page.locator("#campaign-status")).to_have_text("En curso")  # es-EC browser
    expect(page.locator("#progress-text")).to_have_text(re.compile(r"^0 (de|of) 2"))
    send_job.run(Campaign.objects.get().pk)  # what `lealtad serve`'s background tick does
    expect(page.locator("#progress-text")).to_have_text(re.compile(r"^2 (de|of) 2"), timeout=10_000)
    expect(page.locator("#campaign-status")).to_have_text("Terminada")
    assert sorted(m["Subject"] for m in smtp.received) == ["Hola Ana", "Hola Bob"]
