"""The channels besides e-mail: SMS through the gateway interface (the simulated gateway),
the call list handed to the contact center's dialer, the direct-mail export; and planning:
the control group's size and randomness, and a re-plan that adds nothing twice."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.contactcenter.models import CallList, Queue
from lealtad.contactcenter.models.agents import Skill
from lealtad.marketing.channels import sms
from lealtad.marketing.models import Message, SegmentMember
from lealtad.marketing.services import send_job, sending
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import (
    ACTOR,
    SMS_ES,
    campaign,
    person,
    segment,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _home(settings, tmp_path):
    settings.LEALTAD_HOME = tmp_path / "home"
    sms._load.cache_clear()
    yield
    sms._load.cache_clear()


def test_sms_goes_through_the_gateway_to_mobiles_with_sms_consent():
    no_quiet_hours()
    ana = person(name="Ana", phone="0991234567", consents=("sms",))
    no_sms = person(name="Eva", phone="0997654321", consents=("email",))
    landline = person(name="Luis", phone="022345678", consents=("sms",))
    cid = campaign(segment([ana, no_sms, landline]), channels=("sms",), templates=(SMS_ES,))
    sending.steer(cid, "launch", ACTOR)
    send_job.run(cid)
    sent = sms.gateway().sent  # type: ignore[attr-defined]
    assert [(s.to, s.text) for s in sent] == [("+593991234567", "Hola Ana!")]
    rows = {m.customer_id: m for m in Message.objects.filter(campaign_id=cid)}
    assert rows[ana].status == "sent" and rows[ana].provider_id == sent[0].provider_id
    assert rows[no_sms].reason == "no_consent"
    assert rows[landline].reason == "no_address"  # no mobile to text


class RefusingGateway:
    def send(self, to: str, text: str, reference: str) -> str:
        raise sms.GatewayRefused("blocked destination")


def test_a_gateway_refusal_fails_the_message_with_its_reason(settings):
    no_quiet_hours()
    settings.LEALTAD_SMS_GATEWAY = f"{__name__}.RefusingGateway"
    ana = person(name="Ana", phone="0991234567", consents=("sms",))
    cid = campaign(segment([ana]), channels=("sms",), templates=(SMS_ES,))
    sending.steer(cid, "launch", ACTOR)
    send_job.run(cid)
    message = Message.objects.get(campaign_id=cid)
    assert message.status == "failed" and "blocked" in message.error


def test_the_call_list_is_handed_to_the_dialer_with_phone_consent_only():
    no_quiet_hours()
    Queue.objects.create(
        name="ventas", label="Ventas", skill=Skill.objects.create(name="v", label="V")
    )
    ana = person(name="Ana", phone="0991234567", consents=("phone",))
    eva = person(name="Eva", phone="0997654321", consents=("email",))
    cid = campaign(segment([ana, eva]), channels=("call_list",), templates=())
    sending.steer(cid, "launch", ACTOR)
    send_job.run(cid)
    listed = CallList.objects.get(name=f"campaign-{cid}")
    assert list(listed.entries.values_list("customer_id", flat=True)) == [ana]
    assert listed.purpose == "marketing" and listed.queue.name == "ventas"


def test_the_direct_mail_file_lists_postal_addresses_with_mail_consent(make_user):
    no_quiet_hours()
    ana = person(name="Ana", consents=("mail",))
    eva = person(name="Eva", consents=("email",))
    cid = campaign(segment([ana, eva]), channels=("direct_mail",), templates=())
    sending.steer(cid, "launch", ACTOR)
    send_job.run(cid)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(make_user("marketer"))
    response = web.get(f"/marketing/campaigns/{cid}/direct-mail.csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    message = Message.objects.get(campaign_id=cid, customer_id=ana)
    assert lines == [
        "message_id,customer_id,language,address",
        f"{message.pk},{ana},es,Av. Amazonas 100",
    ]


def test_the_control_group_is_the_share_asked_drawn_at_random_and_held_out():
    people = list(range(1, 2001))
    seg = segment([])
    SegmentMember.objects.filter(segment_id=seg).delete()
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment_id=seg, customer_id=c, since=timezone.now()) for c in people]
    )
    cid = campaign(seg, channels=("email", "sms"), control_share=0.1, templates=())
    sending.plan(cid, random.Random(7))
    control = set(
        Message.objects.filter(campaign_id=cid, is_control=True, channel="email").values_list(
            "customer_id", flat=True
        )
    )
    assert len(control) == 200  # exactly 10 % of 2,000
    sms_control = set(
        Message.objects.filter(campaign_id=cid, is_control=True, channel="sms").values_list(
            "customer_id", flat=True
        )
    )
    assert sms_control == control  # a customer is held out on every channel
    assert set(Message.objects.filter(is_control=True).values_list("status", flat=True)) == {
        "held_out"
    }
    # Spread over the ids (not the first or last 200): each fifth holds 40 +- a few.
    fifths = Counter((c - 1) // 400 for c in control)
    assert all(20 <= n <= 60 for n in fifths.values()) and len(fifths) == 5
    other = campaign(seg, control_share=0.1, templates=())
    sending.plan(other, random.Random(8))
    again = set(
        Message.objects.filter(campaign_id=other, is_control=True).values_list(
            "customer_id", flat=True
        )
    )
    assert again != control  # another draw for another campaign


def test_a_second_plan_adds_only_new_members_and_keeps_the_draw():
    ana, eva = person("ana@correo.ec"), person("eva@correo.ec")
    seg = segment([ana])
    cid = campaign(seg, control_share=0.5, templates=())
    assert sending.plan(cid) == 1
    first = list(Message.objects.filter(campaign_id=cid).values_list("customer_id", "is_control"))
    assert sending.plan(cid) == 0  # idempotent
    SegmentMember.objects.create(segment_id=seg, customer_id=eva, since=timezone.now())
    assert sending.plan(cid) == 1
    rows = list(
        Message.objects.filter(campaign_id=cid)
        .order_by("id")
        .values_list("customer_id", "is_control")
    )
    assert rows[0] == first[0] and [r[0] for r in rows] == [ana, eva]
