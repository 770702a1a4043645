"""What the store-handheld browser tests share besides the ``phone`` fixture (conftest):
a clerk signed in."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery-staple-9"


def sign_in_clerk(page: Page, base: str, username: str = "carlos.tienda") -> None:
    user = User.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="store_clerk")[0])
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/$"))
