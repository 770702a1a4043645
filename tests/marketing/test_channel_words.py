"""Campaign and suppression pages name channels in the reader's language, not by their codes
(issue 17)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.marketing.test_campaign_support import campaign, person, segment

pytestmark = pytest.mark.django_db

WORDS = {
    "es": {
        "email": "Correo electrónico",
        "sms": "SMS",
        "mail": "Correo postal",
        "draft": "Borrador",
    },
    "en": {"email": "E-mail", "sms": "SMS", "mail": "Postal mail", "draft": "Draft"},
}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["es", "en"])
def test_campaigns_and_suppressions_name_their_channels(make_user, language) -> None:
    words = WORDS[language]
    made = campaign(segment([person("ana@correo.ec", "Ana")]), channels=("email", "sms"))
    web = Client(HTTP_ACCEPT_LANGUAGE=language)
    web.force_login(make_user("marketer"))
    listed = _text(web.get("/marketing/campaigns/").content.decode())
    assert f"{words['email']}, {words['sms']}" in listed and "email, sms" not in listed
    detail = _text(web.get(f"/marketing/campaigns/{made}/").content.decode())
    assert f"{words['email']}, {words['sms']}" in detail
    web.post("/marketing/suppressions/add/", {"channel": "mail", "address": "Av. Amazonas N35-17"})
    html = web.get("/marketing/suppressions/").content.decode()
    table = re.search(r'<table[^>]*id="suppressions".*?</table>', html, re.S)[0]
    first = re.search(r"<tbody>\s*<tr><td>(.*?)</td>", table, re.S)[1]
    assert first == words["mail"]
    assert re.search(r"<td>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>", table)  # the page's dates
    assert f'<option value="mail">{words["mail"]}</option>' in html
    calendar = web.get("/marketing/calendar/").content.decode()
    unscheduled = re.search(r'<ul id="unscheduled">.*?</ul>', calendar, re.S)[0]
    assert f'<span class="badge">{words["draft"]}</span>' in unscheduled
