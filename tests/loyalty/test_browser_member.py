"""In Chromium: a marketer finds a member, adjusts their points with a reason, sees the
ledger and the balance move, then opens the printable statement."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.customers.models import Customer
from lealtad.loyalty.services import members
from tests.loyalty.helpers import program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def test_a_marketer_adjusts_points_on_the_member_page(page: Page, live_server):
    user = User.objects.create_user(username="mila", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="marketer")[0])
    customer = Customer.objects.create(display_name="Juan Carlos Chicaiza").pk
    member = members.enrol(program(), [customer])[customer]
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "mila")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(f"{base}/loyalty/?q={member.referral_code}")
    page.click(f"#members a[href='/loyalty/members/{member.pk}/']")
    expect(page.locator("#tier")).to_contain_text("Plata")
    expect(page.locator("#balance")).to_have_text("0")
    page.fill("#points", "300")
    page.fill("#reason", "Bienvenida al club")
    page.click("#adjust button[type=submit]")
    expect(page.locator("#balance")).to_have_text("300")
    expect(page.locator("#ledger")).to_contain_text("Bienvenida al club")
    page.fill("#points", "-500")
    page.fill("#reason", "error")
    page.click("#adjust button[type=submit]")
    expect(page.locator(".msg.error")).to_contain_text(
        "el saldo es 300"
    )  # the installation speaks Spanish
    expect(page.locator("#balance")).to_have_text("300")
    page.click("text=Estado de cuenta para imprimir")
    expect(page.locator("#closing")).to_have_text("300")
