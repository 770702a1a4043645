"""Orders and cards follow a customer merge, and go back exactly on unmerge."""

from __future__ import annotations

from lealtad.commerce.models import Order, PaymentMethod
from lealtad.core.dispatcher import OutboxDispatcher
from tests.api_fixtures import make_event, post_events
from tests.commerce.test_orders_api import order_body, post


def test_orders_follow_merge_and_unmerge(api, story):
    order = post(api, "/api/v1/orders", order_body(story)).json()
    other = post_events(api, make_event("dup-person", customer={"email": "otra@example.com"}))
    survivor = other.json()["results"][0]["customer_id"]
    merge = api.post(
        f"/api/v1/customers/{survivor}/merge",
        data={"absorbed_id": story.customer_id, "reason": "misma persona"},
        content_type="application/json",
    ).json()
    OutboxDispatcher().run_once()
    assert Order.objects.get(number=order["number"]).customer_id == survivor
    assert PaymentMethod.objects.get(pk=story.card_id).customer_id == survivor
    view = api.get(f"/api/v1/customers/{survivor}/360").json()
    assert [o["number"] for o in view["orders"]] == [order["number"]]
    OutboxDispatcher().run_once()  # a second pass re-points nothing twice
    api.post(
        f"/api/v1/merges/{merge['merge_id']}/undo",
        data={"reason": "no era"},
        content_type="application/json",
    )
    OutboxDispatcher().run_once()
    assert Order.objects.get(number=order["number"]).customer_id == story.customer_id
    assert PaymentMethod.objects.get(pk=story.card_id).customer_id == story.customer_id
