"""Outbound: signed webhooks with retries, dead letters and replay, one subscription per
destination, subscriptions added and removed at run time, files."""

from __future__ import annotations

import csv
import hashlib
import hmac
import time
from typing import Any

import pytest

from lealtad.channels.models import Subscription
from lealtad.core import hub
from lealtad.core.models import Delivery
from tests.api_fixtures import make_event, post_events
from tests.connectors.conftest import SECRET, dispatch

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "national_id": "1710034065",
    "external_ids": {"facturacion_legacy": "C-88812"},
    "name": "Rodrigo Juárez Ortega",
}


def invoice(event_id: str, number: str = "001-002-000123", amount: str = "45.50") -> dict:
    return make_event(
        event_id,
        type="invoice.issued",
        channel="pos",
        customer=CUSTOMER,
        payload={
            "invoice_number": number,
            "amount": amount,
            "issued_on": "2026-11-24",
            "location": "Quito Norte",
        },
    )


def payment(event_id: str) -> dict:
    return make_event(
        event_id,
        type="payment.received",
        channel="pos",
        customer=CUSTOMER,
        payload={
            "payment_ref": "P-77",
            "amount": "45.50",
            "method": "card",
            "invoice_number": "001-002-000123",
            "received_on": "2026-11-24",
        },
    )


def test_billing_receives_signed_invoices_and_payments_in_its_format(api, install, http_server):
    billing = http_server()
    install("billing", url=f"{billing.url}/ar/entrada")
    answer = post_events(api, [invoice("pos-1"), payment("pos-2")]).json()
    assert answer["created"] == 2, answer
    dispatch()
    assert billing.bad_signatures == 0
    assert [r.path for r in billing.received] == ["/ar/entrada", "/ar/entrada"]
    first, second = (r.json() for r in billing.received)
    assert first == {
        "TIPO": "FAC",
        "ID_EVENTO": "pos-1",
        "NUMERO": "001-002-000123",
        "COD_CLIENTE": "C-88812",
        "CEDULA_RUC": "1710034065",
        "NOMBRE": "Rodrigo Juárez Ortega",
        "IMPORTE": "45.50",
        "MONEDA": "USD",
        "FECHA": "24/11/2026",
        "VENCE": None,
        "LOCAL": "Quito Norte",
    }
    assert second["TIPO"] == "PAG" and second["FORMA_PAGO"] == "TAR"
    headers = billing.received[0].headers
    assert headers["webhook-id"] == headers["x-lealtad-event-id"] == "pos-1"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["host"] == billing.url.removeprefix("http://")
    body = billing.received[0].body
    # The deprecated body-only signature still goes along for receivers written before.
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-lealtad-signature"] == signature
    assert set(Delivery.objects.values_list("status", flat=True)) == {"done"}


def test_a_500_is_retried_with_backoff_then_delivered(api, install, http_server):
    billing = http_server(replies=[500])
    install("billing", url=billing.url)
    post_events(api, invoice("pos-r1"))
    dispatch()
    delivery = Delivery.objects.get(subscriber="channels.out.billing-cartera")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "HTTP 500" in delivery.last_error
    dispatch()
    delivery.refresh_from_db()
    assert delivery.status == "done"
    assert [r.headers["x-test-answer"] for r in billing.received] == ["500", "200"]
    assert billing.received[0].body == billing.received[1].body  # the same event, again


def test_dead_letter_after_max_attempts_then_replayed_through_the_api(
    api, install, http_server, token_client
):
    billing = http_server(replies=[503] * 8)
    install("billing", url=billing.url)
    post_events(api, invoice("pos-d1"))
    dispatch(times=8)
    delivery = Delivery.objects.get(subscriber="channels.out.billing-cartera")
    assert delivery.status == "dead" and delivery.attempts == 8
    admin = token_client("admin", scopes=("hub:admin",))
    answer = admin.post("/api/v1/connectors/billing/dead-letters/replay").json()
    assert answer == {"replayed": 1}
    dispatch()
    delivery.refresh_from_db()
    assert delivery.status == "done"
    assert len(billing.received) == 9 and len(billing.accepted()) == 1


def test_redirects_are_not_followed(api, install, http_server):
    billing = http_server(replies=[("redirect", "/elsewhere")])
    install("billing", url=f"{billing.url}/ar")
    post_events(api, invoice("pos-x1"))
    dispatch()
    delivery = Delivery.objects.get(subscriber="channels.out.billing-cartera")
    assert delivery.status == "pending"
    assert "redirect to '/elsewhere' not followed" in delivery.last_error
    assert [r.path for r in billing.received] == ["/ar"]


def test_one_failing_connector_does_not_block_another(api, install, http_server):
    billing = http_server(replies=[500] * 20)
    inventory = http_server()
    install("billing", url=billing.url)
    install("inventory", url=inventory.url)
    reservation = make_event(
        "hh-1",
        type="stock.reservation_requested",
        channel="handheld",
        customer={"phone": "099 375 7370"},
        payload={
            "reservation_id": "R-1",
            "sku": "CAM-AZ-M",
            "location": "quito-norte",
            "quantity": 1,
            "hold_until": "2026-11-25T18:00:00-05:00",
        },
    )
    post_events(api, [invoice("pos-b1"), reservation, invoice("pos-b2")])
    dispatch(times=3)
    assert [r.json() for r in inventory.received] == [
        {
            "accion": "RESERVAR",
            "evento": "hh-1",
            "referencia": "R-1",
            "item": "CAM-AZ-M",
            "bodega": "01",
            "cantidad": 1,
            "vence": "20261125180000",
        }
    ]
    stuck = Delivery.objects.filter(subscriber="channels.out.billing-cartera")
    assert sorted(stuck.values_list("status", flat=True)) == ["pending", "pending"]
    # Billing comes back: everything it missed arrives, nothing lost.
    billing.replies.clear()
    dispatch()
    assert sorted(r.json()["ID_EVENTO"] for r in billing.accepted()) == ["pos-b1", "pos-b2"]


