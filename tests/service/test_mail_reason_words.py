"""A mail's page says why it joined a case, opened one or was dropped in words, in the
agent's language, with the detail beside it, never starting with the reason's code
(issue 17)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.service.models import InboundMail
from tests.service.mail_fixtures import (  # noqa: F401
    customer,
    desk_mailbox,
    mail,
    mail_home_fixture,
)
from tests.service.test_mail_pages import inbox  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

WHY = {
    "m1@cliente.ec": {
        "es": "No responde a ningún caso conocido",
        "en": "It answers no case we know",
    },
    "m2@cliente.ec": {
        "es": "Responde a un correo que conocemos",
        "en": "It answers a mail we know",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_why_a_mail_went_where_it_did_in_words(make_user, inbox, language) -> None:  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("agent"))
    for message_id, words in WHY.items():
        row = InboundMail.objects.get(message_id=message_id)
        html = client.get(f"/service/mail/{row.pk}/").content.decode()
        why = re.search(r'<dd id="mail-why">(.*?)</dd>', html)
        assert why, message_id
        assert why[1].startswith(words[language]), why[1]
        assert not re.search(r"\b(no_thread|message_id|auto_reply)\b", why[1])
    failed = InboundMail.objects.get(decision="failed")
    kept = client.get(f"/service/mail/{failed.pk}/").content.decode()
    assert "ValueError: broken (kept as /tmp/x.eml)" in kept  # not a code of the list: whole
