"""Seed 000's cross-channel story, as demo data and as a scenario anyone can replay.

A customer finds a shirt in a store near home but not in size M; the clerk's handheld shows
units elsewhere and orders one shipped home, with the address and card already on file. At
home the customer buys matching trousers on the web, delivered to the office. They do not
fit: at a store near the office the customer exchanges them for the next size, in one
operation (the return and the replacement order linked, only the price difference charged).

``lealtad demo --scenario cross-channel`` calls :func:`cross_channel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from lealtad.commerce import selectors
from lealtad.commerce.models import Exchange, Order, Return, Stock
from lealtad.commerce.schemas import (
    CardIn,
    ExchangeIn,
    LineIn,
    OrderIn,
    PaymentIn,
    ReturnLineIn,
    ShipIn,
)
from lealtad.commerce.services import SaleContext, exchanges, shipments
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.core import envelope
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.envelope import CustomerRef
from lealtad.customers.selectors import references as customer_references

STORE_HOME = "UIO-QUICENTRO"  # the store near the customer's home
STORE_OFFICE = "UIO-AMAZONAS"  # the store near the office
WAREHOUSE = "UIO-BODEGA"
SHIRT_M = "CAM-OXF-CEL-M"
TROUSERS_32 = "PAN-CHI-AZM-32"
TROUSERS_34 = "PAN-CHI-AZM-34"
CARD = "4111 1111 1111 1111"
CUSTOMER = {
    "email": "rodrigo.juarez@example.ec",
    "phone": "0991234567",
    "name": "Rodrigo Juárez Ortega",
}

LOCATIONS = (
    (STORE_HOME, "Tienda Quicentro", "store", "Av. Naciones Unidas y Av. 6 de Diciembre"),
    (STORE_OFFICE, "Tienda Amazonas", "store", "Av. Amazonas N35-17 y Juan Pablo Sanz"),
    (WAREHOUSE, "Bodega Central Quito", "warehouse", "Panamericana Sur km 6"),
    ("GYE-MALLDELSOL", "Tienda Mall del Sol", "store", "Av. Juan Tanca Marengo, Guayaquil"),
)
STOCK = {
    # sku: {location: units}
    "CAM-OXF-CEL-S": {STORE_HOME: 3, STORE_OFFICE: 2, WAREHOUSE: 10},
    SHIRT_M: {STORE_HOME: 0, STORE_OFFICE: 1, WAREHOUSE: 6, "GYE-MALLDELSOL": 2},
    "CAM-OXF-CEL-L": {STORE_HOME: 2, WAREHOUSE: 8},
    TROUSERS_32: {STORE_HOME: 1, STORE_OFFICE: 2, WAREHOUSE: 4},
    TROUSERS_34: {STORE_OFFICE: 2, WAREHOUSE: 5},
}


@dataclass(frozen=True)
class Story:
    customer_id: int
    home_address_id: int
    work_address_id: int
    card_id: int


def seed_catalog() -> None:
    """Locations, two products with sizes, stock, Ecuador's IVA and a web-only promotion."""
    catalog_services.ensure_tax_rates()
    for code, name, kind, address in LOCATIONS:
        city = "Guayaquil" if code.startswith("GYE") else "Quito"
        catalog_services.upsert_location(code, name, kind, address=address, city=city)
    _seed_products()
    catalog_services.upsert_promotion(
        "WEB-PANTALONES-10",
        name="10% en pantalones, solo en la web",
        kind="percent",
        value=Decimal("10"),
        channels=["web"],
        categories=["pantalones"],
    )
    with transaction.atomic():
        for sku, where in STOCK.items():
            for location, units in where.items():
                catalog_services.receive_stock(sku, location, units)