def _subscribe(client: Any, **fields: Any) -> Any:
    return client.post(
        "/api/v1/connectors/subscriptions", data=fields, content_type="application/json"
    )


def test_subscriptions_are_added_and_removed_at_run_time(api, home, http_server, token_client):
    receiver = http_server()
    admin = token_client("admin", scopes=("hub:admin",))
    created = _subscribe(
        admin,
        name="crm-espejo",
        url=f"{receiver.url}/hook",
        secret=SECRET,
        event_types=["interaction.recorded"],
        allow_private=True,
    )
    assert created.status_code == 200, created.content
    assert hub.subscription("channels.out.crm-espejo") is not None
    post_events(api, make_event("call-1"))
    dispatch()
    assert [r.json()["event_id"] for r in receiver.received] == ["call-1"]
    assert receiver.received[0].json()["payload"]["subject"] == "Consulta de saldo"

    paused = admin.patch(
        f"/api/v1/connectors/subscriptions/{created.json()['id']}",
        data={"active": False},
        content_type="application/json",
    )
    assert paused.json()["active"] is False
    assert hub.subscription("channels.out.crm-espejo") is None
    post_events(api, make_event("call-2"))
    dispatch()
    assert len(receiver.received) == 1

    removed = admin.delete(f"/api/v1/connectors/subscriptions/{created.json()['id']}")
    assert removed.status_code == 200
    assert not Subscription.objects.exists()


def test_subscription_input_is_checked(home, token_client):
    admin = token_client("admin", scopes=("hub:admin",))
    base = {"name": "x", "event_types": ["order.placed"], "secret": SECRET}
    assert _subscribe(admin, **base, url="ftp://example.com").status_code == 422
    assert _subscribe(admin, **base, url="http://").status_code == 422
    assert _subscribe(admin, **base, kind="file", folder="../../etc").status_code == 422
    assert _subscribe(admin, **base, kind="file", folder="/tmp/x").status_code == 422
    assert (
        _subscribe(admin, **{**base, "secret": "short"}, url="https://a.example").status_code == 422
    )
    assert _subscribe(admin, **base, url="https://a.example", connector="nope").status_code == 404
    ok = _subscribe(admin, **base, url="https://a.example")
    assert ok.status_code == 200 and ok.json()["allow_private"] is False
    assert _subscribe(admin, **base, url="https://a.example").status_code == 409
    clerk = token_client("store_clerk", scopes=("customers:read",))
    assert _subscribe(clerk, **{**base, "name": "y"}, url="https://a.example").status_code == 403


def test_private_addresses_are_refused_unless_allowed(api, home, token_client, monkeypatch):
    """Refused before any connection: nothing is ever sent to these addresses."""
    import socket

    def no_connection(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"tried to connect to {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    admin = token_client("admin", scopes=("hub:admin",))
    for n, url in enumerate(
        ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data", "http://localhost:8/x"]
    ):
        made = _subscribe(
            admin, name=f"inside-{n}", url=url, secret=SECRET, event_types=["interaction.recorded"]
        )
        assert made.status_code == 200
    post_events(api, make_event("call-ssrf"))
    dispatch()
    errors = dict(
        Delivery.objects.filter(subscriber__startswith="channels.out.inside").values_list(
            "subscriber", "last_error"
        )
    )
    assert len(errors) == 3
    assert all("Refused" in e and "private, loopback or link-local" in e for e in errors.values())


def test_fulfilment_gets_ship_orders_by_webhook_and_in_a_csv_manifest(
    api, home, install, http_server
):
    fulfilment = http_server()
    install("fulfilment", url=f"{fulfilment.url}/api/orders")
    order = make_event(
        "web-ship-1",
        type="shipment.requested",
        channel="web",
        customer={"email": "mj@example.com", "name": "María José Quishpe"},
        payload={
            "shipment_id": "S-1001",
            "order_ref": "W-555",
            "service": "express",
            "ship_to": {
                "name": "María José Quishpe",
                "line1": "Av. 12 de Octubre N24-593 y Luis Cordero",
                "city": "Quito",
                "phone": "099 375 7370",
            },
            "items": [{"sku": "CAM-AZ-M", "quantity": 1}],
        },
    )
    assert post_events(api, order).json()["created"] == 1
    dispatch()
    sent = fulfilment.received[0].json()
    assert sent["orderNumber"] == "S-1001" and sent["service"] == "EXP"
    assert sent["recipient"]["city"] == "Quito" and sent["recipient"]["email"] == "mj@example.com"
    assert sent["lines"] == [{"sku": "CAM-AZ-M", "quantity": 1}]
    manifests = list((home / "data" / "fulfilment" / "outbox" / "manifiesto").glob("*.csv"))
    assert len(manifests) == 1
    rows = list(csv.DictReader(manifests[0].open(encoding="utf-8")))
    assert rows == [
        {
            "envio": "web-ship-1",
            "orden": "S-1001",
            "destinatario": "María José Quishpe",
            "direccion": "Av. 12 de Octubre N24-593 y Luis Cordero",
            "ciudad": "Quito",
            "servicio": "express",
        }
    ]
