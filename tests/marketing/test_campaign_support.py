"""What the campaign tests share: customers with consents and addresses, a segment of them,
a campaign with templates, and an SMTP server (aiosmtpd) that keeps what it is sent."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import AddressIn, ConsentIn, CustomerProfile, PhoneIn
from lealtad.marketing.models import Segment, SegmentMember
from lealtad.marketing.services import campaigns

ACTOR = Actor.system("test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def person(
    email: str = "",
    name: str = "Ana",
    *,
    phone: str = "",
    consents: tuple[str, ...] = ("email",),
    purpose: str = "marketing",
    region: str = "Pichincha",
    language: str = "es",
    refused: tuple[str, ...] = (),
) -> int:
    """A customer with the given consents granted (and ``refused`` ones withdrawn)."""
    ctx = customers.ChangeContext(actor=ACTOR, channel="test")
    grants = [
        ConsentIn(
            channel=c, purpose=purpose, granted=True, proof="signed_form", proof_reference="F-1"
        )
        for c in consents
    ] + [ConsentIn(channel=c, purpose=purpose, granted=False) for c in refused]
    profile = CustomerProfile(
        given_names=name,
        language=language,
        emails=[email] if email else [],
        phones=[PhoneIn(number=phone)] if phone else [],
        addresses=[AddressIn(line1="Av. Amazonas 100", city="Quito", region=region, country="EC")],
        consents=grants,
    )
    made = customers.create_customer(
        profile, CustomerRef(email=email or None, phone=phone or None), ctx
    )
    return int(made.pk)


def withdraw(customer_id: int, channel: str = "email", purpose: str = "marketing") -> None:
    from lealtad.customers.models import Customer

    ctx = customers.ChangeContext(actor=ACTOR, channel="test")
    customers.record_consent(
        Customer.objects.get(pk=customer_id),
        ConsentIn(channel=channel, purpose=purpose, granted=False),
        ctx,
    )


def segment(customer_ids: list[int], name: str = "Todos") -> int:
    now = timezone.now()
    seg = Segment.objects.create(
        name=name, kind="static", created_at=now, updated_at=now, member_count=len(customer_ids)
    )
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=seg, customer_id=cid, since=now) for cid in customer_ids]
    )
    return seg.pk


EMAIL_ES = campaigns.NewTemplate(
    channel="email",
    language="es",
    subject="Hola {{ first_name }}",
    text_body="Hola {{ first_name }}, mire {{ campaign.name }}.",
    html_body='<p>Hola {{ first_name }}</p><a href="https://tienda.ec/oferta?x=1&amp;y=2">Ver</a>',
)
EMAIL_EN = campaigns.NewTemplate(
    channel="email", language="en", subject="Hi {{ first_name }}", text_body="Hi {{ first_name }}."
)
SMS_ES = campaigns.NewTemplate(channel="sms", language="es", text_body="Hola {{ first_name }}!")


def campaign(
    segment_id: int,
    channels: tuple[str, ...] = ("email",),
    control_share: float = 0.0,
    templates: tuple[campaigns.NewTemplate, ...] = (EMAIL_ES, EMAIL_EN),
    **more,
) -> int:
    made = campaigns.create(
        [
            campaigns.NewCampaign(
                name="Navidad",
                segment_id=segment_id,
                channels=list(channels),
                control_share=control_share,
                **more,
            )
        ],
        ACTOR,
    )[0]
    campaigns.save_templates(made.pk, list(templates), ACTOR)
    return made.pk


@dataclass
class Sink:
    port: int
    received: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    delay: float = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.raw.append(envelope.original_content)
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


@pytest.fixture(name="smtp")
def smtp_fixture(settings, tmp_path):
    sink = Sink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, decode_data=False)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.LEALTAD_HOME = tmp_path / "home"
    settings.LEALTAD_CAMPAIGN_SMTP_CONNECTIONS = 2
    yield sink
    controller.stop()
