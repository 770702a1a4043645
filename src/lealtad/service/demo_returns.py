"""Contracts and returns demo: a premium contract in force for one customer (and an ended one
for another), and an RMA in progress: a customer's case about a product bought earlier, the
return authorized from the case and the goods received at a store, waiting for inspection.

Idempotent: the contracts by number, the RMA by its case's demo key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from lealtad.commerce.selectors.availability import locations
from lealtad.commerce.selectors.orders import customer_orders, find_order
from lealtad.core.audit import Actor
from lealtad.service.demo_common import made_before, open_demo_case
from lealtad.service.models import ServiceContract
from lealtad.service.services import contracts, rma

ACTOR = Actor.system("demo")
RMA_KEY = "rma-1"
CONTRACTS = (  # number, level, coverage, starts (days from today), lasts (days), skus
    ("CT-DEMO-0001", "premium", "24x7", -90, 365, ["CALD-24K", "CALEFON-16L"]),
    ("CT-DEMO-0002", "plus", "extended", -500, 365, ["AIRE-12K"]),
)


def _contracts(customer_ids: list[int]) -> int:
    made = 0
    today = timezone.localdate()
    for (number, level, coverage, starts, lasts, skus), customer_id in zip(
        CONTRACTS, customer_ids, strict=False
    ):
        if ServiceContract.objects.filter(number=number).exists():
            continue
        begins = today + timedelta(days=starts)
        new = contracts.NewContract(
            number=number,
            customer_id=customer_id,
            support_level=level,
            starts_on=begins,
            ends_on=begins + timedelta(days=lasts - 1),
            coverage=coverage,
            product_skus=skus,
            serials=[f"SN-{number[-4:]}-{i}" for i in range(1, len(skus) + 1)],
        )
        contracts.create_contract(new, ACTOR)
        made += 1
    return made


def _returnable(customer_ids: list[int]) -> tuple[int, str, str] | None:
    """A customer's order line with a unit that came to them and has not come back."""
    for customer_id in customer_ids:
        for listed in customer_orders(customer_id, limit=10):
            order = find_order(listed.number)
            if order is None:
                continue
            for line in order.lines.all():
                if line.shipped - line.returned > 0:
                    return customer_id, order.number, line.sku
    return None


def _rma(customer_ids: list[int]) -> int:
    if made_before(RMA_KEY) is not None:
        return 0
    found = _returnable(customer_ids)
    store = locations("store").first()
    if found is None or store is None:
        return 0  # a demo without purchases has nothing to return
    customer_id, order_number, sku = found
    case = open_demo_case(
        RMA_KEY,
        customer_id,
        "El producto llegó dañado",
        "post_sale",
        subtype="service_problem",
        order_number=order_number,
        product_sku=sku,
    )
    line = rma.RmaLineIn(order_number=order_number, sku=sku, quantity=1)
    new = rma.NewRma(customer_id, "Llegó dañado; el cliente lo devuelve en tienda", [line], case.pk)
    made = rma.authorize(new, ACTOR)
    if made.return_required:
        rma.receive(made.number, store.code, ACTOR, channel="pos")
    return 1


def load(customer_ids: list[int]) -> dict[str, Any]:
    return {"contracts": _contracts(customer_ids), "rmas": _rma(customer_ids)}
