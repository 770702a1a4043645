"""What the response tests share: customers with an e-mail consent, a campaign with sent
messages and held-out control customers, written straight to the tables (the sender is
another helper's; these tests are about what comes back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import ConsentIn, CustomerProfile
from lealtad.marketing.models import Campaign, Message, Segment

ACTOR = Actor.system("test")


def customer(email: str, name: str = "Ana", language: str = "es", consent: bool = True) -> int:
    ctx = customers.ChangeContext(actor=ACTOR, channel="test")
    made = customers.create_customer(
        CustomerProfile(given_names=name, language=language), CustomerRef(email=email), ctx
    )
    if consent:
        statement = ConsentIn(
            channel="email",
            purpose="marketing",
            granted=True,
            method="signed form",
            proof="signed_form",
            proof_reference="F-1",
        )
        customers.record_consent(made, statement, ctx)
    return int(made.pk)


def campaign(
    name: str = "Navidad",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    status: str = "running",
    **more,
) -> Campaign:
    now = timezone.now()
    segment, _ = Segment.objects.get_or_create(
        name=f"seg-{name}", defaults={"created_at": now, "updated_at": now}
    )
    values = {
        "name": name,
        "segment": segment,
        "channels": ["email"],
        "starts_at": starts_at or now - timedelta(days=1),
        "ends_at": ends_at,
        "status": status,
        "created_at": now,
        "updated_at": now,
        "fixed_cost": Decimal("10.00"),
        "unit_costs": {"email": "0.01"},
        **more,
    }
    return Campaign.objects.create(**values)


def message(
    camp: Campaign,
    customer_id: int,
    address: str = "",
    status: str = "sent",
    is_control: bool = False,
    sent_at: datetime | None = None,
    channel: str = "email",
) -> Message:
    return Message.objects.create(
        campaign=camp,
        customer_id=customer_id,
        channel=channel,
        address=address,
        language="es",
        is_control=is_control,
        status="held_out" if is_control else status,
        sent_at=None if is_control else (sent_at or timezone.now() - timedelta(hours=1)),
    )