def _seed_products() -> None:
    """The shirt in three sizes and the trousers that match it."""
    catalog_services.upsert_product(
        "CAM-OXF",
        "Camisa Oxford celeste",
        name_en="Light-blue Oxford shirt",
        description_es="Camisa de algodón Oxford, manga larga, corte clásico.",
        description_en="Long-sleeved cotton Oxford shirt, classic fit.",
        category="camisas",
        image_url="https://example.com/img/cam-oxf.jpg",
        variants=[
            {
                "sku": f"CAM-OXF-CEL-{size}",
                "price": "34.90",
                "attributes": {"talla": size, "color": "celeste"},
            }
            for size in ("S", "M", "L")
        ],
    )
    catalog_services.upsert_product(
        "PAN-CHI",
        "Pantalón chino azul marino",
        name_en="Navy chino trousers",
        description_es="Pantalón chino de gabardina que combina con la camisa Oxford.",
        description_en="Gabardine chinos that match the Oxford shirt.",
        category="pantalones",
        image_url="https://example.com/img/pan-chi.jpg",
        variants=[
            {
                "sku": f"PAN-CHI-AZM-{size}",
                "price": "44.90",
                "attributes": {"talla": size, "color": "azul marino"},
            }
            for size in ("30", "32", "34")
        ],
    )


def _apply_event(raw: dict[str, Any]) -> int | None:
    """Apply one canonical event through the applier its type registered with core: the demo
    runs inside Lealtad, no channel sends it, so it reaches no channel's intake (and commerce
    imports nothing of the channels context, which imports commerce's stock services)."""
    event = envelope.Envelope.model_validate(raw)
    kind = envelope.event_type(event.type)
    assert kind is not None, event.type
    valid = envelope.ValidEvent(event, kind.payload_model.model_validate(event.payload))
    with transaction.atomic():
        found = kind.apply([valid], Actor.system("demo"))
    return found[0] if found else None


def seed_customer() -> Story:
    """The customer, with a home and an office address and a card on file."""
    customer_id = _apply_event(
        {
            "id": "story-000-customer",
            "type": "customer.upserted",
            "channel": "pos",
            "occurred_at": "2025-03-01T10:00:00-05:00",
            "customer": {**CUSTOMER, "national_id": "1710034065"},
            "payload": {
                "given_names": "Rodrigo",
                "first_surname": "Juárez",
                "second_surname": "Ortega",
                "addresses": [
                    {
                        "kind": "home",
                        "line1": "Av. 12 de Octubre N24-593 y Luis Cordero",
                        "city": "Quito",
                        "region": "Pichincha",
                    },
                    {
                        "kind": "work",
                        "line1": "Av. Amazonas N35-17 y Juan Pablo Sanz, piso 4",
                        "city": "Quito",
                        "region": "Pichincha",
                    },
                ],
            },
        }
    )
    customer_id = customer_id or customer_references.owner_of(CustomerRef(email=CUSTOMER["email"]))
    assert customer_id is not None
    addresses = customer_references.address_ids_by_kind(customer_id)
    card = catalog_services.add_card(
        customer_id,
        CardIn(card_number=CARD, label="Visa personal"),
        SaleContext(Actor.system("demo"), "web"),
    )
    return Story(customer_id, addresses["home"], addresses["work"], card.pk)


def cross_channel(progress: Any = None) -> str:
    """Play the story through the services and say what happened, step by step."""
    steps: list[str] = []
    task = progress.add_task("cross-channel story", total=7) if progress else None

    def step(text: str) -> None:
        steps.append(text)
        if progress is not None and task is not None:
            progress.advance(task)

    seed_catalog()
    story = seed_customer()
    step(_asked_at_the_handheld())
    step(_shipped_home(story))
    second, told = _ordered_on_the_web(story)
    step(told)
    for told in _exchanged_at_the_store(second):
        step(told)
    default_dispatcher().run_once(limit=10000)
    step(_history(story))
    step(_stock())
    timeline = customer_references.interactions_of_kind(story.customer_id, "order")
    lines = "\n".join(f"   {i.channel:9} {i.subject}" for i in timeline)
    return "\n".join(steps) + "\n   Timeline:\n" + lines


