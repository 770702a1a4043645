"""A program for the loyalty tests and the orders that earn in it (through commerce's own
API and the hub's dispatcher: the real path)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.loyalty.models import Program
from lealtad.loyalty.services import programs

ACTOR = Actor.system("test")


def program(**values: Any) -> Program:
    made = programs.save_program(
        {
            "code": values.pop("code", "club"),
            "name": values.pop("name", "Club Lealtad"),
            "point_value": Decimal("0.01"),
            "referrer_points": 500,
            "referred_points": 200,
            **values,
        },
        ACTOR,
    )
    programs.save_tier(made, {"name": "Plata", "rank": 0, "threshold": 0}, ACTOR)
    programs.save_tier(
        made, {"name": "Oro", "rank": 1, "threshold": 1000, "multiplier": Decimal("1.5")}, ACTOR
    )
    programs.save_rule(made, {"name": "Base", "points_per_unit": Decimal(10)}, ACTOR)
    return made


def dispatch() -> None:
    hub = default_dispatcher()
    while hub.run_once():
        pass


def place(api: Any, story: demo.Story, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": lines,
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
        **extra,
    }
    response = api.post("/api/v1/orders", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def ship_and_return(api: Any, number: str, sku: str, quantity: int, key: str) -> None:
    shipped = api.post(
        f"/api/v1/orders/{number}/ship", {"lines": []}, content_type="application/json"
    )
    assert shipped.status_code == 200, shipped.content
    back = api.post(
        f"/api/v1/orders/{number}/returns",
        {
            "channel": "pos",
            "location": demo.STORE_HOME,
            "reason": "no le quedó",
            "lines": [{"sku": sku, "quantity": quantity}],
            "idempotency_key": key,
        },
        content_type="application/json",
    )
    assert back.status_code in (200, 201), back.content
