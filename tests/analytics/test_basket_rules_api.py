"""Market-basket rules end to end: commerce's orders become baskets, the mined rules replace
the stored set in one transaction, and the API lists them and one customer's offers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lealtad.analytics.models import AssociationRule
from lealtad.analytics.selectors import basket as selectors
from lealtad.analytics.services import basket as services
from lealtad.commerce import demo
from lealtad.commerce import selectors as commerce_selectors
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn
from lealtad.commerce.services import SaleContext
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.customer_value import basket

pytestmark = pytest.mark.django_db

GEAR = ["TENT", "STOVE", "LAMP", "BOOTS"]
# 10 baskets: tent+stove 4 times (with the lamp in 3 of them), boots alone, lamp alone …
CAMPING = [
    ["TENT", "STOVE", "LAMP"],
    ["TENT", "STOVE", "LAMP"],
    ["TENT", "STOVE", "LAMP"],
    ["TENT", "STOVE"],
    ["TENT"],
    ["BOOTS"],
    ["BOOTS", "LAMP"],
    ["LAMP"],
    ["STOVE"],
    ["BOOTS"],
]
LOOSE: dict[str, Any] = {"min_support": 0.1, "min_confidence": 0.5, "max_length": 3}


@pytest.fixture
def shop(story: demo.Story) -> demo.Story:
    for code in GEAR:
        catalog_services.upsert_product(
            code, code.title(), category="camping", variants=[{"sku": f"{code}-1", "price": "10"}]
        )
        catalog_services.receive_stock(f"{code}-1", demo.WAREHOUSE, 100)
    return story


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def order(story: demo.Story, *codes: str) -> Any:
    placed, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=f"{code}-1", quantity=1) for code in codes],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        SaleContext(Actor.system("test"), "web"),
    )
    return placed


def test_orders_not_cancelled_become_baskets_in_chunks(shop):
    first = order(shop, "TENT", "STOVE")
    second = order(shop, "LAMP", "TENT")  # line order does not matter
    gone = order(shop, "BOOTS")
    order_services.cancel_order(gone, "changed mind", SaleContext(Actor.system("test"), "web"))
    third = order(shop, "BOOTS", "BOOTS")  # the same product twice is one item
    with CaptureQueriesContext(connection) as queries:
        rows = list(commerce_selectors.order_baskets(chunk=2))
    assert [(row.order_id, row.customer_id, row.products) for row in rows] == [
        (first.pk, shop.customer_id, ["STOVE", "TENT"]),
        (second.pk, shop.customer_id, ["LAMP", "TENT"]),
        (third.pk, shop.customer_id, ["BOOTS"]),
    ]
    assert len(queries) <= 6  # variant map, two chunks of two, the empty read: none per order
    assert commerce_selectors.customer_products(shop.customer_id) == {
        "TENT",
        "STOVE",
        "LAMP",
        "BOOTS",
    }


def test_mining_from_the_orders_stores_the_rules(shop):
    for codes in CAMPING:
        order(shop, *codes)
    stored = services.mine_rules(settings=LOOSE)
    expected = basket.mine(CAMPING, basket.Settings(**LOOSE)).rules
    assert stored == len(expected) > 0
    rows = list(AssociationRule.objects.all())
    assert [(r.antecedent, r.consequent, r.count, r.baskets) for r in rows] == [
        (list(e.antecedent), list(e.consequent), e.count, 10) for e in expected
    ]
    assert {r.run_id for r in rows} == {rows[0].run_id} and rows[0].computed_at is not None
    tent_stove = AssociationRule.objects.get(antecedent=["STOVE", "TENT"], consequent=["LAMP"])
    assert tent_stove.confidence == pytest.approx(0.75)
    assert tent_stove.lift == pytest.approx(0.75 / 0.5)  # the lamp is in 5 of 10 baskets


def test_a_new_run_replaces_the_set_and_bad_input_writes_nothing(db):
    services.mine_rules(CAMPING, LOOSE, run_id="first")
    assert AssociationRule.objects.filter(run_id="first").count() > 0
    services.mine_rules([["A", "B"]] * 3, LOOSE, run_id="second")
    assert set(AssociationRule.objects.values_list("run_id", flat=True)) == {"second"}
    assert AssociationRule.objects.count() == 2  # A → B and B → A
    with pytest.raises(DomainError) as refused:
        services.mine_rules([["A"], ["B", None]], LOOSE)
    assert refused.value.field == "baskets" and "row 1" in str(refused.value)
    with pytest.raises(DomainError) as refused:
        services.mine_rules(CAMPING, {"min_support": 2})
    assert refused.value.field == "settings.min_support"
    with pytest.raises(DomainError) as refused:
        services.mine_rules(CAMPING, {"min_suport": 0.1})
    assert refused.value.field == "settings.min_suport"
    assert set(AssociationRule.objects.values_list("run_id", flat=True)) == {"second"}
    assert services.mine_rules([], LOOSE) == 0  # no orders at all: no rules, no crash
    assert AssociationRule.objects.count() == 0


def test_rules_selector_filters_by_lift_and_item(db):
    services.mine_rules(CAMPING, LOOSE)
    every = selectors.rules(limit=1000)
    assert [r.lift for r in every] == sorted((r.lift for r in every), reverse=True)
    assert len(selectors.rules(limit=2)) == 2
    assert all(r.lift >= 1.2 for r in selectors.rules(min_lift=1.2))
    with_lamp = selectors.rules(item="LAMP")
    assert with_lamp and all("LAMP" in r.antecedent + r.consequent for r in with_lamp)
    assert len(with_lamp) < len(every)
    assert selectors.rules(item="LAM") == []  # whole codes only
    assert selectors.rules(item="BOOTS") == []  # bought, but with nothing often enough


def test_cross_sell_offers_what_goes_with_what_the_customer_bought(shop):
    order(shop, "TENT", "STOVE")
    services.mine_rules(CAMPING, LOOSE)
    offers = selectors.cross_sell_for(shop.customer_id)
    assert offers[0].items == ("LAMP",) and offers[0].because == ("STOVE", "TENT")
    assert all(not {"TENT", "STOVE"} & set(offer.items) for offer in offers)
    assert selectors.cross_sell_for(shop.customer_id + 999) == []


def test_api_lists_rules_and_offers(shop, token_client):
    order(shop, "TENT", "STOVE")
    services.mine_rules(CAMPING, LOOSE)
    marketer = token_client("marketer", ("analytics:read",))
    answer = marketer.get("/api/v1/analytics/basket-rules", {"limit": 3, "min_lift": 1})
    assert answer.status_code == 200, answer.content
    rules = answer.json()["rules"]
    assert len(rules) == 3 and rules[0]["lift"] >= rules[-1]["lift"] >= 1
    assert set(rules[0]) == {
        "antecedent",
        "consequent",
        "support",
        "confidence",
        "lift",
        "count",
        "baskets",
        "computed_at",
        "run_id",
    }
    answer = marketer.get("/api/v1/analytics/basket-rules", {"item": "LAMP"})
    assert all("LAMP" in r["antecedent"] + r["consequent"] for r in answer.json()["rules"])
    answer = marketer.get(f"/api/v1/analytics/customers/{shop.customer_id}/cross-sell")
    assert answer.status_code == 200, answer.content
    offers = answer.json()["offers"]
    assert offers[0]["products"] == ["LAMP"] and offers[0]["because"] == ["STOVE", "TENT"]
    assert offers[0]["score"] == pytest.approx(offers[0]["lift"] * offers[0]["confidence"])


@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 0}, "limit"), ({"min_lift": -1}, "min_lift")]
)
def test_api_refuses_bad_parameters(db, token_client, params, field):
    answer = token_client("marketer", ("analytics:read",)).get(
        "/api/v1/analytics/basket-rules", params
    )
    assert answer.status_code == 422
    assert field in str(answer.json()["detail"])


def test_api_needs_the_analytics_capability_and_a_known_customer(shop, token_client):
    clerk = token_client("store_clerk", ("customers:read",))
    assert clerk.get("/api/v1/analytics/basket-rules").status_code == 403
    marketer = token_client("marketer", ("analytics:read",))
    assert marketer.get("/api/v1/analytics/basket-rules").json() == {"rules": []}  # none mined
    assert marketer.get("/api/v1/analytics/customers/987654/cross-sell").status_code == 404
    none_yet = marketer.get(f"/api/v1/analytics/customers/{shop.customer_id}/cross-sell")
    assert none_yet.json() == {"customer_id": shop.customer_id, "offers": []}


def test_a_channel_token_reaches_only_its_channels_customers(shop, token_client):
    order(shop, "TENT", "STOVE")
    services.mine_rules(CAMPING, LOOSE)
    elsewhere = token_client("supervisor", ("analytics:read", "channel:call_center"))
    path = f"/api/v1/analytics/customers/{shop.customer_id}/cross-sell"
    assert elsewhere.get(path).status_code == 404  # as if there were no such customer
    unbound = token_client("supervisor", ("analytics:read",))
    assert unbound.get(path).json()["offers"][0]["products"] == ["LAMP"]


def test_without_settings_the_defaults_apply(db):
    assert services.mine_rules(CAMPING) == len(basket.mine(CAMPING).rules) > 0
    assert services.settings_from(None) == basket.Settings()
