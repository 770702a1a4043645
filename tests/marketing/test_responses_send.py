"""A one-click unsubscribe from a real mail, pressed while another send is under way: the
rest of that send skips the person (camp's sender asks consent and suppressions per chunk)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from lealtad.marketing.models import Message, Suppression
from lealtad.marketing.services import send_job
from tests.marketing.test_campaign_send import launch, no_quiet_hours
from tests.marketing.test_campaign_support import (
    campaign,
    person,
    segment,
    smtp_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_click_from_a_received_mail_stops_the_rest_of_a_send(smtp):
    no_quiet_hours()
    first = person("first@correo.ec")
    later = person("later@correo.ec")
    earlier = campaign(segment([first, later], "Ayer"), channels=("email",))
    launch(earlier)
    send_job.run(earlier)
    header = smtp.to("later@correo.ec")[0]["List-Unsubscribe"]
    url = urlsplit(header.strip("<>")).path

    now = campaign(segment([first, later], "Hoy"), channels=("email",))
    launch(now)
    send_job.run(now, chunk=1, max_chunks=1)  # the first chunk leaves
    pressed = Client().post(url, {"List-Unsubscribe": "One-Click"})  # no cookie, no CSRF
    assert pressed.status_code == 200
    send_job.run(now, chunk=1)

    today = [m["To"] for m in smtp.received[2:]]
    assert today == ["first@correo.ec"]
    skipped = Message.objects.get(campaign_id=now, customer_id=later)
    assert skipped.status != "sent" and skipped.reason in ("no_consent", "suppressed")
    assert Suppression.objects.filter(address="later@correo.ec", reason="unsubscribed").exists()
