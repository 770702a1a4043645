"""What the store tests share (issue 17's dead ends and returns): users by role and store,
sales at the home store, and a customer's e-mail consent for service messages."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Stock
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn
from lealtad.commerce.services import SaleContext
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from lealtad.customers import selectors as customer_reads
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import ConsentIn

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
SHIRT_S, SHIRT_L = "CAM-OXF-CEL-S", "CAM-OXF-CEL-L"
TILL = SaleContext(Actor.system("till"), "handheld")


def client_for(role: str, *stores: str, language: str = "en") -> Client:
    """A signed-in user of ``role`` working at ``stores`` (none: every location)."""
    user = User.objects.create_user(f"{role}-{'-'.join(stores) or 'all'}-{language}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    for code in stores:
        user.groups.add(Group.objects.get_or_create(name=f"store:{code}")[0])
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.get(f"/store/?store={stores[0] if stores else HOME}")
    return client


def sale(
    customer_id: int,
    sku: str = SHIRT_S,
    quantity: int = 1,
    fulfilment: str = "take_now",
    payment: PaymentIn | None = None,
) -> Order:
    """A sale at the home store (taken now, or for pickup there), by card on file unless
    ``payment`` says otherwise."""
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=customer_id,
            channel="handheld",
            lines=[LineIn(sku=sku, quantity=quantity)],
            fulfilment=fulfilment,  # type: ignore[arg-type]
            pickup_location=HOME,
            origin_location=HOME,
            payment=payment or PaymentIn(on_file=True),
        ),
        TILL,
    )
    return Order.objects.get(pk=order.pk)


def units(sku: str, location: str) -> tuple[int, int]:
    row = Stock.objects.get(variant__sku=sku, location__code=location)
    return row.on_hand, row.reserved


def consent_to_service_mail(customer_id: int, granted: bool = True) -> None:
    """The customer's signed statement on e-mail for service messages."""
    ctx = customer_services.ChangeContext(actor=Actor.system("test"), channel="test")
    found = customer_reads.get_customer(customer_id)
    assert found is not None
    customer_services.record_consent(
        found,
        ConsentIn(
            channel="email",
            purpose="service",
            granted=granted,
            proof="signed_form" if granted else None,
            proof_reference="F-9" if granted else "",
        ),
        ctx,
    )
