"""A mail's page says why it joined a case, opened one or was dropped in words, in the
agent's language, with the evidence (a header, a Message-ID, an address) beside them: never
a reason's code, a sentence in another language or an exception's text (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.service.models import InboundMail
from lealtad.service.services import inbound
from lealtad.service_engine.mail import MailLimits
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
        "es": ["No responde a ningún caso conocido"],
        "en": ["It answers no case we know"],
    },
    "m2@cliente.ec": {
        "es": ["Responde a un correo que conocemos"],
        "en": ["It answers a mail we know"],
    },
    "m3@desconocido.ec": {
        "es": ["No responde a ningún caso conocido", "Remitente desconocido: a clasificar"],
        "en": ["It answers no case we know", "Unknown sender: to triage"],
    },
    "m4@cliente.ec": {"es": ["Respuesta automática"], "en": ["Automatic reply"]},
}
EVIDENCE = {
    "m2@cliente.ec": "&lt;m1@cliente.ec&gt;",
    "m4@cliente.ec": "Auto-Submitted: auto-replied",
}
ENGLISH = re.compile(r"\b(answers|sender|header|present|kept as|triage:|Error)\b")
CODES = re.compile(r"\b(no_thread|message_id|auto_reply|triage_unknown_sender|too_large|failed)\b")


def _why(client: Client, row: InboundMail) -> tuple[list[str], str]:
    html = client.get(f"/service/mail/{row.pk}/").content.decode()
    found = re.search(r'<dd id="mail-why">(.*?)</dd>', html, re.S)
    assert found, row.message_id
    lines = [re.sub(r"<small.*?</small>", "", line).strip() for line in found[1].split("<br>")]
    return lines, found[1]


@pytest.mark.parametrize("language", ["es", "en"])
def test_why_a_mail_went_where_it_did_in_words(make_user, inbox, language) -> None:  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("agent"))
    for message_id, words in WHY.items():
        lines, html = _why(client, InboundMail.objects.get(message_id=message_id))
        assert lines == words[language], (message_id, html)
        assert not CODES.search(html), html
        if message_id in EVIDENCE:
            assert f'<small class="muted">{EVIDENCE[message_id]}</small>' in html
        if language == "es":
            assert not ENGLISH.search(re.sub(r"<small.*?</small>", "", html)), html
    legacy = InboundMail.objects.get(decision="failed")  # stored before reasons had codes
    assert "ValueError: broken (kept as /tmp/x.eml)" in _why(client, legacy)[1]


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_mail_that_failed_says_so_without_the_exception(
    make_user, mail_home, monkeypatch, language
) -> None:
    box = desk_mailbox()
    too_big = mail(message_id="huge@cliente.ec") + b"x" * (MailLimits().max_message_bytes + 10)
    huge = inbound.spool(too_big, box)

    def broken(*args, **kwargs):
        raise RuntimeError("KeyError in _thread: internals nobody should read")

    inbound.drain()
    monkeypatch.setattr(inbound, "apply", broken)
    odd = inbound.spool(mail(message_id="odd@cliente.ec"), box)
    assert inbound.drain() == {"failed": 1}
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("agent"))
    words = {
        "too_large": {"es": "Supera el tamaño máximo", "en": "Over the size limit"},
        "failed": {"es": "No se pudo aplicar", "en": "Could not be applied"},
    }
    rows = InboundMail.objects.filter(decision="failed").order_by("id")
    for row, (code, kept) in zip(rows, [("too_large", huge), ("failed", odd)], strict=True):
        lines, html = _why(client, row)
        assert lines[0].startswith(words[code][language]), html
        assert kept.name in html  # the file a person can look at
        assert "RuntimeError" not in html and "internals" not in html
