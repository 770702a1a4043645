"""In Chromium: a marketer builds a segment, adds an OR group with htmx, watches the live
count follow the edits, saves it, and sees its members."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import CustomerProfile
from lealtad.marketing.models import AudienceProfile, Segment
from lealtad.marketing.services import audience
from tests.web.htmx import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"
T = Actor.system("test")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_the_builder_counts_live_while_editing(page: Page, live_server) -> None:
    user = User.objects.create_user(username="mara", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    ctx = customers.ChangeContext(actor=T, channel="test")
    for i in range(4):
        ref = CustomerRef(email=f"p{i}@x.ec")
        customers.create_customer(CustomerProfile(given_names=f"P{i}"), ref, ctx)
    audience.rebuild()
    AudienceProfile.objects.filter(
        customer_id__in=AudienceProfile.objects.values("customer_id")[:1]
    ).update(orders_count=3)
    sign_in(page, live_server.url, "mara")
    page.goto(f"{live_server.url}/marketing/segments/new")
    expect(page.locator("#live-count")).to_contain_text("4")  # no condition: everyone
    page.click("#add-0")
    expect(page.locator("#c-0\\.0-field")).to_be_visible()
    page.select_option("#c-0\\.0-op", "gte")
    page.fill("#c-0\\.0-value", "2")
    expect(page.locator("#count-value")).to_have_text("1")
    page.click("#addgroup-0")
    expect(page.locator("#g-0\\.1-mode")).to_be_visible()
    settled(page, "#builder")  # the new field's own trigger is wired as htmx settles
    page.select_option("#c-0\\.1\\.0-field", "has_email")
    expect(page.locator("#c-0\\.1\\.0-op")).to_have_value("eq")
    page.fill("#c-0\\.1\\.0-value", "no")
    expect(page.locator("#count-value")).to_have_text("0")
    page.select_option("#g-0-mode", "any")
    expect(page.locator("#count-value")).to_have_text("1")
    page.fill("#id_name", "Compradores")
    page.click("#save-segment")
    expect(page.locator("#members")).to_be_visible()
    assert Segment.objects.get(name="Compradores").member_count == 1
