"""The retention page's last runs say who started each and which data it touched in words, in
the officer's language (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.core.roles import Role
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

WORDS = {
    "es": ("desde esta página", "Prospectos inactivos"),
    "en": ("from this page", "Lapsed prospects"),
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_runs_name_their_trigger_and_data_classes(language) -> None:
    officer = User.objects.create_user("oficial", password="x-Secret-9")
    officer.groups.add(Group.objects.get_or_create(name=Role.PRIVACY_OFFICER.value)[0])
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    verified_login(client, officer)
    policy = {"do": "policy", "data_class": "lapsed_prospects", "months": "36", "active": "on"}
    client.post("/privacy/retention/", policy)
    html = client.post("/privacy/retention/", {"do": "dry_run"}, follow=True).content.decode()
    runs = re.sub(r"<[^>]+>", " ", re.search(r'<table[^>]*id="runs".*?</table>', html, re.S)[0])
    for words in WORDS[language]:
        assert words in runs, runs
    assert not re.search(r"\b(web|lapsed_prospects)\b", runs)