_WAREHOUSE = SaleContext(Actor.system("bodega"), "web")


def _asked_at_the_handheld() -> str:
    found = selectors.availability(SHIRT_M, STORE_HOME)
    assert found is not None
    elsewhere = ", ".join(f"{r['location']} {r['available']}" for r in found["locations"])
    return (
        f"1. Handheld at {STORE_HOME}: {SHIRT_M} here {found['here']['available']}; "
        f"elsewhere: {elsewhere}"
    )


def _shipped_home(story: Story) -> str:
    """The clerk orders the size the store lacks, shipped home; it leaves and arrives."""
    clerk = SaleContext(Actor(label="carlos.tienda", channel="handheld"), "handheld")
    first, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="handheld",
            lines=[LineIn(sku=SHIRT_M, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            origin_location=STORE_HOME,
            payment=PaymentIn(on_file=True),
        ),
        clerk,
    )
    told = (
        f"2. Order {first.number} (handheld) shipped home from "
        f"{first.lines.values_list('location__code', flat=True).get()}, "
        f"{first.total} {first.currency}; "
        f"captured elsewhere: {first.captured_elsewhere}"
    )
    shipments.ship_order(first, ShipIn(carrier="Servientrega"), _WAREHOUSE)
    shipments.deliver_order(first, _WAREHOUSE)
    return told


def _ordered_on_the_web(story: Story) -> tuple[Order, str]:
    web = SaleContext(Actor(label="rodrigo.juarez (web)", channel="web"), "web")
    second, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=TROUSERS_32, quantity=1)],
            fulfilment="ship",
            ship_address_kind="work",
            payment=PaymentIn(on_file=True),
        ),
        web,
    )
    told = (
        f"3. Order {second.number} (web) to the office, {second.total} {second.currency} "
        f"with {', '.join(second.promotions) or 'no promotion'}"
    )
    shipments.ship_order(second, ShipIn(carrier="Servientrega"), _WAREHOUSE)
    shipments.deliver_order(second, _WAREHOUSE)
    return second, told


def _exchanged_at_the_store(second: Order) -> list[str]:
    store = SaleContext(Actor(label="andrea.tienda", channel="pos"), "pos")
    swap, _ = exchanges.exchange(
        second,
        ExchangeIn(
            channel="pos",
            location=STORE_OFFICE,
            reason="No le queda: talla pequeña",
            returns=[ReturnLineIn(sku=TROUSERS_32, quantity=1)],
            replacements=[LineIn(sku=TROUSERS_34, quantity=1)],
        ),
        store,
    )
    return [
        f"4. Return {swap.ret.number} at {STORE_OFFICE} (pos): {TROUSERS_32} back, "
        f"{swap.returned_value} credited to the replacement",
        f"5. Exchange {swap.number}: order {swap.replacement.number} (pos, take now) for size "
        f"34, {swap.replacement_value}; difference {swap.difference} charged to the card",
    ]


def _history(story: Story) -> str:
    orders = Order.objects.filter(customer_id=story.customer_id)
    linked = Return.objects.filter(customer_id=story.customer_id, exchange_order__isnull=False)
    return (
        f"6. History: {orders.count()} orders, "
        f"{Return.objects.filter(customer_id=story.customer_id).count()} return, "
        f"{Exchange.objects.filter(customer_id=story.customer_id).count()} exchange "
        f"({linked.count()} return linked to its replacement); "
        f"captured sales {selectors.captured_sales()['orders']}"
    )


def _stock() -> str:
    levels = [
        f"{sku}@{loc}={on_hand - reserved}"
        for sku, loc, on_hand, reserved in Stock.objects.filter(
            variant__sku__in=[SHIRT_M, TROUSERS_32, TROUSERS_34]
        )
        .order_by("variant__sku", "location__code")
        .values_list("variant__sku", "location__code", "on_hand", "reserved")
    ]
    return "7. Stock: " + ", ".join(levels)
